"""PPN submission through /api/v1/referrals/ppns: the same service and guards as the form."""

from __future__ import annotations

import pytest
from django.test import Client

from childsafe.core.models import AuditEvent
from childsafe.referrals.models import Ppn, PpnChild
from conftest import service_token

AWARE = {
    "appearance": "Thin, same clothes as yesterday",
    "words": "Said she was hungry",
    "activity": "Quiet, watching the door",
    "relationships": "Flinches when mother's partner speaks",
    "environment": "No food in the kitchen",
}


@pytest.fixture
def token_for(personas):
    def issue(who: str) -> str:
        raw = service_token(personas["administrator"], personas[who], "tests")
        return raw

    return issue


def api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def payload(child_id: int, **changes) -> dict:
    body = {
        "concern": "Neglect: no food at home, child left alone overnight.",
        "children": [{"person_id": child_id, "aware": AWARE, "voice": "'I'm hungry'", "ethnicity": "W1"}],
        "other_children": "A younger brother, 3, lives there too.",
    }
    body.update(changes)
    return body


@pytest.mark.django_db
def test_an_officer_submits_a_ppn_through_the_api(token_for, personas, ella):
    response = api(token_for("officer")).post(
        "/api/v1/referrals/ppns", payload(ella.pk), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ppn = Ppn.objects.get(pk=body["id"])
    assert body["reference"] == ppn.reference and body["status"] == "submitted"
    assert ppn.submitted_by == personas["officer"] and ppn.children.get().person == ella
    submit = AuditEvent.objects.get(event_type="ppn.submit", category="collection")
    assert submit.channel == "api" and submit.person_id == ella.pk
    assert AuditEvent.objects.filter(event_type="ppn.submit", category="consultation", person_id=ella.pk).exists()


@pytest.mark.django_db
def test_a_ppn_without_the_childs_voice_is_refused_and_nothing_saved(token_for, ella):
    body = payload(ella.pk)
    body["children"][0]["voice"] = "  "
    response = api(token_for("officer")).post("/api/v1/referrals/ppns", body, content_type="application/json")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert response.json()["rule_id"] == "RF-1" and "voice" in response.json()["detail"]
    assert not Ppn.objects.exists() and not PpnChild.objects.exists()


@pytest.mark.django_db
def test_a_school_partner_cannot_submit_a_ppn(token_for, ella):
    response = api(token_for("right_school")).post(
        "/api/v1/referrals/ppns", payload(ella.pk), content_type="application/json"
    )
    assert response.status_code == 403 and not Ppn.objects.exists()


@pytest.mark.django_db
def test_a_child_outside_the_officers_area_needs_a_justification(token_for, ella):
    client = api(token_for("colleague_elsewhere"))
    refused = client.post("/api/v1/referrals/ppns", payload(ella.pk), content_type="application/json")
    assert refused.status_code == 403 and refused.json()["type"].endswith("justification-required")
    assert not Ppn.objects.exists()
    allowed = client.post(
        "/api/v1/referrals/ppns?justification=Seen+at+a+custody+visit",
        payload(ella.pk),
        content_type="application/json",
    )
    assert allowed.status_code == 201
