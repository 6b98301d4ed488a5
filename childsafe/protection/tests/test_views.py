"""The police protection pages through the Django test client: start from an incident and from a child's page
(children picked by name), the record and its timeline, designate, hand over, end; the child's page, the
intelligence check, the chronology and the partner portal."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.incidents import services as incidents
from childsafe.people.chronology import chronology
from childsafe.people.intelligence import picture
from childsafe.protection import services
from childsafe.protection.models import PoliceProtection

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def incident(now, officers, ava, noah):
    return incidents.incident_record(
        actor=officers["handler"],
        type="child_concern",
        grade=1,
        location="Oatlands Infant School, Harrogate",
        summary="Mother very intoxicated at the school gate.",
        children=[incidents.ChildOnIncident(ava, True, True), incidents.ChildOnIncident(noah, True, True)],
    ).incident


def start_data(*children, **extra):
    data = {
        "children": [str(c.pk) for c in children],
        "removed_time": (clock.now() - timedelta(minutes=10)).astimezone(clock.LONDON).strftime("%H:%M"),
        "reason": "Mother very intoxicated and barefoot at the school gate, refusing to leave without them.",
        "place_kind": "police_station",
        "place_name": "Harrogate police station",
        "parents_informed": "Mother not present; told by phone at 15:00.",
        "offences_against_child": "yes",
    }
    for c in children:
        data[f"wishes_{c.pk}"] = f"{c.forenames} wants to stay together."
    data.update(extra)
    return data


def test_start_from_an_incident_refuses_the_police_station_then_records_both_children(
    client, now, officers, incident, ava, noah
):
    client.force_login(officers["pc"])
    url = reverse("protection:start") + f"?incident={incident.pk}"
    page = text(client.get(url))
    assert "Ava Dale" in page and "Noah Dale" in page

    refused = client.post(url, start_data(ava, noah))
    assert refused.status_code == 200
    body = text(refused)
    assert "<title>Error:" in body and "police station is a place of safety only in exceptional" in body
    assert not PoliceProtection.objects.exists()

    saved = client.post(url, start_data(ava, noah, place_kind="foster_care", place_name="Emergency foster carers"))
    p = PoliceProtection.objects.get()
    assert saved.status_code == 302 and saved.url == reverse("protection:detail", args=[p.pk])
    assert p.incident == incident and p.children.count() == 2
    detail = text(client.get(saved.url))
    assert "Link the investigation, or write why there is none" in detail  # PP-4's prompt, shown once
    assert "Constable pc_hart took the children into police protection." in detail
    assert "Written notice sent to North Yorkshire Council" in detail
    assert p.reference in text(client.get(reverse("incidents:detail", args=[incident.pk])))


def test_every_missing_answer_is_listed_in_the_error_summary(client, now, officers, ava):
    client.force_login(officers["pc"])
    response = client.post(reverse("protection:start") + f"?person={ava.pk}", {"children": [str(ava.pk)]})
    body = text(response)
    assert "<title>Error:" in body
    for message in (
        "Enter the time the children were removed",
        "Describe the circumstances",
        "Choose the kind of place of safety",
        "Enter the name of the place of safety",
        "Say how the parents were told",
        "Say whether offences",
        "Write the wishes and feelings of Ava Dale",
    ):
        assert message in body


def test_a_sibling_is_added_by_searching_for_their_name(client, now, officers, ava, noah):
    client.force_login(officers["pc"])
    raw = client.get(reverse("protection:start") + f"?person={ava.pk}&q=Noah Dale").content.decode()
    assert f"person={ava.pk}&amp;person={noah.pk}" in raw and "Add Noah Dale" in html.unescape(raw)
    page = text(client.get(reverse("protection:start") + f"?person={ava.pk}&person={noah.pk}"))
    assert f'name="children" type="checkbox" value="{noah.pk}" checked' in page


def test_designate_handover_and_end_through_the_pages(client, now, officers, ava):
    p = services.protection_start(
        actor=officers["pc"],
        children=[services.ChildInput(ava, "Wants her gran.")],
        removed_at=clock.now() - timedelta(minutes=5),
        reason="Found alone at home at night.",
        place_kind="relative",
        place_name="Her grandmother, 3 Park Lane",
        parents_informed="Left a note; phoned at 23:00.",
        offences_against_child="no",
    ).protection
    client.force_login(officers["insp"])
    designate = reverse("protection:designate", args=[p.pk])
    assert officers["pc"].display_name not in text(client.get(designate)).split("Designated officer")[-1]
    assert client.post(designate, {"officer": officers["insp"].pk, "version": 1}).status_code == 302

    handover = reverse("protection:handover", args=[p.pk])
    refused = text(client.post(handover, {"to": officers["insp2"].pk, "rationale": "", "version": 2}))
    assert "<title>Error:" in refused and "Write why the protection is being handed over" in refused
    stale = text(client.post(handover, {"to": officers["insp2"].pk, "rationale": "Shift ends.", "version": 1}))
    assert "someone changed this police protection record a moment ago".lower() in stale.lower()
    assert (
        client.post(handover, {"to": officers["insp2"].pk, "rationale": "Shift ends.", "version": 2}).status_code == 302
    )

    client.force_login(officers["insp2"])
    end = reverse("protection:end", args=[p.pk])
    ok = client.post(end, {"outcome": "released_to_relative", "rationale": "Gran can keep her safe.", "version": 3})
    assert ok.status_code == 302
    detail = text(client.get(reverse("protection:detail", args=[p.pk])))
    for line in ("became the designated officer", "handed over to", "ended police protection", "Shift ends."):
        assert line in detail


def test_the_childs_page_intelligence_check_and_chronology_show_protection_first(client, now, officers, ava):
    p = services.protection_start(
        actor=officers["pc"],
        children=[services.ChildInput(ava, "Wants her gran.")],
        removed_at=clock.now() - timedelta(minutes=5),
        reason="Found alone at home at night.",
        place_kind="hospital",
        place_name="Harrogate District Hospital",
        parents_informed="Phoned.",
        offences_against_child="no",
    ).protection
    seen = picture(ava)
    assert seen.sections[0].key == "police_protection" and "IN POLICE PROTECTION NOW" in seen.sections[0].warning
    client.force_login(officers["pc"])
    page = text(client.get(reverse("people:detail", args=[ava.pk])))
    assert "In police protection now" in page and p.reference in page
    assert any(e.kind == "police_protection" and p.reference in e.title for e in chronology([ava.pk]))


def test_the_local_authority_reads_and_acknowledges_in_the_portal(client, now, officers, ava, nyc, make_user, york):
    p = services.protection_start(
        actor=officers["pc"],
        children=[services.ChildInput(ava, "Wants her gran.")],
        removed_at=clock.now() - timedelta(minutes=5),
        reason="Found alone at home at night.",
        place_kind="foster_care",
        place_name="Emergency foster carers",
        parents_informed="Phoned.",
        offences_against_child="no",
    ).protection
    other = make_user("york_mash", "la_partner", organisation_id=york.pk)
    client.force_login(other)
    assert client.get(reverse("partners:protection", args=[p.pk])).status_code == 404
    client.force_login(make_user("nyc_edt", "la_partner", organisation_id=nyc.pk))
    assert p.reference in text(client.get(reverse("partners:home")))
    assert "Ava Dale" in text(client.get(reverse("partners:protection", args=[p.pk])))
    client.post(reverse("partners:protection_acknowledge", args=[p.pk]))
    after = text(client.get(reverse("partners:protection", args=[p.pk])))
    assert "by nyc_edt" in after and "Acknowledge</button>" not in after
    assert p.notices.get().acknowledged_at is not None


def test_a_time_that_cannot_be_read_is_listed_with_every_other_problem_and_nothing_is_saved(client, now, officers, ava):
    client.force_login(officers["pc"])
    url = reverse("protection:start") + f"?person={ava.pk}"
    body = text(client.post(url, start_data(ava, removed_time="3pm", la_informed_time="25:99", reason="")))
    assert "<title>Error:" in body
    assert "Enter the time of removal on the 24-hour clock" in body
    assert "Enter the time the local authority was told on the 24-hour clock" in body
    assert "Describe the circumstances" in body
    assert body.count("Enter the time the children were removed") == 0
    assert not PoliceProtection.objects.exists()


def test_a_constable_is_not_offered_the_designated_officers_acts(client, now, officers, ava):
    p = services.protection_start(
        actor=officers["pc"],
        children=[services.ChildInput(ava, "Wants her gran.")],
        removed_at=clock.now() - timedelta(minutes=5),
        reason="Found alone at home at night.",
        place_kind="relative",
        place_name="Grandmother",
        parents_informed="Phoned.",
        offences_against_child="no",
    ).protection
    client.force_login(officers["pc"])
    assert "Name the designated officer" not in text(client.get(reverse("protection:detail", args=[p.pk])))
    client.force_login(officers["insp"])
    assert "Name the designated officer" in text(client.get(reverse("protection:detail", args=[p.pk])))


def test_a_senior_leader_gives_a_reason_for_each_child_before_the_record_opens(client, now, officers, ava, noah):
    from childsafe.core.models import AuditEvent

    p = services.protection_start(
        actor=officers["pc"],
        children=[services.ChildInput(ava, "Wants Noah."), services.ChildInput(noah, "Wants Ava.")],
        removed_at=clock.now() - timedelta(minutes=5),
        reason="Found alone at home at night.",
        place_kind="relative",
        place_name="Grandmother",
        parents_informed="Phoned.",
        offences_against_child="no",
    ).protection
    client.force_login(officers["supt"])
    url = reverse("protection:detail", args=[p.pk])
    for child in (ava, noah):
        asked = client.get(url)
        assert asked.status_code == 302 and reverse("people:reason", args=[child.pk]) in asked.url
        client.post(
            asked.url, {"purpose": "safeguarding_enquiry", "reason": "Duty superintendent: PP-2 alert at 72 hours."}
        )
    assert client.get(url).status_code == 200
    logged = AuditEvent.objects.filter(event_type="protection.view", actor_id=officers["supt"].pk)
    assert logged.count() == 2 and set(logged.values_list("justification", flat=True)) == {
        "Safeguarding enquiry: Duty superintendent: PP-2 alert at 72 hours."
    }


def test_the_worklist_shows_open_protections_with_their_hours_and_the_local_authority(client, now, officers, ava):
    p = services.protection_start(
        actor=officers["pc"],
        children=[services.ChildInput(ava, "Wants her gran.")],
        removed_at=clock.now() - timedelta(hours=3),
        reason="Found alone at home at night.",
        place_kind="relative",
        place_name="Grandmother",
        parents_informed="Phoned.",
        offences_against_child="no",
    ).protection
    client.force_login(officers["insp"])
    page = text(client.get(reverse("protection:worklist")))
    assert p.reference in page and "3 hours" in page and "Not yet acknowledged" in page
    assert 'class="govuk-service-navigation__link" href="/protection/"' in page  # the navigation entry
