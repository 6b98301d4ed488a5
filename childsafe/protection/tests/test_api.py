"""Police protection through /api/v1/protection: the same services and guards as the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from childsafe.core import clock
from conftest import service_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(make_user):
    admin = make_user("admin", "administrator")

    def client_for(user) -> Client:
        raw = service_token(admin, user, "tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return client_for


def body(*children, **changes):
    data = {
        "children": [{"person_id": c.pk, "wishes": "Wants to stay with her brother."} for c in children],
        "removed_at": (clock.now() - timedelta(minutes=10)).isoformat(),
        "reason": "Parent intoxicated; children alone.",
        "place_of_safety": {"kind": "police_station", "name": "Harrogate police station"},
        "parents_informed": "By phone.",
        "offences_against_child": "unknown",
    }
    data.update(changes)
    return data


def test_start_designate_and_end_through_the_api(api, now, officers, ava, noah):
    pc = api(officers["pc"])
    refused = pc.post("/api/v1/protection", body(ava, noah), content_type="application/json")
    assert refused.status_code == 409 and refused.json()["rule_id"] == "PP-1"
    place = {"kind": "foster_care", "name": "Emergency foster carers"}
    made = pc.post("/api/v1/protection", body(ava, noah, place_of_safety=place), content_type="application/json")
    assert made.status_code == 201, made.content
    out = made.json()
    assert [p["rule_id"] for p in out["prompts"]] == ["PP-4"] and sorted(out["children"]) == sorted([ava.pk, noah.pk])
    pk = out["id"]
    self_named = pc.post(f"/api/v1/protection/{pk}/designate", {"officer": "pc_hart"}, content_type="application/json")
    assert self_named.status_code == 409 and self_named.json()["rule_id"] == "PP-1"
    insp = api(officers["insp"])
    assert (
        insp.post(
            f"/api/v1/protection/{pk}/designate", {"officer": "insp_dunn"}, content_type="application/json"
        ).status_code
        == 200
    )
    no_reason = insp.post(
        f"/api/v1/protection/{pk}/end", {"outcome": "returned_home", "rationale": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 409 and no_reason.json()["rule_id"] == "PP-3"
    ended = insp.post(
        f"/api/v1/protection/{pk}/end",
        {"outcome": "returned_home", "rationale": "Mother sober; plan agreed.", "version": 2},
        content_type="application/json",
    )
    assert ended.status_code == 200 and ended.json()["open"] is False
    assert insp.get(f"/api/v1/protection/{pk}").json()["end_outcome"] == "returned_home"
