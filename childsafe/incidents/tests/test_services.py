"""Control-room services: CR-1 to CR-5 and MP-7, audited, refusing bad input plainly."""

from __future__ import annotations

import pytest

from childsafe.core import approvals
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import AuditEvent, Team
from childsafe.incidents import services
from childsafe.incidents.models import ThriveAssessment
from childsafe.people.models import IntelligenceCheck
from conftest import PASSWORD


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
    # The request waits on the supervisor's list; the grade doesn't change until they approve it.
    request = services.incident_regrade_request(
        actor=handler, incident=incident, grade=3, rationale="Child safe with grandmother"
    )
    assert list(approvals.waiting_for(supervisor)) == [request]
    assert not approvals.waiting_for(handler).exists()  # never on the requester's own list
    incident.refresh_from_db()
    assert incident.grade == 2
    with pytest.raises(InvalidInput, match="already waiting"):
        services.incident_regrade_request(actor=handler, incident=incident, grade=4, rationale="again")
    approvals.approval_decide(actor=supervisor, approval=request, approve=True, reason="Grandmother confirmed")
    incident.refresh_from_db()
    assert incident.grade == 3 and incident.grade_changes.get().approved_by == supervisor
    assert incident.grade_changes.get().by == handler
    events = AuditEvent.objects.filter(event_type__in=["approval.request", "approval.approve", "incident.regrade"])
    assert [(e.event_type, e.actor) for e in events.order_by("id")] == [
        ("approval.request", handler),
        ("incident.regrade", supervisor),
        ("approval.approve", supervisor),
    ]
    with pytest.raises(InvalidInput, match="already been approved"):
        approvals.approval_decide(actor=supervisor, approval=request, approve=False, reason="changed my mind")
    services.incident_regrade(actor=handler, incident=incident, grade=1, rationale="Upgrade needs no approval")


@pytest.mark.django_db
def test_a_supervisor_cannot_approve_their_own_request_and_a_refusal_changes_nothing(
    handler, supervisor, ella, make_user
):
    incident = record(handler, ella).incident
    own = services.incident_regrade_request(actor=supervisor, incident=incident, grade=3, rationale="Quiet now")
    with pytest.raises(RuleRefusal) as refused:
        approvals.approval_decide(actor=supervisor, approval=own, approve=True, reason="Fine by me")
    assert refused.value.rule_id == "CR-1"
    assert AuditEvent.objects.filter(event_type="approval.decide.refused", actor=supervisor).exists()
    with pytest.raises(AccessDenied):
        approvals.approval_decide(actor=handler, approval=own, approve=True, reason="I'm not a supervisor")
    fim = make_user("fim_on_duty", "fim")
    with pytest.raises(InvalidInput, match="reason"):
        approvals.approval_decide(actor=fim, approval=own, approve=False, reason=" ")
    approvals.approval_decide(actor=fim, approval=own, approve=False, reason="Child still not seen")
    incident.refresh_from_db()
    assert incident.grade == 2 and not incident.grade_changes.exists()


@pytest.mark.django_db
def test_a_typed_name_approves_nothing(handler, supervisor, ella):
    """Beside the requester, the supervisor signs in with their own password; their name alone does nothing."""
    incident = record(handler, ella).incident
    request = services.incident_regrade_request(actor=handler, incident=incident, grade=3, rationale="Safe")
    with pytest.raises(InvalidInput, match="password"):
        approvals.approval_decide_beside(
            username=supervisor.username, password="", approval=request, approve=True, reason="ok"
        )
    with pytest.raises(InvalidInput, match="password"):
        approvals.approval_decide_beside(
            username=supervisor.username, password="not-theirs", approval=request, approve=True, reason="ok"
        )
    incident.refresh_from_db()
    assert incident.grade == 2
    approvals.approval_decide_beside(
        username=supervisor.username, password=PASSWORD, approval=request, approve=True, reason="Seen the child"
    )
    incident.refresh_from_db()
    assert incident.grade == 3
    request.refresh_from_db()
    assert request.decided_on == "beside" and request.decided_by == supervisor


