"""Issue 10, item 10: the smaller things a probe got through."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from childsafe.core import clock
from childsafe.core.errors import InvalidInput
from childsafe.core.models import Alert
from childsafe.people import services as people_services
from childsafe.referrals import services as referral_services
from childsafe.referrals.models import Ppn
from conftest import PASSWORD, service_token


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_acknowledging_an_alert_never_sends_the_browser_off_site(personas, ella):
    officer = personas["officer"]
    now = clock.now()
    alert = Alert.objects.create(
        rule_id="SYS-1",
        subject_type="test",
        subject_id="1",
        owner_user=officer,
        reason="A test alert",
        raised_at=now,
        last_seen_at=now,
    )
    client = signed_in(officer)
    response = client.post(
        f"/oversight/alerts/{alert.pk}/acknowledge/", {"note": "Seen", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")
    back = client.post(f"/oversight/alerts/{alert.pk}/acknowledge/", {"note": "Seen", "next": "/people/"})
    assert back["Location"] == "/people/"


@pytest.mark.django_db
def test_a_childs_record_page_is_never_cached(personas, ella):
    response = signed_in(personas["officer"]).get(f"/people/{ella.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_api_docs_need_a_signed_in_user_or_a_token(personas):
    anonymous = Client()
    schema = anonymous.get("/api/v1/openapi.json")
    assert schema.status_code == 401 and schema["Content-Type"] == "application/problem+json"
    assert anonymous.get("/api/v1/docs").status_code == 302
    assert signed_in(personas["officer"]).get("/api/v1/openapi.json").status_code == 200
    raw = service_token(personas["administrator"], personas["handler"], "t")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/openapi.json").status_code == 200
    assert Client(HTTP_AUTHORIZATION="Bearer cs_not-a-token").get("/api/v1/openapi.json").status_code == 401


@pytest.mark.django_db
def test_a_marker_starting_more_than_a_day_ahead_is_refused(ella):
    today = clock.today_london()
    with pytest.raises(InvalidInput) as refused:
        people_services.marker_add(
            actor=None, person=ella, type="weapons", source="PNC", start_date=today + timedelta(days=2)
        )
    assert "more than a day in the future" in refused.value.errors["start_date"]
    tomorrow = people_services.marker_add(
        actor=None, person=ella, type="weapons", source="PNC", start_date=today + timedelta(days=1)
    )
    assert tomorrow.start_date == today + timedelta(days=1)


AWARE = {
    "appearance": "Thin",
    "words": "Said she was hungry",
    "activity": "Quiet",
    "relationships": "Flinches",
    "environment": "No food",
}


@pytest.mark.django_db
def test_a_ppn_names_a_sensible_number_of_children(personas):
    children = [
        referral_services.PpnChildInput(
            people_services.person_create(
                actor=None, forenames=f"Child{n}", surname="Large", date_of_birth=date(2015, 1, 1 + n)
            ).person,
            dict(AWARE),
            "Said nothing",
            "W1",
        )
        for n in range(referral_services.MAX_CHILDREN + 1)
    ]
    with pytest.raises(InvalidInput) as refused:
        referral_services.ppn_submit(
            actor=personas["handler"], concern="Neglect at a large household.", children=children
        )
    assert "up to 20 children (this one names 21)" in refused.value.errors["children"]
    assert not Ppn.objects.exists()


@pytest.mark.django_db
def test_the_api_reason_for_a_ppn_on_another_areas_incident_reaches_its_children(personas, ella):
    from childsafe.incidents import services as incident_services

    incident = incident_services.incident_record(
        actor=personas["handler"],
        type="child_concern",
        grade=2,
        location="12 Mill Street, York",
        summary="Neighbour heard shouting and a child crying.",
        children=[incident_services.ChildOnIncident(ella, present=True, resident=True)],
    ).incident
    raw = service_token(personas["administrator"], personas["colleague_elsewhere"], "t")
    body = {
        "concern": "Neglect: no food at home.",
        "children": [{"person_id": ella.pk, "aware": AWARE, "voice": "'I'm hungry'", "ethnicity": "W1"}],
        "other_children": "None known.",
        "incident_id": incident.pk,
    }
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        "/api/v1/referrals/ppns?justification=Custody+visit+in+Whitby", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_an_unreadable_byte_in_an_import_is_reported_not_replaced(children_file):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"can't be read on line 2 \(byte 0x81\)"):
        call_command("import_mhet", missing=str(children_file))


@pytest.fixture
def children_file(tmp_path):
    path = tmp_path / "missing.csv"
    # Not UTF-8 (0xe9, é in Windows-1252), and 0x81, which Windows-1252 doesn't define.
    path.write_bytes(b"Name,DOB\r\nRen\xe9e Sm\x81th,01/02/2012\r\n")
    return path


def test_csv_exports_defuse_formula_like_cells():
    from childsafe.core.text import csv_safe

    assert [csv_safe(v) for v in ["=HYPERLINK(1)", "+44 1904", "-1", "@SUM", "Hill Primary", 3]] == [
        "'=HYPERLINK(1)",
        "'+44 1904",
        "'-1",
        "'@SUM",
        "Hill Primary",
        3,
    ]
