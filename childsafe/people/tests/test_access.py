"""The access matrix by persona (PL-3): who opens a child's record, who must give a reason, who gets 404."""

from __future__ import annotations

import pytest
from django.test import Client

from childsafe.core.models import AuditEvent
from conftest import PASSWORD


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def views_of(person, user, event_type="person.view"):
    return AuditEvent.objects.filter(actor=user, person_id=person.pk, event_type=event_type)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "handler", "supervisor"])
def test_police_in_the_childs_area_or_force_wide_open_the_record_and_it_is_logged(personas, ella, who):
    user = personas[who]
    response = client_for(user).get(f"/people/{ella.pk}/")
    assert response.status_code == 200
    assert b"Firearms" in response.content
    event = views_of(ella, user).get()
    assert event.category == "consultation" and event.channel == "web"


@pytest.mark.django_db
def test_colleague_in_another_area_gives_a_reason_first_and_the_reason_is_logged(personas, ella):
    user = personas["colleague_elsewhere"]
    client = client_for(user)
    response = client.get(f"/people/{ella.pk}/")
    assert response.status_code == 302 and response["Location"].startswith(f"/people/{ella.pk}/reason/")
    asked = client.get(response["Location"])
    assert b"Give a reason" in asked.content and b"Firearms" not in asked.content
    assert not views_of(ella, user).exists()

    assert b"Missing person search" in asked.content  # the purposes to choose from

    refused = client.post(response["Location"], {"reason": ""})
    assert b"Enter why you need to open this record" in refused.content
    assert b"Choose what you need the record for" in refused.content  # every error at once

    opened = client.post(
        response["Location"],
        {"purpose": "missing_person", "reason": "Attending a call at her grandmother's in Whitby"},
        follow=True,
    )
    assert b"Firearms" in opened.content
    event = views_of(ella, user).get()
    assert event.justification == "Missing person search: Attending a call at her grandmother's in Whitby"


@pytest.mark.django_db
def test_the_reason_page_never_sends_anyone_off_site(personas, ella):
    client = client_for(personas["colleague_elsewhere"])
    response = client.post(
        f"/people/{ella.pk}/reason/?next=https://evil.example/",
        {"purpose": "safeguarding_enquiry", "reason": "Checking a sighting in Whitby"},
    )
    assert response["Location"] == f"/people/{ella.pk}/"


@pytest.mark.django_db
def test_information_manager_needs_a_reason_to_open_a_record(personas, ella):
    response = client_for(personas["information_manager"]).get(f"/people/{ella.pk}/", follow=True)
    assert b"Give a reason" in response.content


@pytest.mark.django_db
def test_partner_of_the_right_school_sees_the_child_but_not_police_intelligence(personas, ella):
    user = personas["right_school"]
    response = client_for(user).get(f"/people/{ella.pk}/")
    assert response.status_code == 200
    assert b"Ella Hughes" in response.content
    assert b"Firearms" not in response.content
    assert views_of(ella, user).exists()
    # Shown outside the police: a disclosure to the school, not a consultation.
    view = views_of(ella, user).latest("id")
    assert (view.category, view.recipient) == ("disclosure", "Hill Primary")
    officer_view = client_for(personas["officer"]).get(f"/people/{ella.pk}/")
    assert officer_view.status_code == 200
    assert views_of(ella, personas["officer"]).latest("id").category == "consultation"


@pytest.mark.django_db
def test_partner_of_the_wrong_school_gets_404_and_the_attempt_is_logged(personas, ella):
    user = personas["wrong_school"]
    response = client_for(user).get(f"/people/{ella.pk}/")
    assert response.status_code == 404
    assert b"Ella" not in response.content
    assert views_of(ella, user, "person.view.refused").exists()


@pytest.mark.django_db
def test_local_authority_sees_its_own_children(personas, ella):
    assert client_for(personas["local_authority"]).get(f"/people/{ella.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["administrator", "pfcc"])
def test_roles_without_record_access_get_404(personas, ella, who):
    assert client_for(personas[who]).get(f"/people/{ella.pk}/").status_code == 404


@pytest.mark.django_db
def test_partner_search_is_forbidden_and_partner_portal_lists_only_own_children(personas, ella):
    assert client_for(personas["right_school"]).get("/people/?q=ella").status_code == 403
    right = client_for(personas["right_school"]).get("/partners/")
    wrong = client_for(personas["wrong_school"]).get("/partners/")
    assert b"Ella Hughes" in right.content
    assert b"Ella Hughes" not in wrong.content


@pytest.mark.django_db
def test_signed_out_users_are_sent_to_sign_in(ella):
    response = Client().get(f"/people/{ella.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("officer", "/oversight/audit/", 403),
        ("information_manager", "/oversight/audit/", 200),
        ("officer", "/oversight/settings/", 403),
        ("administrator", "/oversight/settings/", 200),
        ("officer", "/oversight/outbox/", 403),
        ("administrator", "/oversight/outbox/", 200),
        ("officer", "/oversight/alerts/team/", 403),
        ("supervisor", "/oversight/alerts/team/", 200),
        ("right_school", "/oversight/audit/", 403),
    ],
)
def test_oversight_pages_by_role(personas, who, path, status):
    assert client_for(personas[who]).get(path).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    "thin", ["x", ".", "...", "checking", "a b c", "test", "test test", "testing testing 123", "checking the record"]
)
def test_a_reason_that_says_nothing_is_refused(personas, ella, thin):
    user = personas["colleague_elsewhere"]
    client = client_for(user)
    refused = client.post(f"/people/{ella.pk}/reason/", {"purpose": "other", "reason": thin})
    assert refused.status_code == 200 and b"Say in a few words why you need this record" in refused.content
    assert client.get(f"/people/{ella.pk}/").status_code == 302  # still asked for a reason
    assert not views_of(ella, user).exists()
