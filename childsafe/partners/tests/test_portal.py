"""The partner portal: a school sees and acknowledges its own Operation Encompass notifications, a
local authority its shared PPNs; anyone else's is a 404 (audited); every view is a disclosure (PL-4)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from childsafe.core.models import AuditEvent
from childsafe.incidents import services as incidents
from childsafe.referrals import services
from childsafe.referrals.models import EncompassNotification, PpnShare

AWARE = {
    "appearance": "In pyjamas",
    "words": "Scared",
    "activity": "Hiding",
    "relationships": "Close to mum",
    "environment": "Broken glass",
}


@pytest.fixture
def team(personas, make_user):
    return {**personas, "vat": make_user("vat1", "vat")}


@pytest.fixture
def note(team, ella):
    incidents.incident_record(
        actor=team["handler"],
        type="domestic_abuse",
        grade=1,
        location="12 Mill Street, York",
        summary="Woman assaulted by partner; Ella in the house.",
        children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
    )
    return EncompassNotification.objects.get()


@pytest.fixture
def shared_ppn(team, ella, york):
    ppn = services.ppn_submit(
        actor=team["officer"],
        concern="Ella left alone overnight.",
        children=[services.PpnChildInput(ella, dict(AWARE), "She said she was hungry", "W1")],
        other_children="None",
    ).ppn
    return services.ppn_triage(actor=team["vat"], ppn=ppn, decision="share", partners=[york])


def disclosures(event_type: str):
    return AuditEvent.objects.filter(category="disclosure", event_type=event_type)


def test_the_right_school_sees_and_acknowledges(client, team, note, ella):
    client.force_login(team["right_school"])
    home = client.get(reverse("partners:home")).content.decode()
    assert reverse("partners:encompass", args=[note.pk]) in home and "Not yet" in home
    page = client.get(reverse("partners:encompass", args=[note.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("Ella Hughes", "20 May 2014", note.incident.reference, "12 Mill Street, York", "Woman assaulted"):
        assert shown in text
    assert disclosures("encompass.view").filter(person_id=ella.pk, actor_id=team["right_school"].pk).count() == 1
    client.post(reverse("partners:encompass_acknowledge", args=[note.pk]))
    note.refresh_from_db()
    assert note.acknowledged_at and note.acknowledged_by == team["right_school"]
    assert AuditEvent.objects.filter(event_type="encompass.acknowledge").exists()
    assert "Acknowledge</button>" not in client.get(reverse("partners:encompass", args=[note.pk])).content.decode()
    assert disclosures("encompass.view").count() == 2


def test_the_wrong_school_gets_404_and_is_audited(client, team, note):
    client.force_login(team["wrong_school"])
    assert reverse("partners:encompass", args=[note.pk]) not in client.get(reverse("partners:home")).content.decode()
    assert client.get(reverse("partners:encompass", args=[note.pk])).status_code == 404
    assert AuditEvent.objects.filter(event_type="encompass.view.refused", actor_id=team["wrong_school"].pk).exists()
    assert client.post(reverse("partners:encompass_acknowledge", args=[note.pk])).status_code == 404
    assert AuditEvent.objects.filter(event_type="encompass.acknowledge.refused").exists()
    note.refresh_from_db()
    assert note.acknowledged_at is None
    assert not disclosures("encompass.view").exists()


def test_the_local_authority_sees_and_acknowledges_its_shared_ppn(client, team, shared_ppn, ella):
    client.force_login(team["local_authority"])
    assert shared_ppn.reference in client.get(reverse("partners:home")).content.decode()
    page = client.get(reverse("partners:ppn", args=[shared_ppn.pk])).content.decode()
    for shown in ("Ella left alone overnight.", "She said she was hungry", "Broken glass", "Ella Hughes"):
        assert shown in page
    assert disclosures("ppn.partner_view").filter(person_id=ella.pk, recipient="City of York Council").count() == 1
    client.post(reverse("partners:ppn_acknowledge", args=[shared_ppn.pk]))
    assert PpnShare.objects.get().acknowledged_by == team["local_authority"]


def test_a_school_cannot_open_a_ppn_shared_with_the_la(client, team, shared_ppn):
    client.force_login(team["right_school"])
    assert client.get(reverse("partners:ppn", args=[shared_ppn.pk])).status_code == 404
    assert client.post(reverse("partners:ppn_acknowledge", args=[shared_ppn.pk])).status_code == 404
    assert AuditEvent.objects.filter(event_type="ppn.partner_view.refused").exists()
    assert PpnShare.objects.get().acknowledged_at is None


def test_police_users_cannot_use_the_portal(client, team, note):
    client.force_login(team["officer"])
    assert client.get(reverse("partners:encompass", args=[note.pk])).status_code == 403
