"""CR-4: the handler names the children, sees the intelligence check, and only then chooses the grade."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from childsafe.core.models import AuditEvent
from childsafe.incidents.models import Incident
from childsafe.people.intelligence import picture
from childsafe.referrals import services as referrals

pytestmark = pytest.mark.django_db

AWARE = {k: "Seen" for k in ("appearance", "words", "activity", "relationships", "environment")}


def _post(ella, **extra) -> dict:
    return {
        "type": "child_concern",
        "location": "12 Mill Street, York",
        "summary": "Caller worried about Ella, alone at home.",
        "child_1": ella.pk,
        "resident_1": "on",
        **extra,
    }


def test_the_grade_is_asked_only_after_the_check_is_shown(client, personas, ella):
    client.force_login(personas["handler"])
    url = reverse("incidents:create")
    assert 'name="grade"' not in client.get(url).content.decode()
    shown = client.post(url, _post(ella, action="check"))
    page = html.unescape(shown.content.decode())
    assert shown.status_code == 200 and not Incident.objects.exists()
    assert "Error:" not in page
    assert 'data-testid="high-harm"' in page and "Firearms" in page
    assert page.index('data-testid="check-before-grade"') < page.index('name="grade"')
    assert f'name="checked" value="{ella.pk}"' in page
    viewed = AuditEvent.objects.get(event_type="incident.intelligence_check", person_id=ella.pk)
    assert viewed.category == "consultation" and viewed.justification.startswith("control room:")
    # Recording without a grade: refused on the grade, with the check still in front of the handler.
    no_grade = html.unescape(client.post(url, _post(ella, action="record", checked=str(ella.pk))).content.decode())
    assert "Choose a response grade from 1 to 4" in no_grade and 'data-testid="check-before-grade"' in no_grade
    assert not Incident.objects.exists()
    recorded = client.post(url, _post(ella, action="record", checked=str(ella.pk), grade="1"))
    assert recorded.status_code == 302
    assert Incident.objects.get().grade == 1


def test_a_child_named_after_the_check_is_checked_before_grading(client, personas, ella, hill_primary):
    from childsafe.people import services as people

    tom = people.person_create(actor=None, forenames="Tom", surname="Ash", date_of_birth="2016-01-01").person
    client.force_login(personas["handler"])
    page = client.post(
        reverse("incidents:create"),
        _post(ella, child_2=tom.pk, action="record", checked=str(ella.pk), grade="3"),
    ).content.decode()
    assert not Incident.objects.exists()
    assert f'data-person="{tom.pk}"' in page and f'name="checked" value="{ella.pk},{tom.pk}"' in page


def test_the_check_shows_the_childs_ppns_and_their_state(personas, ella):
    referrals.ppn_submit(
        actor=personas["officer"],
        concern="Left alone overnight",
        children=[referrals.PpnChildInput(ella, dict(AWARE), "'Mum went out'", "W1")],
        other_children="None",
    )
    section = next(s for s in picture(ella).sections if s.key == "referrals")
    assert "waiting for vat" in section.items[0].lower() and "Left alone overnight" in section.items[0]


def test_every_part_of_cr4_has_its_section_in_the_check():
    from childsafe.people.intelligence import _providers

    # CR-4's list: markers, trigger plan, missing history, exploitation risk, a perpetrator or RSO with
    # access (or at the address), open referrals, police protection; with open investigations and bail.
    assert {
        "markers",
        "possible_duplicates",
        "trigger_plan",
        "missing_history",
        "exploitation",
        "registered_sex_offender",
        "referrals",
        "police_protection",
        "investigations",
    } <= set(_providers)
