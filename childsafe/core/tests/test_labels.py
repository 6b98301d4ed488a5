"""Plain English in front of people: codes (markers, roles, audit events, settings, message kinds) are
shown by their labels, and relationships read right from both ends."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from childsafe.core import audit, labels, outbox, services
from childsafe.core.models import AuditCategory
from childsafe.people import intelligence
from childsafe.people import services as people_services
from conftest import PASSWORD


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_codes_read_as_words():
    assert labels.event("missing.episode.view") == "Viewed a missing episode"
    assert labels.event("person.view.refused") == "Viewed a person's record (refused)"
    assert labels.event("offender.visit.record") == "Recorded an offender visit"  # an event added later still reads
    assert labels.event("investigation.supervise") == "Recorded supervision of an investigation"
    assert labels.event("ppn.escalation.view") == "Viewed a PPN escalation"
    assert labels.role("response_officer") == "Response officer"
    assert labels.words("county_lines") == "County lines"  # registered by people: the marker's label
    assert labels.actor("pc_city (response_officer)") == "pc_city (Response officer)"
    assert labels.value({"county_lines": "Known to travel", "knives": ""}) == "County lines: Known to travel; Knives: –"
    assert labels.value(["knives", True, None]) == "Knives, Yes, –"
    assert labels.message_kind("ppn_referral") == "PPN referral"
    assert labels.value("pc_city") == "pc_city"  # a username is not a code
    assert labels.changes({"missing.mp2_fim_grade_minutes": 45}) == [
        ("The FIM grades a missing-child report within this long of the report", "45 minutes")
    ]
    assert labels.subject("missing.missingepisode") == "Missing episode"
    assert labels.subject("core.setting") == "Setting"


@pytest.mark.django_db
def test_the_audit_page_shows_labels_never_codes_or_dicts(personas, ella):
    officer, im = personas["officer"], personas["information_manager"]
    audit.record(
        actor=officer,
        category=AuditCategory.ALTERATION,
        event_type="missing.grade",
        person_id=ella.pk,
        subject_type="missing.missingepisode",
        subject_id=1,
        old={"grade": None},
        new={"grade": "high", "markers_acknowledged": {"firearms": "Brother holds a shotgun licence."}},
    )
    text = client_for(im).get("/oversight/audit/", {"person": ella.pk, "reason": "Audit of grading"}).content.decode()
    assert "Graded a missing episode" in text and "pc_city (Response officer)" in text
    assert "Notes against markers: Firearms: Brother holds a shotgun licence." in text
    for raw in ("missing.grade", "response_officer", "markers_acknowledged", "{&#x27;", "{'"):
        assert raw not in text, raw


@pytest.mark.django_db
def test_settings_alerts_and_messages_show_labels(personas):
    admin = personas["administrator"]
    services.setting_change(actor=admin, key="incidents.cr2_restricted_team_kinds", value="initial_inquiry")
    text = client_for(admin).get("/oversight/settings/").content.decode()
    assert "Initial inquiry" in text and "initial_inquiry" not in text
    # A value reads with its unit in words; a list's unit and a time's are not words to show.
    assert "30 minutes" in text and "Initial inquiry list" not in text and "08:30 time" not in text
    assert "08:30" in text
    outbox.enqueue(kind="ppn_referral", recipient="mash@york.test", subject="PPN", body="x", idempotency_key="t1")
    text = client_for(admin).get("/oversight/outbox/").content.decode()
    assert "PPN referral" in text and "ppn_referral" not in text


@pytest.mark.django_db
def test_a_relationship_reads_right_from_the_childs_side_in_the_check_and_on_her_page(personas, ella):
    dean = people_services.person_create(
        actor=None, forenames="Dean", surname="Moss", date_of_birth=date(1990, 1, 1), sex="male"
    ).person
    people_services.marker_add(actor=None, person=dean, type="county_lines", source="Intelligence log 77")
    people_services.relationship_add(actor=None, from_person=dean, to_person=ella, type="suspected_exploiter")

    section = next(s for s in intelligence.picture(ella).sections if s.key == "relationships")
    assert section.items == ["Suspected of being exploited by: Dean Moss (markers: County lines)"]
    theirs = next(s for s in intelligence.picture(dean).sections if s.key == "relationships")
    assert theirs.items == ["Suspected exploiter of: Ella Hughes (markers: Firearms)"]

    page = client_for(personas["supervisor"]).get(f"/people/{ella.pk}/").content.decode()
    assert "Suspected of being exploited by" in page and "Suspected exploiter of" not in page
