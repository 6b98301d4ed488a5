"""Police protection's services against each rule (PP-1 to PP-4) and each line of the issue's "Bad input"."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from childsafe.core import engine
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import Alert, AuditEvent, OutboxMessage, Severity
from childsafe.protection import services
from childsafe.protection.models import PoliceProtection, ProtectionEvent, ProtectionNotice
from childsafe.protection.services import ChildInput

pytestmark = pytest.mark.django_db


def start(actor, *children, **overrides):
    from childsafe.core import clock

    args = dict(
        actor=actor,
        children=[ChildInput(c, wishes=f"{c.forenames} wants to stay with her brother or sister.") for c in children],
        removed_at=clock.now() - timedelta(minutes=10),
        reason="Mother very intoxicated at the school gate; both children on child protection plans.",
        place_kind="la_accommodation",
        place_name="Emergency foster placement arranged by children's services",
        la_informed_at=clock.now() - timedelta(minutes=7),
        parents_informed="Mother not present; told by phone at 15:00.",
        offences_against_child="no",
    )
    args.update(overrides)
    return services.protection_start(**args)


# -- PP-1: the record, the place of safety, the local authority told ---------------------------------------
def test_start_records_both_siblings_in_one_record_and_tells_the_local_authority(now, officers, ava, noah, nyc):
    started = start(officers["pc"], ava, noah)
    p = started.protection
    assert started.prompts == []
    assert sorted(p.children.values_list("person__forenames", flat=True)) == ["Ava", "Noah"]
    assert p.initiated_by == officers["pc"] and p.reference.startswith("PP-")
    [notice] = ProtectionNotice.objects.all()
    assert notice.organisation == nyc and notice.acknowledged_at is None
    [message] = OutboxMessage.objects.filter(kind="police_protection")
    assert message.recipient == "edt@nyc.test" and message.recipient_organisation_id == nyc.pk
    assert message.deliver_by == p.created_at + timedelta(hours=1)
    for detail in ("Ava", "Noah", "Dale", "Grove Road", "HG1", "2016", "2018", "intoxicated"):
        assert detail not in message.body and detail not in message.subject
    assert AuditEvent.objects.filter(event_type="protection.start").count() == 2
    assert ProtectionEvent.objects.get(protection=p).kind == "started"


def test_a_police_station_without_a_rationale_is_refused_and_nothing_is_saved(now, officers, ava):
    with pytest.raises(RuleRefusal) as refused:
        start(officers["pc"], ava, place_kind="police_station", place_name="Harrogate police station")
    assert refused.value.rule_id == "PP-1" and refused.value.field == "place_rationale"
    assert not PoliceProtection.objects.exists() and not OutboxMessage.objects.exists()


def test_a_police_station_with_an_exceptional_rationale_is_taken(now, officers, ava):
    started = start(
        officers["pc"],
        ava,
        place_kind="police_station",
        place_name="Harrogate police station",
        place_rationale="No foster placement until 02:00; the child was kept in the family room, not a cell.",
    )
    assert started.protection.place_kind == "police_station"


def test_a_child_without_a_local_authority_gets_no_notice(now, officers, ava):
    ava.local_authority = None
    ava.save(update_fields=["local_authority"])
    start(officers["pc"], ava)
    assert not OutboxMessage.objects.exists() and not ProtectionNotice.objects.exists()


def test_a_call_handler_cannot_start_police_protection(now, officers, ava):
    with pytest.raises(AccessDenied):
        start(officers["handler"], ava)


# -- Bad input --------------------------------------------------------------------------------------------
def test_removal_in_the_future_is_refused(now, officers, ava):
    from childsafe.core import clock

    with pytest.raises(InvalidInput) as bad:
        start(officers["pc"], ava, removed_at=clock.now() + timedelta(minutes=1))
    assert "future" in bad.value.errors["removed_at"]
    assert not PoliceProtection.objects.exists()


def test_every_missing_answer_is_reported_at_once(now, officers, ava):
    with pytest.raises(InvalidInput) as bad:
        services.protection_start(
            actor=officers["pc"],
            children=[ChildInput(ava, wishes="")],
            removed_at=None,
            reason=" ",
            place_kind="car_park",
            place_name="",
            parents_informed="",
            offences_against_child="maybe",
        )
    assert set(bad.value.errors) == {
        "child_wishes",
        "removed_at",
        "reason",
        "place_kind",
        "place_name",
        "parents_informed",
        "offences_against_child",
    }


def test_no_children_or_a_child_twice_is_refused(now, officers, ava):
    with pytest.raises(InvalidInput) as bad:
        start(officers["pc"])
    assert "children" in bad.value.errors
    with pytest.raises(InvalidInput) as bad:
        start(officers["pc"], ava, ava)
    assert "twice" in bad.value.errors["children"]


def test_the_same_child_in_two_open_protections_is_refused(now, officers, ava, noah):
    first = start(officers["pc"], ava, noah).protection
    with pytest.raises(InvalidInput) as bad:
        start(officers["pc"], noah)
    assert first.reference in bad.value.errors["children"]
    assert PoliceProtection.objects.count() == 1
    # Once ended, the child can be protected again.
    services.protection_end(
        actor=officers["insp"], protection=first, outcome="returned_home", rationale="Mother sober; plan agreed."
    )
    start(officers["pc"], noah)
    assert PoliceProtection.objects.count() == 2


def test_the_database_keeps_a_child_in_one_open_protection(now, officers, ava):
    from django.db import IntegrityError, transaction

    from childsafe.protection.models import ProtectedChild

    first = start(officers["pc"], ava).protection
    second = PoliceProtection.objects.create(
        reference="PP-X",
        initiated_by=officers["pc"],
        removed_at=first.removed_at,
        reason="x",
        place_kind="hospital",
        place_name="x",
        parents_informed="x",
        offences_against_child="no",
        created_at=first.created_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtectedChild.objects.create(protection=second, person=ava, wishes="x")


def test_an_adult_cannot_be_taken_into_police_protection(now, officers, ava):
    from datetime import date

    ava.date_of_birth = date(2000, 1, 1)
    ava.save(update_fields=["date_of_birth"])
    with pytest.raises(InvalidInput) as bad:
        start(officers["pc"], ava)
    assert "under 18" in bad.value.errors["children"]


def test_the_local_authority_told_in_the_future_is_refused(now, officers, ava):
    from childsafe.core import clock

    with pytest.raises(InvalidInput) as bad:
        start(officers["pc"], ava, la_informed_at=clock.now() + timedelta(hours=1))
    assert "la_informed_at" in bad.value.errors


# -- PP-1: the designated officer -------------------------------------------------------------------------
def test_the_initiating_officer_cannot_be_the_designated_officer(now, officers, ava, make_user):
    # Even an inspector who took the children themselves.
    started = start(officers["insp"], ava).protection
    with pytest.raises(RuleRefusal) as refused:
        services.protection_designate(actor=officers["insp"], protection=started, officer=officers["insp"])
    assert refused.value.rule_id == "PP-1" and "cannot also be" in refused.value.message


def test_a_designated_officer_below_inspector_is_refused(now, officers, ava):
    p = start(officers["pc"], ava).protection
    with pytest.raises(RuleRefusal) as refused:
        services.protection_designate(actor=officers["insp"], protection=p, officer=officers["sgt"])
    assert refused.value.rule_id == "PP-1" and "not an inspector" in refused.value.message
    p.refresh_from_db()
    assert p.designated_officer is None


def test_a_sergeant_cannot_name_an_inspector_but_the_inspector_can_take_it_on(now, officers, ava):
    p = start(officers["pc"], ava).protection
    with pytest.raises(RuleRefusal) as refused:
        services.protection_designate(actor=officers["sgt"], protection=p, officer=officers["insp"])
    assert refused.value.rule_id == "PP-1"
    services.protection_designate(actor=officers["insp"], protection=p, officer=officers["insp"])
    p.refresh_from_db()
    assert p.designated_officer == officers["insp"] and p.version == 2


def test_a_chief_inspector_may_name_an_inspector(now, officers, ava):
    p = start(officers["pc"], ava).protection
    services.protection_designate(actor=officers["ci"], protection=p, officer=officers["insp2"])
    p.refresh_from_db()
    assert p.designated_officer == officers["insp2"]
    assert ProtectionEvent.objects.filter(protection=p, kind="designated", by=officers["ci"]).exists()


def test_designating_twice_is_a_handover_not_a_designation(now, officers, ava):
    p = start(officers["pc"], ava).protection
    services.protection_designate(actor=officers["insp"], protection=p, officer=officers["insp"])
    with pytest.raises(InvalidInput) as bad:
        services.protection_designate(actor=officers["insp2"], protection=p, officer=officers["insp2"])
    assert "handover" in bad.value.errors["officer"]


# -- PP-3: handover and end -------------------------------------------------------------------------------
def designated(officers, *children):
    p = start(officers["pc"], *children).protection
    return services.protection_designate(actor=officers["insp"], protection=p, officer=officers["insp"])


def test_handover_needs_a_rationale(now, officers, ava):
    p = designated(officers, ava)
    with pytest.raises(RuleRefusal) as refused:
        services.protection_handover(actor=officers["insp"], protection=p, to=officers["insp2"], rationale="  ")
    assert refused.value.rule_id == "PP-3"
    p.refresh_from_db()
    assert p.designated_officer == officers["insp"]


def test_a_handover_to_someone_who_is_not_an_inspector_is_refused(now, officers, ava):
    p = designated(officers, ava)
    with pytest.raises(RuleRefusal) as refused:
        services.protection_handover(
            actor=officers["insp"], protection=p, to=officers["sgt"], rationale="End of my shift."
        )
    assert refused.value.rule_id == "PP-1"


def test_a_handover_is_recorded_with_its_rationale(now, officers, ava):
    p = designated(officers, ava)
    services.protection_handover(
        actor=officers["insp"], protection=p, to=officers["insp2"], rationale="End of shift; strategy meeting at 10."
    )
    p.refresh_from_db()
    assert p.designated_officer == officers["insp2"]
    event = ProtectionEvent.objects.get(protection=p, kind="handover")
    assert event.officer == officers["insp2"] and "strategy meeting" in event.text


def test_a_constable_cannot_hand_over(now, officers, ava):
    p = designated(officers, ava)
    with pytest.raises(RuleRefusal):
        services.protection_handover(actor=officers["pc"], protection=p, to=officers["insp2"], rationale="Shift end")


def test_end_needs_a_rationale_and_a_known_outcome(now, officers, ava):
    p = designated(officers, ava)
    with pytest.raises(RuleRefusal) as refused:
        services.protection_end(actor=officers["insp"], protection=p, outcome="returned_home", rationale="")
    assert refused.value.rule_id == "PP-3"
    with pytest.raises(InvalidInput) as bad:
        services.protection_end(actor=officers["insp"], protection=p, outcome="escaped", rationale="x")
    assert "outcome" in bad.value.errors


def test_an_end_before_the_start_is_refused(now, officers, ava):
    p = designated(officers, ava)
    with pytest.raises(InvalidInput) as bad:
        services.protection_end(
            actor=officers["insp"],
            protection=p,
            outcome="returned_home",
            rationale="Mother sober.",
            ended_at=p.removed_at - timedelta(minutes=1),
        )
    assert "before" in bad.value.errors["ended_at"]
    p.refresh_from_db()
    assert p.is_open


def test_end_closes_the_record_and_frees_the_children(now, officers, ava, noah):
    p = designated(officers, ava, noah)
    services.protection_end(
        actor=officers["insp"],
        protection=p,
        outcome="emergency_protection_order",
        rationale="EPO granted at Harrogate magistrates; children stay with foster carers.",
    )
    p.refresh_from_db()
    assert not p.is_open and p.end_outcome == "emergency_protection_order"
    assert not p.children.filter(open=True).exists()
    with pytest.raises(InvalidInput):
        services.protection_handover(actor=officers["insp"], protection=p, to=officers["insp2"], rationale="x")


def test_an_end_recorded_twice_is_refused(now, officers, ava):
    p = designated(officers, ava)
    read_at = p.version
    services.protection_end(
        actor=officers["insp"], protection=p, outcome="returned_home", rationale="Mother sober.", version=read_at
    )
    with pytest.raises(InvalidInput) as bad:
        services.protection_end(
            actor=officers["insp2"], protection=p, outcome="released_to_relative", rationale="Gran.", version=read_at
        )
    assert "a moment ago" in bad.value.errors["version"]
    p.refresh_from_db()
    assert p.end_outcome == "returned_home" and p.ended_by == officers["insp"]


@pytest.mark.django_db(transaction=True)
def test_two_inspectors_ending_at_the_same_moment_only_one_saves(now, officers, ava):
    """Two threads, two connections, the same version read: the row lock lets exactly one through."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the version check above covers the same race there.")
    p = designated(officers, ava)
    version = p.version
    results: list[str] = []
    barrier = threading.Barrier(2)

    def end(officer, outcome):
        try:
            barrier.wait()
            services.protection_end(actor=officer, protection=p, outcome=outcome, rationale="Safe.", version=version)
            results.append("saved")
        except InvalidInput:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=end, args=(officers["insp"], "returned_home")),
        threading.Thread(target=end, args=(officers["insp2"], "released_to_relative")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused", "saved"]


def test_a_stale_designation_is_refused(now, officers, ava):
    p = start(officers["pc"], ava).protection
    with pytest.raises(InvalidInput) as bad:
        services.protection_designate(actor=officers["insp"], protection=p, officer=officers["insp"], version=99)
    assert "a moment ago" in bad.value.errors["version"]


# -- PP-4: offences against the child ----------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["yes", "unknown"])
def test_offences_yes_or_unknown_without_investigation_or_reason_saves_with_a_prompt(now, officers, ava, answer):
    started = start(officers["pc"], ava, offences_against_child=answer)
    assert [p.rule_id for p in started.prompts] == ["PP-4"]
    assert PoliceProtection.objects.filter(pk=started.protection.pk).exists()


def test_offences_with_a_reason_or_no_offences_asks_nothing(now, officers, ava, noah):
    assert start(officers["pc"], ava, offences_against_child="no").prompts == []
    assert (
        start(officers["pc"], noah, offences_against_child="yes", investigation_reference="INV-2022-0417").prompts == []
    )


def test_the_open_prompt_stays_on_the_designated_officers_list_until_answered(now, officers, ava):
    p = start(officers["pc"], ava, offences_against_child="unknown").protection
    engine.sweep(holder="test")
    alert = Alert.objects.open().get(rule_id="PP-4")
    assert alert.owner_user is None and alert.owner_role == "supervisor"
    assert (alert.person_id, alert.person_label) == (ava.pk, ava.full_name) and alert.reason.startswith(ava.full_name)
    services.protection_designate(actor=officers["insp"], protection=p, officer=officers["insp"])
    engine.sweep(holder="test")
    alert.refresh_from_db()
    assert alert.owner_user == officers["insp"]
    with pytest.raises(InvalidInput):
        services.protection_offences_answer(actor=officers["insp"], protection=p)
    services.protection_offences_answer(
        actor=officers["insp"], protection=p, reason="Neglect referred to the CSE team; crime 12/3456/22."
    )
    engine.sweep(holder="test")
    assert not Alert.objects.open().filter(rule_id="PP-4").exists()


# -- PP-2: the 72-hour clock -------------------------------------------------------------------------------
def test_the_clock_escalates_one_alert_at_48_66_and_72_hours_and_clears_on_the_end(now, officers, ava):
    p = designated(officers, ava)
    removed = p.removed_at
    now.set(removed + timedelta(hours=47, minutes=59))
    engine.sweep(holder="test")
    assert not Alert.objects.filter(rule_id="PP-2").exists()
    assert engine.get("PP-2").horizon(now.now) == removed + timedelta(hours=48)

    now.set(removed + timedelta(hours=48))
    engine.sweep(holder="test")
    alert = Alert.objects.open().get(rule_id="PP-2")
    assert alert.owner_user == officers["insp"] and alert.severity == Severity.MEDIUM
    assert (alert.person_id, alert.person_label) == (ava.pk, ava.full_name)
    assert alert.due_by == removed + timedelta(hours=72)

    now.set(removed + timedelta(hours=66))
    engine.sweep(holder="test")
    alert.refresh_from_db()
    assert alert.severity == Severity.HIGH and alert.is_open

    now.set(removed + timedelta(hours=72))
    engine.sweep(holder="test")
    alert.refresh_from_db()
    assert alert.severity == Severity.CRITICAL and alert.owner_role == "senior_leader" and alert.owner_user is None
    assert Alert.objects.filter(rule_id="PP-2").count() == 1

    services.protection_end(actor=officers["insp"], protection=p, outcome="returned_home", rationale="Safe at home.")
    engine.sweep(holder="test")
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_the_first_alert_is_seen_by_the_designated_officers_line_manager(now, officers, ava, make_user):
    from childsafe.oversight.selectors import team_alerts

    chief = make_user("ci_west", "supervisor", "west", rank="chief_inspector")
    officers["insp"].line_manager = chief
    officers["insp"].save(update_fields=["line_manager"])
    p = designated(officers, ava)
    now.set(p.removed_at + timedelta(hours=48))
    engine.sweep(holder="test")
    assert team_alerts(chief).filter(rule_id="PP-2").exists()


def test_an_ended_protection_raises_no_alert(now, officers, ava):
    p = designated(officers, ava)
    services.protection_end(actor=officers["insp"], protection=p, outcome="returned_home", rationale="Safe.")
    now.set(p.removed_at + timedelta(hours=73))
    engine.sweep(holder="test")
    assert not Alert.objects.filter(rule_id="PP-2").exists()


# -- the local authority's acknowledgement -----------------------------------------------------------------
def test_the_local_authority_acknowledges_once_and_other_partners_see_nothing(now, officers, ava, nyc, make_user, york):
    from django.http import Http404

    p = start(officers["pc"], ava).protection
    la_user = make_user("nyc_edt", "la_partner", organisation_id=nyc.pk)
    other = make_user("york_mash", "la_partner", organisation_id=york.pk)
    with pytest.raises(Http404):
        services.notice_acknowledge(actor=other, protection=p)
    notice = services.notice_acknowledge(actor=la_user, protection=p)
    assert notice.acknowledged_by == la_user and notice.acknowledged_at is not None
    with pytest.raises(InvalidInput):
        services.notice_acknowledge(actor=la_user, protection=p)


def test_the_initiating_inspector_cannot_end_their_own_protection(now, officers, ava):
    p = start(officers["insp"], ava).protection
    services.protection_designate(actor=officers["insp2"], protection=p, officer=officers["insp2"])
    with pytest.raises(RuleRefusal) as refused:
        services.protection_end(actor=officers["insp"], protection=p, outcome="returned_home", rationale="Safe now.")
    assert refused.value.rule_id == "PP-3"
    services.protection_end(actor=officers["insp2"], protection=p, outcome="returned_home", rationale="Safe now.")
