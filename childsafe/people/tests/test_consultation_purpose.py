"""s62: every read of a child's record logs why: the typed reason where one is demanded, else the page's
purpose (the role and the route), never blank."""

from __future__ import annotations

import pytest
from django.urls import reverse

from childsafe.core.models import AuditCategory, AuditEvent
from childsafe.incidents import services as incidents
from childsafe.missing import services as missing
from childsafe.referrals import services as referrals

pytestmark = pytest.mark.django_db

AWARE = {k: "Seen" for k in ("appearance", "words", "activity", "relationships", "environment")}


def test_no_consultation_is_logged_without_why(client, personas, make_user, ella):
    vat = make_user("vat1", "vat")
    incident = incidents.incident_record(
        actor=personas["handler"],
        type="child_concern",
        grade=2,
        location="12 Mill Street, York",
        summary="Ella alone at home.",
        children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
    ).incident
    ppn = referrals.ppn_submit(
        actor=personas["officer"],
        concern="Alone at night",
        children=[referrals.PpnChildInput(ella, dict(AWARE), "'Mum went out'", "W1")],
        other_children="None",
    ).ppn
    episode = missing.missing_report(actor=personas["handler"], child=ella, reported_by="Her mother").episode
    visits = [
        (personas["handler"], reverse("incidents:detail", args=[incident.pk])),
        (personas["officer"], reverse("people:detail", args=[ella.pk])),
        (personas["officer"], reverse("referrals:detail", args=[ppn.pk])),
        (personas["officer"], f"{reverse('referrals:submit')}?children={ella.pk}"),
        (vat, reverse("referrals:triage", args=[ppn.pk])),
        (personas["handler"], reverse("missing:detail", args=[episode.pk])),
        (personas["right_school"], reverse("people:detail", args=[ella.pk])),
    ]
    before = AuditEvent.objects.count()
    for user, url in visits:
        client.force_login(user)
        assert client.get(url).status_code == 200, url
    reads = AuditEvent.objects.order_by("id")[before:]
    reads = [e for e in reads if e.category in (AuditCategory.CONSULTATION, AuditCategory.DISCLOSURE)]
    assert len(reads) >= len(visits)
    assert [e.event_type for e in reads if not e.justification.strip()] == []
    by_type = {e.event_type: e.justification for e in reads}
    assert by_type["incident.view"] == f"control room: incident {incident.reference}"
    assert by_type["ppn.triage"] == f"VAT triage of {ppn}"
    assert by_type["missing.episode.view"] == f"missing episode {episode.pk}"


def test_a_typed_reason_is_what_is_logged(client, personas, ella):
    colleague = personas["colleague_elsewhere"]  # another area: a reason is demanded
    client.force_login(colleague)
    url = reverse("people:detail", args=[ella.pk])
    assert client.get(url).status_code == 302
    client.post(
        reverse("people:reason", args=[ella.pk]),
        {"purpose": "safeguarding_enquiry", "reason": "Assisting city CID on op Rook"},
    )
    assert client.get(url).status_code == 200
    viewed = AuditEvent.objects.filter(actor=colleague, person_id=ella.pk, category="consultation").last()
    assert viewed.justification == "Safeguarding enquiry: Assisting city CID on op Rook"
