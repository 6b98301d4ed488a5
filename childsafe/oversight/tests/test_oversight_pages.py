"""Worklists and the information manager's questions, through the pages people use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from childsafe.core import clock
from childsafe.core.models import Alert, AuditEvent
from conftest import PASSWORD, service_token


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def alert_for(person, subject_id: str | None = None, **owner) -> Alert:
    now = clock.now()
    return Alert.objects.create(
        rule_id="SYS-1",
        subject_type="people.person",
        subject_id=subject_id or str(person.pk),
        person_id=person.pk,
        person_label=person.full_name,
        reason="Test reason",
        raised_at=now,
        last_seen_at=now,
        due_by=now + timedelta(hours=1),
        **owner,
    )


@pytest.mark.django_db
def test_who_looked_at_this_child_and_why(personas, ella):
    officer, elsewhere, im = personas["officer"], personas["colleague_elsewhere"], personas["information_manager"]
    client_for(officer).get(f"/people/{ella.pk}/")
    client_for(elsewhere).post(
        f"/people/{ella.pk}/reason/",
        {"purpose": "safeguarding_enquiry", "reason": "Checking a sighting in Whitby"},
        follow=True,
    )

    page = client_for(im).get("/oversight/audit/", {"person": ella.pk, "reason": "Subject access request 12"})
    text = page.content.decode()
    assert "pc_city (Response officer)" in text and "pc_east (Response officer)" in text
    assert "Checking a sighting in Whitby" in text
    assert "Created a person&#x27;s record" in text  # collection is in the same log
    assert "response_officer" not in text and "person.create" not in text and "person.view" not in text
    # The information manager's own look is itself logged, with their reason.
    assert AuditEvent.objects.filter(
        actor=im, event_type="audit.view_person", person_id=ella.pk, justification="Subject access request 12"
    ).exists()


@pytest.mark.django_db
def test_what_did_this_user_look_at(personas, ella):
    client_for(personas["officer"]).get(f"/people/{ella.pk}/")
    page = client_for(personas["information_manager"]).get(
        "/oversight/audit/", {"username": "pc_city", "reason": "Complaint 77"}
    )
    assert "Ella Hughes" in page.content.decode()
    missing = client_for(personas["information_manager"]).get(
        "/oversight/audit/", {"username": "nobody", "reason": "x"}
    )
    assert "Choose the user from the list" in missing.content.decode()  # users are chosen by name
    found = client_for(personas["information_manager"]).get(
        "/oversight/audit/", {"person_q": "Ella Hughes", "person_search": "1"}
    )
    assert f'name="person" type="radio" value="{ella.pk}"' in found.content.decode()
    assert "Enter why you are checking the log" not in found.content.decode()  # a search is not the query
    bare = client_for(personas["information_manager"]).get("/oversight/audit/", {"person": ella.pk})
    assert "Enter why you are checking the log" in bare.content.decode()


@pytest.mark.django_db
def test_my_alerts_and_my_teams_alerts(personas, ella, areas):
    officer, supervisor = personas["officer"], personas["supervisor"]
    officer.line_manager = supervisor
    officer.save()
    mine = alert_for(ella, owner_user=officer)
    by_role = alert_for(ella, "city", owner_role="response_officer", owner_area=areas["city"])
    alert_for(ella, "east", owner_role="response_officer", owner_area=areas["east"])

    text = client_for(officer).get("/oversight/alerts/").content.decode()
    assert text.count("Test reason") == 2  # mine and my role's in my area, not the east's
    team = client_for(supervisor).get("/oversight/alerts/team/").content.decode()
    assert "Test reason" in team

    response = client_for(officer).post(f"/oversight/alerts/{mine.pk}/acknowledge/", {"note": "On it"}, follow=True)
    assert "acknowledged" in response.content.decode()
    mine.refresh_from_db()
    assert mine.acknowledged_by == officer and mine.acknowledgement_note == "On it"
    # Someone else's alert can't be acknowledged by guessing its number.
    stranger = client_for(personas["colleague_elsewhere"]).post(f"/oversight/alerts/{by_role.pk}/acknowledge/")
    assert stranger.status_code == 404


@pytest.mark.django_db
def test_alerts_api_lists_my_open_alerts(personas, ella):

    alert_for(ella, owner_user=personas["officer"])
    raw = service_token(personas["administrator"], personas["officer"], "t")
    body = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/alerts/mine").json()
    assert [a["rule_id"] for a in body] == ["SYS-1"] and body[0]["person_id"] == ella.pk


@pytest.mark.django_db
def test_settings_page_changes_a_timing_and_refuses_nonsense(personas):
    admin = client_for(personas["administrator"])
    bad = admin.post("/oversight/settings/alerts.escalate_after_minutes/", {"value": "-5"})
    assert "greater than 0" in bad.content.decode()
    admin.post("/oversight/settings/alerts.escalate_after_minutes/", {"value": "45"})
    assert "45 minutes" in admin.get("/oversight/settings/").content.decode()
    assert admin.get("/oversight/settings/no.such.setting/").status_code == 404


@pytest.mark.django_db
def test_dead_letter_page_retries(personas):
    from django.db import transaction

    from childsafe.core import outbox
    from childsafe.core.models import OutboxMessage, OutboxStatus

    clock.set_now(datetime(2024, 1, 1, 8, tzinfo=UTC))
    try:
        with transaction.atomic():
            message = outbox.enqueue(
                kind="encompass", recipient="dsl@hill.test", subject="s", body="b", idempotency_key="k1"
            )
        OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD, last_error="550 unknown user")
        admin = client_for(personas["administrator"])
        assert "550 unknown user" in admin.get("/oversight/outbox/").content.decode()
        admin.post(f"/oversight/outbox/{message.pk}/")
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
    finally:
        clock.set_now(None)


@pytest.mark.django_db
def test_only_the_closest_menu_item_is_marked_current(personas):
    page = client_for(personas["supervisor"]).get("/oversight/alerts/team/")
    current = [item["label"] for item in page.context["nav_items"] if item["active"]]
    assert current == ["Team alerts"]


@pytest.mark.django_db
def test_administrator_creates_accounts_and_records_skills(personas, hill_primary):
    from childsafe.core.models import User, UserSkill

    admin = client_for(personas["administrator"])
    assert "pc_city" in admin.get("/oversight/accounts/").content.decode()
    bad = admin.post(
        "/oversight/accounts/new/", {"username": "dsl2", "role": "school_partner", "password": "a long enough password"}
    )
    assert "must belong to its school or local authority" in bad.content.decode()
    assert not User.objects.filter(username="dsl2").exists()
    admin.post(
        "/oversight/accounts/new/",
        {
            "username": "dsl2",
            "role": "school_partner",
            "password": "a long enough password",
            "organisation": str(hill_primary.pk),
        },
    )
    assert User.objects.get(username="dsl2").organisation == hill_primary
    assert AuditEvent.objects.filter(event_type="user.create", actor=personas["administrator"]).exists()

    late = admin.post(
        "/oversight/accounts/skills/",
        {
            "username": "pc_city",
            "skill": "scaidp",
            "awarded_on_0": "1",
            "awarded_on_1": "3",
            "awarded_on_2": "2024",
            "expires_on_0": "1",
            "expires_on_1": "3",
            "expires_on_2": "2023",
        },
    )
    assert "The expiry date must be after the date awarded." in late.content.decode()
    admin.post(
        "/oversight/accounts/skills/",
        {"username": "pc_city", "skill": "scaidp", "awarded_on_0": "1", "awarded_on_1": "3", "awarded_on_2": "2024"},
    )
    assert UserSkill.objects.get(user=personas["officer"]).skill.code == "scaidp"


@pytest.mark.django_db
def test_only_administrators_manage_accounts(personas):
    assert client_for(personas["supervisor"]).get("/oversight/accounts/").status_code == 403
    assert client_for(personas["supervisor"]).post("/oversight/accounts/new/", {}).status_code == 403


@pytest.mark.django_db
def test_the_language_list_is_configurable_and_counted(personas, ella):
    from childsafe.core import language
    from childsafe.core.models import LanguagePhrase

    language.check(texts={"note": "She is putting herself at risk"}, user=personas["officer"])
    admin = client_for(personas["administrator"])
    page = admin.get("/oversight/language/").content.decode()
    assert "putting herself at risk" in page
    admin.post(
        "/oversight/language/",
        {"phrase": "Asked  for it", "suggestion": "Describe what was done to the child", "active": "on"},
    )
    assert LanguagePhrase.objects.get(phrase="asked for it").active
    assert [p.rule_id for p in language.check(texts={"x": "he asked for it"}, user=None, record=False)] == ["QG-1"]
    admin.post("/oversight/language/", {"phrase": "asked for it", "suggestion": "Describe what was done"})
    assert not LanguagePhrase.objects.get(phrase="asked for it").active
    assert language.check(texts={"x": "he asked for it"}, user=None, record=False) == []
    assert AuditEvent.objects.filter(event_type="language_phrase.save").count() == 2
    assert client_for(personas["officer"]).get("/oversight/language/").status_code == 403


@pytest.mark.django_db
def test_encompass_reconciliation_shows_every_qualifying_child_and_exports(personas, ella, make_user):
    from childsafe.incidents import services as incidents
    from childsafe.referrals.models import EncompassNotification

    vat = make_user("vat", "vat")
    recorded = incidents.incident_record(
        actor=personas["handler"],
        type="domestic_abuse",
        grade=1,
        location="12 Mill Street",
        summary="DA",
        children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
    )
    page = client_for(vat).get("/oversight/encompass/").content.decode()
    assert recorded.incident.reference in page and "waiting" in page
    EncompassNotification.objects.all().delete()  # a gap: the report must show it, never hide it
    page = client_for(vat).get("/oversight/encompass/").content.decode()
    assert "missing" in page
    report = client_for(vat).get("/oversight/encompass/?format=csv")
    assert report["Content-Type"] == "text/csv" and recorded.incident.reference in report.content.decode()
    assert AuditEvent.objects.filter(event_type="encompass.reconciliation.export", person_id=ella.pk).exists()
    assert client_for(personas["officer"]).get("/oversight/encompass/").status_code == 403