@pytest.mark.django_db
def test_an_approved_downgrade_is_judged_against_the_grade_the_database_holds(handler, supervisor, ella):
    incident = record(handler, ella).incident
    request = services.incident_regrade_request(actor=handler, incident=incident, grade=3, rationale="Safe")
    services.incident_regrade(actor=handler, incident=incident, grade=1, rationale="Knife seen")  # upgrade meanwhile
    with pytest.raises(InvalidInput, match="changed this incident"):
        approvals.approval_decide(actor=supervisor, approval=request, approve=True, reason="ok")
    incident.refresh_from_db()
    assert incident.grade == 1
    with pytest.raises(InvalidInput, match="changed this incident"):
        services.incident_regrade(actor=handler, incident=incident, grade=2, rationale="x", version=1)


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
    # A supervisor's approval, with their reason, lets it close...
    request = services.incident_close_request(
        actor=handler,
        incident=incident,
        outcome="Child was at school trip",
        reason="Child was on a school trip the caller did not know about",
    )
    incident.refresh_from_db()
    assert incident.is_open
    approvals.approval_decide(actor=supervisor, approval=request, approve=True, reason="School confirmed the trip")
    incident.refresh_from_db()
    assert not incident.is_open and incident.closure_approved_by == supervisor
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
    request = services.incident_close_request(actor=supervisor, incident=incident, outcome="Home", reason="I say so")
    with pytest.raises(RuleRefusal) as refused:
        approvals.approval_decide(actor=supervisor, approval=request, approve=True, reason="I say so")
    assert refused.value.rule_id == "MP-7"
    incident.refresh_from_db()
    assert incident.is_open


@pytest.fixture
def sim_clock():
    from datetime import UTC, datetime

    from childsafe.core import clock
    from childsafe.core.tests.conftest import SimulatedClock

    try:
        yield SimulatedClock(datetime(2025, 3, 10, 21, 0, tzinfo=UTC))
    finally:
        clock.set_now(None)


@pytest.mark.django_db
def test_cr3_alerts_the_fim_when_a_child_incident_has_no_thrive(handler, ella, sim_clock):
    from datetime import timedelta

    from childsafe.core import engine
    from childsafe.core.models import Alert

    incident = record(handler, ella).incident
    sim_clock.advance(timedelta(minutes=9))
    engine.sweep()
    assert not Alert.objects.filter(rule_id="CR-3").exists()
    sim_clock.advance(timedelta(minutes=2))
    engine.sweep()
    alert = Alert.objects.get(rule_id="CR-3")
    assert alert.owner_role == "fim" and alert.subject_id == str(incident.pk) and alert.is_open
    sections = dict(threat="t", harm="h", risk="r", investigation="i", vulnerability="v", engagement="e")
    services.thrive_record(actor=handler, incident=incident, **sections)
    engine.sweep()
    alert.refresh_from_db()
    assert not alert.is_open


@pytest.mark.django_db
def test_cr6_alerts_when_a_month_ends_with_too_few_calls_reviewed(handler, supervisor, ella, sim_clock, make_user):
    from datetime import UTC, datetime

    from childsafe.core import engine
    from childsafe.core.models import Alert

    sim_clock.set(datetime(2025, 3, 3, 10, tzinfo=UTC))
    first = record(handler, ella).incident
    second = record(handler, ella).incident
    with pytest.raises(AccessDenied):
        services.call_review_record(actor=handler, incident=first, findings="Good call")
    services.call_review_record(actor=supervisor, incident=first, findings="THRIVE done, right grade.")
    with pytest.raises(InvalidInput, match="already been reviewed"):
        services.call_review_record(actor=supervisor, incident=first, findings="Again")
    sim_clock.set(datetime(2025, 4, 1, 0, 5, tzinfo=UTC))
    engine.sweep()
    alert = Alert.objects.get(rule_id="CR-6")
    assert "1 of 2" in alert.reason
    services.call_review_record(actor=supervisor, incident=second, findings="Advice given; evidence preserved.")
    engine.sweep()
    alert.refresh_from_db()
    assert not alert.is_open
