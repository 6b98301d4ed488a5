"""Investigations through /api/v1: the same services and guards as the pages; a refusal carries its rule ID."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from childsafe.core import clock
from childsafe.investigations.models import Allocation, Bail, DfuRequest
from conftest import service_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_for(make_user):
    admin = make_user("admin_api", "administrator")

    def issue(user) -> Client:
        raw = service_token(admin, user, "tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return issue


def test_open_read_and_allocate_with_inv1_as_problem_json(token_for, force, chloe, gary):
    pc = token_for(force["pc"])
    opened = pc.post(
        "/api/v1/investigations",
        {"type": "cse", "victim_ids": [chloe.pk], "suspect_ids": [gary.pk], "summary": "Chloe reports rape."},
        content_type="application/json",
    )
    assert opened.status_code == 201, opened.content
    inv = opened.json()["investigation"]
    assert {p["role"] for p in inv["people"]} == {"victim", "suspect"}
    sergeant = token_for(force["ds_king"])
    refused = sergeant.post(
        f"/api/v1/investigations/{inv['id']}/allocations",
        {"officer": "det_new", "version": inv["version"]},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["rule_id"] == "INV-1"
    assert refused["Content-Type"].startswith("application/problem+json")
    assert not Allocation.objects.exists()
    done = sergeant.post(
        f"/api/v1/investigations/{inv['id']}/allocations",
        {"officer": "det_ross", "version": inv["version"]},
        content_type="application/json",
    )
    assert done.status_code == 201
    stale = sergeant.post(
        f"/api/v1/investigations/{inv['id']}/allocations",
        {"officer": "det_west", "rationale": "Knows the family from an earlier case.", "version": inv["version"]},
        content_type="application/json",
    )
    assert stale.status_code == 422 and "changed" in stale.json()["errors"]["investigation"]
    assert pc.get(f"/api/v1/investigations/{inv['id']}").json()["officer"] == "det_ross"


def test_dfu_and_bail_through_the_api(token_for, allocated, force, gary):
    det = token_for(force["det_ross"])
    made = det.post(
        f"/api/v1/investigations/{allocated.pk}/dfu-requests",
        {"devices": ["phone"], "priority": True},
        content_type="application/json",
    )
    assert made.status_code == 422 and "reason" in made.json()["errors"]
    made = det.post(
        f"/api/v1/investigations/{allocated.pk}/dfu-requests",
        {"devices": ["phone"], "priority": True, "reason": "Chloe is still in contact with him."},
        content_type="application/json",
    )
    assert made.status_code == 201 and DfuRequest.objects.get().priority
    bad = det.post(
        f"/api/v1/investigations/{allocated.pk}/bail",
        {"suspect_id": gary.pk, "conditions": "No contact", "ends_at": (clock.now() - timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "ends_at" in bad.json()["errors"] and not Bail.objects.exists()
    good = det.post(
        f"/api/v1/investigations/{allocated.pk}/bail",
        {"suspect_id": gary.pk, "conditions": "No contact", "ends_at": (clock.now() + timedelta(days=28)).isoformat()},
        content_type="application/json",
    )
    assert good.status_code == 201
    assert len(det.get(f"/api/v1/investigations/{allocated.pk}/bail").json()) == 1


def test_a_school_cannot_read_an_investigation(token_for, allocated, make_user, hill_primary):
    school = token_for(make_user("dsl_api", "school_partner", organisation_id=hill_primary.pk))
    assert school.get(f"/api/v1/investigations/{allocated.pk}").status_code == 403


def test_a_ppn_through_the_api_answers_a_requirement_with_no_children_named(token_for, allocated, force, gary, chloe):
    from childsafe.investigations import services
    from childsafe.referrals.services import ppn_requirement_for

    saved = services.suspect_access_record(
        actor=force["det_ross"], investigation=allocated, suspect=gary, source="custody remark", detail="Own children."
    )
    requirement = ppn_requirement_for(saved.record)
    aware = {k: "recorded" for k in ("appearance", "words", "activity", "relationships", "environment")}
    body = {
        "concern": "The suspect's children, now identified.",
        "children": [{"person_id": chloe.pk, "aware": aware, "voice": "Spoken to.", "ethnicity": "NS"}],
        "other_children": "None.",
        "requirement_id": requirement.pk,
    }
    det = token_for(force["det_ross"])
    made = det.post("/api/v1/referrals/ppns", body, content_type="application/json")
    assert made.status_code == 201, made.content
    requirement.refresh_from_db()
    assert requirement.satisfied_at is not None
    again = det.post("/api/v1/referrals/ppns", body, content_type="application/json")
    assert again.status_code == 422 and "requirement_id" in again.json()["errors"]
