"""The duplicate review pages (PL-2, PL-3): who sees the queue, both records side by side (each view
logged), confirming links through the people service, rejecting needs a reason."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from childsafe.core.models import AuditEvent
from childsafe.linkage import services
from childsafe.linkage.models import LinkageRun, LinkSuggestion, SuggestionStatus
from childsafe.people import selectors
from childsafe.people import services as people_services
from childsafe.people.models import IdentityLink
from conftest import PASSWORD


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _child(forenames, surname, dob):
    return people_services.person_create(
        actor=None, forenames=forenames, surname=surname, date_of_birth=dob, sex="female"
    ).person


@pytest.fixture
def suggestion(db):
    a = _child("Kathryn", "Hughes", date(2012, 3, 4))
    b = _child("Katie", "Hughs", date(2012, 4, 3))
    people_services.marker_add(actor=None, person=b, type="knives", source="Intelligence log 9")
    _child("Oliver", "Brown", date(2011, 6, 7))
    services.find_duplicates(threshold=0.5, train=False)
    return LinkSuggestion.objects.get(person_a=a, person_b=b)


@pytest.fixture
def analyst(make_user):
    return make_user("analyst", "analyst")


@pytest.mark.django_db
def test_queue_lists_open_suggestions_for_an_analyst_and_is_in_the_menu(analyst, suggestion):
    response = client_for(analyst).get("/linkage/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kathryn Hughes" in body and "Katie Hughs" in body
    assert "date of birth with day and month swapped" in body
    assert f'href="/linkage/{suggestion.pk}/"' in body
    assert 'href="/linkage/"' in body  # "Duplicates" in the service navigation


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "handler", "administrator", "right_school"])
def test_roles_that_cannot_link_identities_are_refused(personas, suggestion, who):
    client = client_for(personas[who])
    for url in ("/linkage/", f"/linkage/{suggestion.pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/linkage/{suggestion.pk}/confirm/").status_code == 403
    assert client.post(f"/linkage/{suggestion.pk}/reject/", {"reason": "No"}).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    assert "/linkage/" not in client.get("/", follow=True).content.decode()


@pytest.mark.django_db
def test_review_shows_both_records_side_by_side_and_logs_each_view(analyst, suggestion):
    response = client_for(analyst).get(f"/linkage/{suggestion.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kathryn Hughes" in body and "Katie Hughs" in body
    assert "4 March 2012" in body and "3 April 2012" in body
    assert f'data-testid="markers-{suggestion.person_b_id}">1<' in body
    assert "Same person – link the records" in body
    for pid in (suggestion.person_a_id, suggestion.person_b_id):
        event = AuditEvent.objects.get(actor=analyst, person_id=pid, event_type="linkage.review")
        assert event.category == "consultation"


@pytest.mark.django_db
def test_confirm_links_through_the_people_service_and_merges_markers(analyst, suggestion):
    response = client_for(analyst).post(f"/linkage/{suggestion.pk}/confirm/", follow=True)
    assert response.status_code == 200
    assert "are linked as the same child" in response.content.decode()
    link = IdentityLink.objects.get(person_a_id=suggestion.person_a_id, person_b_id=suggestion.person_b_id)
    assert link.linked_by == analyst and link.unlinked_at is None
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.CONFIRMED and suggestion.link == link
    # Kathryn's record now shows the knife marker held on Katie's.
    markers = selectors.active_markers(selectors.identity_cluster(suggestion.person_a_id))
    assert [m.type for m in markers] == ["knives"]
    page = client_for(analyst).get(f"/people/{suggestion.person_a_id}/").content.decode()
    assert f"linked record {suggestion.person_b_id}" in page
    assert AuditEvent.objects.filter(event_type="identity.link").count() == 2
    # Decided: it leaves the queue, and confirming again changes nothing.
    assert "Kathryn Hughes" not in client_for(analyst).get("/linkage/").content.decode()
    again = client_for(analyst).post(f"/linkage/{suggestion.pk}/confirm/")
    assert again.status_code == 400 and "already been decided" in again.content.decode()
    assert IdentityLink.objects.count() == 1


@pytest.mark.django_db
def test_reject_needs_a_reason_and_is_never_suggested_again(analyst, suggestion):
    client = client_for(analyst)
    refused = client.post(f"/linkage/{suggestion.pk}/reject/", {"reason": ""})
    assert refused.status_code == 400
    assert "Enter why these records are not the same person" in refused.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN

    done = client.post(f"/linkage/{suggestion.pk}/reject/", {"reason": "Different mothers."}, follow=True)
    assert "will not be suggested again" in done.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.REJECTED and suggestion.rejection_reason == "Different mothers."
    assert not IdentityLink.objects.exists()
    again = services.find_duplicates(threshold=0.5, train=False)
    assert again.run.skipped_rejected == 1 and again.run.suggestions_created == 0
    assert "Kathryn Hughes" not in client.get("/linkage/").content.decode()


@pytest.mark.django_db
def test_information_manager_gives_a_reason_before_the_records_open(personas, suggestion):
    user = personas["information_manager"]
    client = client_for(user)
    response = client.get(f"/linkage/{suggestion.pk}/")
    assert response.status_code == 302 and "/reason/" in response["Location"]
    assert not AuditEvent.objects.filter(actor=user, event_type="linkage.review").exists()


@pytest.mark.django_db
def test_queue_is_paginated_most_probable_first(analyst):
    people = [_child("Amelia", f"Zed{i}", date(2013, 1, 1 + i)) for i in range(27)]
    run = LinkageRun.objects.create(started_at=people[0].created_at, threshold=0.5)
    for i in range(26):
        LinkSuggestion.objects.create(
            person_a=people[i],
            person_b=people[i + 1],
            match_probability=0.5 + i / 100,
            match_weight=1.0,
            why=f"Pair {i}",
            run=run,
            created_at=run.started_at,
        )
    client = client_for(analyst)
    first = client.get("/linkage/").content.decode()
    assert "26 pairs to review" in first and "of 2" in first and 'rel="next"' in first
    assert first.index("Pair 25") < first.index("Pair 24") and "Pair 0" not in first
    second = client.get("/linkage/?page=2").content.decode()
    assert 'rel="prev"' in second and "Pair 0" in second
