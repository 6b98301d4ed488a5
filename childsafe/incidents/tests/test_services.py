"""Control-room services: CR-1 to CR-5 and MP-7, audited, refusing bad input plainly."""

from __future__ import annotations

import pytest

from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.models import AuditEvent, Team
from childsafe.incidents import services
from childsafe.incidents.models import ThriveAssessment
from childsafe.people.models import IntelligenceCheck


@pytest.fixture
def handler(make_user):
    return make_user("handler", "call_handler")


@pytest.fixture
def supervisor(make_user):
    return make_user("sgt", "supervisor", "city")


def record(handler, ella, **extra):
    args = {
        "type": "child_concern",
        "grade": 2,
        "location": "12 Mill Street, York",
        "summary": "Neighbour heard a child screaming.",
        "children": [services.ChildOnIncident(ella, present=True, resident=True)],
        **extra,
    }
    return services.incident_record(actor=handler, **args)


@pytest.mark.django_db
def test_recording_runs_the_intelligence_check_and_keeps_what_was_shown(handler, ella):
    recorded = record(handler, ella)
    assert recorded.pictures[ella.pk].markers == ["firearms"]
    check = IntelligenceCheck.objects.get(context_type="incidents.incident", context_id=str(recorded.incident.pk))
    assert check.shown["high_harm"] == ["firearms"] and check.by == handler
    assert [p.rule_id for p in recorded.prompts] == ["CR-3"]
    assert AuditEvent.objects.filter(event_type="incident.record", person_id=ella.pk).exists()
    assert recorded.incident.reference.startswith("NYP-")


@pytest.mark.django_db
def test_online_abuse_prompts_evidence_advice_until_given(handler, ella):
    asked = record(handler, ella, type="online_abuse")
    assert "CR-5" in [p.rule_id for p in asked.prompts]
    given = record(handler, ella, type="online_abuse", evidence_advice_given=True)
    assert "CR-5" not in [p.rule_id for p in given.prompts]


@pytest.mark.django_db
def test_rethrive_keeps_every_assessment(handler, ella):
    incident = record(handler, ella).incident
    sections = dict(threat="t", harm="h", risk="r", investigation="i", vulnerability="v", engagement="e")
    services.thrive_record(actor=handler, incident=incident, **sections)
    prompts = services.incident_add_information(actor=handler, incident=incident, text="Caller says a man has a knife")
    assert [p.rule_id for p in prompts] == ["CR-3"]
    services.thrive_record(actor=handler, incident=incident, **{**sections, "risk": "higher"})
    assert list(ThriveAssessment.objects.filter(incident=incident).values_list("risk", flat=True)) == ["r", "higher"]
    with pytest.raises(InvalidInput) as caught:
        services.thrive_record(actor=handler, incident=incident, **{**sections, "harm": ""})
    assert "harm" in caught.value.errors


@pytest.mark.django_db
def test_downgrading_a_child_incident_needs_a_supervisor(handler, supervisor, ella):
    incident = record(handler, ella).incident
    with pytest.raises(RuleRefusal) as refused:
        services.incident_regrade(actor=handler, incident=incident, grade=3, rationale="Busy night")
    assert refused.value.rule_id == "CR-1"
    with pytest.raises(RuleRefusal):
        services.incident_regrade(actor=supervisor, incident=incident, grade=3, rationale="x", approved_by=supervisor)
    services.incident_regrade(
        actor=handler, incident=incident, grade=3, rationale="Child safe with grandmother", approved_by=supervisor
    )
    incident.refresh_from_db()
    assert incident.grade == 3 and incident.grade_changes.get().approved_by == supervisor
    services.incident_regrade(actor=handler, incident=incident, grade=1, rationale="Upgrade needs no approval")


@pytest.mark.django_db
def test_child_welfare_cannot_go_to_initial_inquiry_or_diary(handler, ella):
    incident = record(handler, ella).incident
    for kind in ("initial_inquiry", "diary_appointment"):
        with pytest.raises(RuleRefusal) as refused:
            services.incident_allocate(actor=handler, incident=incident, team=Team.objects.get(kind=kind))
        assert refused.value.rule_id == "CR-2"
    response = Team.objects.create(name="City response")
    services.incident_allocate(actor=handler, incident=incident, team=response)


@pytest.mark.django_db
def test_concern_for_safety_closure_guard_mp7(handler, supervisor, ella):
    incident = record(
        handler,
        ella,
        type="concern_for_safety",
        children=[services.ChildOnIncident(ella, present=False, resident=True)],
    ).incident
    with pytest.raises(RuleRefusal) as refused:
        services.incident_close(actor=handler, incident=incident, outcome="Child home, NFA")
    assert refused.value.rule_id == "MP-7" and "Ella Hughes" in refused.value.message
    # A supervisor's recorded reason lets it close...
    services.incident_close(
        actor=handler,
        incident=incident,
        outcome="Child was at school trip",
        approved_by=supervisor,
        supervisor_reason="Child was on a school trip the caller did not know about",
    )
    with pytest.raises(InvalidInput, match="already closed"):
        services.incident_close(actor=handler, incident=incident, outcome="again")


@pytest.mark.django_db
def test_recording_the_episode_lets_a_concern_for_safety_incident_close(handler, ella):
    from childsafe.missing.services import missing_report

    incident = record(
        handler,
        ella,
        type="concern_for_safety",
        children=[services.ChildOnIncident(ella, present=False, resident=True)],
    ).incident
    reported = missing_report(
        actor=handler, child=ella, reported_by="Mother", incident=incident, returned_before_report=True
    )
    assert reported.episode.found_at is not None and reported.episode.returned_before_report
    services.incident_close(actor=handler, incident=incident, outcome="Returned before the report was complete")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("type", "burglary", "is not an incident type"),
        ("grade", 7, "from 1 (emergency) to 4"),
        ("summary", "", "Enter the summary"),
    ],
)
def test_bad_incident_input(handler, ella, field, value, words):
    with pytest.raises(InvalidInput) as caught:
        record(handler, ella, **{field: value})
    assert words in caught.value.errors[field]


@pytest.mark.django_db
def test_references_follow_the_highest_of_the_day(handler, ella):
    first = record(handler, ella).incident
    second = record(handler, ella).incident
    assert int(second.reference[-4:]) == int(first.reference[-4:]) + 1


@pytest.mark.django_db
def test_a_supervisor_cannot_approve_their_own_concern_for_safety_closure(supervisor, ella):
    incident = services.incident_record(
        actor=supervisor,
        type="concern_for_safety",
        grade=2,
        location="x",
        summary="Not home",
        children=[services.ChildOnIncident(ella, present=False, resident=True)],
    ).incident
    with pytest.raises(RuleRefusal) as refused:
        services.incident_close(
            actor=supervisor, incident=incident, outcome="Home", approved_by=supervisor, supervisor_reason="I say so"
        )
    assert refused.value.rule_id == "MP-7"
