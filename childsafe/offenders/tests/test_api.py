"""/api/v1/offenders: the court results feed and an offender's position, through the same services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from childsafe.core import clock
from childsafe.offenders.models import Offender
from childsafe.people import services as people
from conftest import service_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def omu(make_user):
    return make_user("omu_dc", "omu", "west", rank="constable")


def api(admin, user) -> Client:
    raw = service_token(admin, user, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_court_results_feed_and_the_offenders_position(omu, make_user):
    admin = make_user("admin", "administrator")
    people.person_create(actor=None, forenames="Paul", surname="Kemp", date_of_birth="1971-02-14")
    when = (clock.now() - timedelta(days=4)).astimezone(clock.LONDON).strftime("%d/%m/%Y %H:%M")
    csv = (
        "surname,forenames,date_of_birth,offence,notifiable,court_result_at,period\n"
        f"Kemp,Paul,14/02/1971,Voyeurism,yes,{when},10y\n"
    )
    client = api(admin, omu)
    response = client.post("/api/v1/offenders/court-results", {"csv": csv}, content_type="application/json")
    assert response.status_code == 200, response.content
    [offender_id] = response.json()["recorded"]
    assert Offender.objects.get(pk=offender_id).person.surname == "Kemp"
    position = client.get(f"/api/v1/offenders/{offender_id}").json()
    assert position["next_notification"] == "The initial notification" and position["risk"] is None
    bad = client.post("/api/v1/offenders/court-results", {"csv": "x\n1\n"}, content_type="application/json")
    assert bad.status_code == 422 and "surname" in bad.json()["errors"]["file"]
    # A role without offender management is refused.
    other = api(admin, make_user("handler", "call_handler"))
    refused = other.post("/api/v1/offenders/court-results", {"csv": csv}, content_type="application/json")
    assert refused.status_code == 403
