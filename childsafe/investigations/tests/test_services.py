"""Investigations: each rule (INV-1 to INV-8, and RF-7 started by a suspect's access to children) and each
'Bad input' line of issue 11, through the real services, rules sweep and database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from childsafe.core import clock, engine
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import Alert, AuditEvent
from childsafe.core.supervision import is_superficial, require_reasoned_entry
from childsafe.investigations import rules, services
from childsafe.investigations.models import Allocation, Investigation, InvestigationStatus, SupervisionReview
from childsafe.referrals import services as referrals
from childsafe.referrals.models import PpnDelay, PpnRequirement

pytestmark = pytest.mark.django_db
AWARE = {k: "recorded in full" for k in ("appearance", "words", "activity", "relationships", "environment")}


def sweep():
    engine.sweep(holder="test", use_lease=False)


def open_alerts(rule: str, record) -> list[Alert]:
    return list(
        Alert.objects.open().filter(rule_id=rule, subject_type=record._meta.label_lower, subject_id=str(record.pk))
    )


def ppn(actor, children):
    return referrals.ppn_submit(
        actor=actor,
        concern="A suspect in a CSE investigation lives with these children.",
        children=[
            referrals.PpnChildInput(person=c, aware=dict(AWARE), voice="Not spoken to: asleep.", ethnicity="NS")
            for c in children
        ],
        other_children="None known.",
    ).ppn


# -- the superficial-entry check, in core, shared with RSO-7 --------------------------------------------
@pytest.mark.parametrize("text", ["seen", "Noted.", "agreed", "Seen and agreed", "noted - no further issues", ""])
def test_an_entry_that_only_says_seen_or_agreed_is_superficial(text):
    assert is_superficial(text)
    with pytest.raises(RuleRefusal) as refused:
        require_reasoned_entry(text, "RSO-7")
    assert refused.value.rule_id == "RSO-7"


def test_an_entry_with_a_decision_and_a_reason_is_not():
    assert not is_superficial("Agreed: CCTV on Queen Street first, as it is overwritten after 30 days.")


# -- INV-1 ---------------------------------------------------------------------------------------------
def test_a_cse_investigation_is_refused_to_an_officer_without_the_accreditation(inv, force):
    with pytest.raises(RuleRefusal) as refused:
        services.investigation_allocate(actor=force["ds_king"], investigation=inv, officer=force["det_new"])
    assert refused.value.rule_id == "INV-1"
    inv.refresh_from_db()
    assert inv.officer is None and not Allocation.objects.exists()


def test_an_accredited_officer_takes_it_and_the_first_review_falls_due_in_72_hours(inv, force):
    allocation = services.investigation_allocate(actor=force["ds_king"], investigation=inv, officer=force["det_ross"])
    inv.refresh_from_db()
    assert inv.officer == force["det_ross"] and inv.supervisor == force["ds_king"]
    assert inv.status == InvestigationStatus.ALLOCATED
    assert inv.review_due_at == allocation.at + timedelta(hours=72)
    assert allocation.override_accreditation == ""


def test_an_override_needs_a_rationale_that_says_something_and_is_recorded(inv, force):
    with pytest.raises(RuleRefusal) as refused:
        services.investigation_allocate(
            actor=force["ds_king"], investigation=inv, officer=force["det_new"], rationale="agreed"
        )
    assert refused.value.rule_id == "INV-1"
    allocation = services.investigation_allocate(
        actor=force["ds_king"],
        investigation=inv,
        officer=force["det_new"],
        rationale="Both accredited officers are on leave; DC New is mentored daily by DS King until they return.",
    )
    assert allocation.override_accreditation == "cse_investigation"
    assert AuditEvent.objects.filter(event_type="investigation.allocate").exists()


def test_other_types_go_to_any_investigator(force, chloe, gary):
    neglect = services.investigation_open(
        actor=force["pc"], type="neglect", victims=[chloe], suspects=[gary], summary="Neglect at home."
    ).record
    services.investigation_allocate(actor=force["ds_king"], investigation=neglect, officer=force["det_new"])
    neglect.refresh_from_db()
    assert neglect.officer == force["det_new"]


def test_an_officer_of_another_area_needs_a_rationale(inv, force):
    with pytest.raises(InvalidInput) as bad:
        services.investigation_allocate(actor=force["ds_king"], investigation=inv, officer=force["det_west"])
    assert "another area" in bad.value.errors["rationale"]
    assert not Allocation.objects.exists()


def test_a_constable_cannot_allocate(inv, force):
    with pytest.raises(AccessDenied):
        services.investigation_allocate(actor=force["pc"], investigation=inv, officer=force["det_ross"])


def test_two_sergeants_allocating_at_once_the_second_is_told_it_changed(inv, force):
    read_at = inv.version  # both pages were read at this version
    services.investigation_allocate(
        actor=force["ds_king"], investigation=inv, officer=force["det_ross"], expected_version=read_at
    )
    with pytest.raises(InvalidInput) as stale:
        services.investigation_allocate(
            actor=force["ds_shaw"],
            investigation=Investigation.objects.get(pk=inv.pk),
            officer=force["det_west"],
            rationale="DC West knows the family from an earlier case in the western area.",
            expected_version=read_at,
        )
    assert "changed" in stale.value.errors["investigation"]
    inv.refresh_from_db()
    assert inv.officer == force["det_ross"] and Allocation.objects.count() == 1


# -- INV-2 ---------------------------------------------------------------------------------------------
REVIEW = {
    "lines_of_enquiry": "Forensic samples; CCTV on Queen Street; the friends' accounts.",
    "safeguarding_actions": "Strategy meeting held; PPN submitted for Chloe.",
    "other_children": "The suspect says he has children: to be established.",
}


def test_no_first_review_within_72_hours_raises_inv2_and_a_review_clears_it(allocated, force):
    clock.set_now(allocated.allocated_at + timedelta(hours=71))
    sweep()
    assert not open_alerts("INV-2", allocated)
    clock.set_now(allocated.allocated_at + timedelta(hours=72, minutes=1))
    sweep()
    [alert] = open_alerts("INV-2", allocated)
    assert alert.owner_user == force["ds_king"]
    assert alert.subject_label == str(allocated)  # read as plain rows, labelled as the record labels itself
    assert "no supervision review since it was allocated" in alert.reason
    services.investigation_supervise(
        actor=force["ds_king"], investigation=allocated, next_review_at=clock.now() + timedelta(days=28), **REVIEW
    )
    sweep()
    assert not open_alerts("INV-2", allocated)
    clock.set_now(clock.now() + timedelta(days=28, minutes=1))
    sweep()
    assert open_alerts("INV-2", allocated)


def test_a_superficial_review_is_refused_under_inv2(allocated, force):
    with pytest.raises(RuleRefusal) as refused:
        services.investigation_supervise(
            actor=force["ds_king"],
            investigation=allocated,
            lines_of_enquiry="Seen.",
            safeguarding_actions=REVIEW["safeguarding_actions"],
            other_children="None known.",
            next_review_at=clock.now() + timedelta(days=7),
        )
    assert refused.value.rule_id == "INV-2"
    assert not SupervisionReview.objects.exists()


def test_a_review_dated_before_the_allocation_is_refused_with_every_problem(allocated, force):
    with pytest.raises(InvalidInput) as bad:
        services.investigation_supervise(
            actor=force["ds_king"],
            investigation=allocated,
            lines_of_enquiry="",
            safeguarding_actions=REVIEW["safeguarding_actions"],
            other_children="None known.",
            next_review_at=clock.now() + timedelta(days=60),
            reviewed_at=allocated.allocated_at - timedelta(hours=1),
        )
    assert set(bad.value.errors) == {"lines_of_enquiry", "reviewed_at", "next_review_at"}
    assert not SupervisionReview.objects.exists()


# -- INV-3 ---------------------------------------------------------------------------------------------
def test_drift_alerts_the_supervisor_at_14_days_and_the_di_at_28(allocated, force):
    services.investigation_supervise(
        actor=force["ds_king"], investigation=allocated, next_review_at=clock.now() + timedelta(days=28), **REVIEW
    )
    start = clock.now()
    clock.set_now(start + timedelta(days=14, minutes=1))
    sweep()
    [alert] = open_alerts("INV-3", allocated)
    assert alert.owner_user == force["ds_king"] and alert.subject_label == str(allocated)
    clock.set_now(start + timedelta(days=28, minutes=1))
    sweep()
    [alert] = open_alerts("INV-3", allocated)
    assert alert.owner_user == force["di_moss"] and "detective inspector" in alert.reason
    services.investigation_activity(actor=force["det_ross"], investigation=allocated, note="Interviewed the friends.")
    sweep()
    assert not open_alerts("INV-3", allocated)


# -- INV-4 ---------------------------------------------------------------------------------------------
def test_a_dfu_request_not_started_in_30_days_alerts_the_officer_in_the_case(allocated, force):
    request = services.dfu_submit(actor=force["det_ross"], investigation=allocated, devices=["phone", "laptop"])
    clock.set_now(request.submitted_at + timedelta(days=30, minutes=1))
    sweep()
    [alert] = open_alerts("INV-4", request)
    assert alert.owner_user == force["det_ross"] and "DI" in alert.reason
    services.dfu_start(actor=force["vio"], request=request)
    sweep()
    assert not open_alerts("INV-4", request)


def test_starting_twice_or_completing_one_never_started_is_refused(allocated, force):
    request = services.dfu_submit(actor=force["det_ross"], investigation=allocated, devices=["phone"])
    with pytest.raises(InvalidInput) as unstarted:
        services.dfu_complete(actor=force["vio"], request=request, summary="Images found.")
    assert "Start the examination" in unstarted.value.errors["request"]
    services.dfu_start(actor=force["vio"], request=request)
    started_at = request.started_at
    clock.set_now(clock.now() + timedelta(hours=1))
    with pytest.raises(InvalidInput) as twice:
        services.dfu_start(actor=force["vio"], request=request)
    assert "already started" in twice.value.errors["request"]
    request.refresh_from_db()
    assert request.started_at == started_at
    services.dfu_complete(actor=force["vio"], request=request, summary="120 indecent images found; graded.")
    assert request.results.startswith("120")


def test_priority_needs_its_reason(allocated, force):
    with pytest.raises(InvalidInput) as bad:
        services.dfu_submit(actor=force["det_ross"], investigation=allocated, devices=["phone"], priority=True)
    assert "reason" in bad.value.errors


# -- INV-5 ---------------------------------------------------------------------------------------------
def test_resubmission_is_due_in_2_working_days_of_the_force_calendar(allocated, force):
    # Friday 26 August 2022, before the summer bank holiday on Monday 29: due Wednesday 31.
    clock.set_now(datetime(2022, 8, 26, 15, 0, tzinfo=UTC))
    sub = services.forensic_submit(actor=force["det_ross"], investigation=allocated, item="Intimate swabs")
    services.forensic_return(actor=force["det_ross"], submission=sub, reason="Wrong forms.")
    assert sub.resubmit_due_at.astimezone(clock.LONDON).date().isoformat() == "2022-08-31"
    clock.set_now(sub.resubmit_due_at - timedelta(minutes=1))
    sweep()
    assert not open_alerts("INV-5", sub)
    clock.set_now(sub.resubmit_due_at + timedelta(minutes=1))
    sweep()
    assert open_alerts("INV-5", sub)
    services.forensic_resubmit(actor=force["det_ross"], submission=sub)
    sweep()
    assert not open_alerts("INV-5", sub)


# -- INV-6 and RF-7 ------------------------------------------------------------------------------------
def test_access_to_named_children_prompts_a_ppn_and_a_ppn_for_every_child_clears_rf7(allocated, force, gary, kids):
    saved = services.suspect_access_record(
        actor=force["det_ross"],
        investigation=allocated,
        suspect=gary,
        source="household",
        detail="Lives with his two children.",
        children=kids,
    )
    assert [p.rule_id for p in saved.prompts] == ["INV-6"]
    requirement = PpnRequirement.objects.get(
        subject_type="investigations.suspectaccess", subject_id=str(saved.record.pk)
    )
    assert requirement.due_from == force["det_ross"]
    clock.set_now(clock.now() + timedelta(hours=24, minutes=1))
    sweep()
    [alert] = open_alerts("RF-7", saved.record)
    assert alert.owner_user == force["det_ross"]
    ppn(force["det_ross"], kids[:1])
    sweep()
    assert open_alerts("RF-7", saved.record), "one of the two children still has no PPN"
    ppn(force["det_ross"], kids[1:])
    sweep()
    assert not open_alerts("RF-7", saved.record)


def test_a_remark_with_no_children_known_runs_the_clock_until_a_ppn_is_started_from_it(allocated, force, gary, chloe):
    ppn(force["pc"], [chloe])  # a PPN before the remark, about the victim, does not answer it
    saved = services.suspect_access_record(
        actor=force["pc"],
        investigation=allocated,
        suspect=gary,
        source="custody remark",
        detail="Said he has children of his own.",
    )
    requirement = referrals.ppn_requirement_for(saved.record)
    clock.set_now(clock.now() + timedelta(hours=25))
    sweep()
    assert open_alerts("RF-7", saved.record)
    ppn(force["det_ross"], [chloe])
    sweep()
    assert open_alerts("RF-7", saved.record)
    referrals.ppn_submit(
        actor=force["det_ross"],
        concern="The suspect's two children, found at his ex-partner's address.",
        children=[referrals.PpnChildInput(person=chloe, aware=dict(AWARE), voice="Spoken to.", ethnicity="NS")],
        other_children="None.",
        requirement=requirement,
    )
    sweep()
    assert not open_alerts("RF-7", saved.record)


def test_a_delay_is_approved_by_an_inspector_themself_and_beyond_24_hours_by_a_superintendent(
    allocated, force, gary, kids
):
    saved = services.suspect_access_record(
        actor=force["det_ross"],
        investigation=allocated,
        suspect=gary,
        source="household",
        detail="Lives with them.",
        children=kids,
    )
    requirement = referrals.ppn_requirement_for(saved.record)
    deadline = referrals.ppn_requirement_deadline(requirement)
    with pytest.raises(RuleRefusal) as sergeant:
        referrals.ppn_requirement_delay_approve(
            actor=force["ds_king"], requirement=requirement, rationale="Until the warrant.", until=deadline
        )
    assert sergeant.value.rule_id == "RF-7"
    with pytest.raises(RuleRefusal) as too_long:
        referrals.ppn_requirement_delay_approve(
            actor=force["di_moss"],
            requirement=requirement,
            rationale="Until the warrant.",
            until=deadline + timedelta(days=10),
        )
    assert "superintendent" in too_long.value.message
    assert not PpnDelay.objects.exists()
    referrals.ppn_requirement_delay_approve(
        actor=force["di_moss"],
        requirement=requirement,
        rationale="Warrant tomorrow morning.",
        until=deadline + timedelta(hours=20),
    )
    clock.set_now(deadline + timedelta(hours=1))
    sweep()
    assert not open_alerts("RF-7", saved.record), "an approved delay holds the clock"
    clock.set_now(deadline + timedelta(hours=21))
    sweep()
    assert open_alerts("RF-7", saved.record)


def test_a_child_victim_starts_rf7_on_the_investigation(inv, force, chloe):
    clock.set_now(inv.opened_at + timedelta(hours=25))
    sweep()
    assert open_alerts("RF-7", inv)
    ppn(force["pc"], [chloe])
    sweep()
    assert not open_alerts("RF-7", inv)


def test_access_for_someone_not_a_suspect_is_refused(allocated, force, chloe, kids):
    with pytest.raises(InvalidInput) as bad:
        services.suspect_access_record(
            actor=force["det_ross"], investigation=allocated, suspect=kids[0], source="household", detail="x"
        )
    assert "not a suspect" in bad.value.errors["suspect"]


# -- INV-7 ---------------------------------------------------------------------------------------------
def test_bail_ending_before_it_was_set_is_refused(allocated, force, gary):
    with pytest.raises(InvalidInput) as bad:
        services.bail_set(
            actor=force["det_ross"],
            investigation=allocated,
            suspect=gary,
            conditions="No contact",
            ends_at=clock.now() - timedelta(days=1),
        )
    assert "ends_at" in bad.value.errors


def test_bail_alerts_7_days_before_it_ends_and_an_outcome_clears_it(allocated, force, gary):
    bail = services.bail_set(
        actor=force["di_moss"],
        investigation=allocated,
        suspect=gary,
        conditions="Not to contact the victim",
        ends_at=clock.now() + timedelta(days=28),
    )
    clock.set_now(bail.ends_at - timedelta(days=7, minutes=1))
    sweep()
    assert not open_alerts("INV-7", bail)
    clock.set_now(bail.ends_at - timedelta(days=6))
    sweep()
    [alert] = open_alerts("INV-7", bail)
    assert alert.owner_user == force["det_ross"]
    services.bail_end(actor=force["det_ross"], bail=bail, outcome="extended", ends_at=bail.ends_at + timedelta(days=28))
    sweep()
    assert not open_alerts("INV-7", bail)
    services.bail_end(actor=force["det_ross"], bail=bail, outcome="charged")
    assert bail.outcome == "charged" and not bail.is_current


# -- INV-8 ---------------------------------------------------------------------------------------------
def test_only_the_officer_in_the_case_answers_an_offer_and_silence_raises_inv8(allocated, force):
    offer = services.vio_offer(actor=force["vio"], investigation=allocated, message="Victim identification can help.")
    with pytest.raises(RuleRefusal) as refused:
        services.vio_respond(actor=force["ds_king"], offer=offer, response="accepted")
    assert refused.value.rule_id == "INV-8"
    with pytest.raises(InvalidInput):
        services.vio_respond(actor=force["det_ross"], offer=offer, response="declined")
    clock.set_now(offer.offered_at + timedelta(days=7, minutes=1))
    sweep()
    [alert] = open_alerts("INV-8", offer)
    assert alert.owner_user == force["det_ross"]
    services.vio_respond(actor=force["det_ross"], offer=offer, response="accepted")
    sweep()
    assert not open_alerts("INV-8", offer)


# -- closure -------------------------------------------------------------------------------------------
def test_closing_needs_an_outcome_and_a_real_rationale_and_stops_the_clocks(allocated, force):
    with pytest.raises(InvalidInput) as bad:
        services.investigation_close(actor=force["ds_king"], investigation=allocated, outcome="", rationale="")
    assert set(bad.value.errors) == {"outcome", "rationale"}
    with pytest.raises(RuleRefusal):
        services.investigation_close(
            actor=force["ds_king"], investigation=allocated, outcome="charged", rationale="Agreed"
        )
    services.investigation_close(
        actor=force["ds_king"],
        investigation=allocated,
        outcome="charged",
        rationale="Charged with rape by the CPS on the full file; bail to court with conditions.",
    )
    clock.set_now(clock.now() + timedelta(days=60))
    sweep()
    assert not open_alerts("INV-2", allocated) and not open_alerts("INV-3", allocated)


def test_working_days_skip_weekends():
    friday = datetime(2022, 6, 10, 11, 0, tzinfo=UTC)
    assert rules.add_working_days(friday, 2).date().isoformat() == "2022-06-14"


def test_children_named_after_the_ppn_open_the_requirement_again(allocated, force, gary, kids):
    saved = services.suspect_access_record(
        actor=force["det_ross"],
        investigation=allocated,
        suspect=gary,
        source="household",
        detail="x y z w",
        children=kids[:1],
    )
    ppn(force["det_ross"], kids[:1])
    requirement = referrals.ppn_requirement_for(saved.record)
    assert requirement.satisfied_at is not None
    clock.set_now(clock.now() + timedelta(days=2))
    again = referrals.ppn_requirement_open(
        subject=saved.record, children=kids, due_from=force["det_ross"], reason="A second child found."
    )
    assert again.pk == requirement.pk and again.satisfied_at is None and again.started_at == clock.now()
    assert set(again.children.all()) == set(kids)
