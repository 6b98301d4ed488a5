"""Offender management: RSO-1 to RSO-8 and the issue's bad input, through the real services and sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from childsafe.core import clock, engine
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import Alert, Skill
from childsafe.core.services import user_skill_award
from childsafe.offenders import rules, services
from childsafe.offenders.models import Breach, Notification, RiskAssessment, Visit
from childsafe.people import services as people
from childsafe.referrals import services as referrals

T0 = datetime(2024, 5, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


def at(*, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    when = T0 + timedelta(days=days, hours=hours, minutes=minutes)
    clock.set_now(when)
    engine.sweep()
    return when


def open_alert(rule: str, subject=None):
    alerts = Alert.objects.open().filter(rule_id=rule)
    if subject is not None:
        alerts = alerts.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
    return alerts.exists()


@pytest.fixture
def team(make_user):
    visor = Skill.objects.get(code="visor")
    dc = make_user("omu_dc", "omu", "west", rank="constable")
    ds = make_user("omu_ds", "omu", "west", rank="sergeant")
    for user in (dc, ds):
        user_skill_award(actor=None, user=user, skill=visor, awarded_on=T0.date() - timedelta(days=400))
    return {
        "dc": dc,
        "ds": ds,
        "pc": make_user("omu_pc", "omu", "west", rank="constable"),
        "vat": make_user("vat", "vat"),
        "school": None,
    }


def person(forenames: str, surname: str, dob: str = "1971-02-14"):
    return people.person_create(actor=None, forenames=forenames, surname=surname, date_of_birth=dob).person


def convict(team, *, custody=False, years=10, at_=None):
    return services.offender_convict(
        actor=team["dc"],
        person=person("Paul", "Kemp"),
        offence="Making indecent photographs of children",
        notifiable=True,
        court_result_at=at_ or clock.now(),
        period_years=years,
        custody=custody,
    ).offender


def notify(team, offender, kind="initial", where="designated_station", **extra):
    return services.notification_record(actor=team["dc"], offender=offender, kind=kind, where=where, **extra)


# -- RSO-2 and RSO-1 ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_notifiable_court_result_starts_the_clock_at_once(team):
    offender = convict(team)
    at(days=3, minutes=-1)
    assert not open_alert("RSO-1", offender)
    at(days=3)
    assert open_alert("RSO-1", offender)
    # The horizon names the deadline, so the replay jumps straight to it.
    assert rules._rso1_horizon(T0) == T0 + timedelta(days=3)


@pytest.mark.django_db
def test_a_notification_at_home_is_kept_but_invalid_and_the_clock_keeps_running(team):
    offender = convict(team)
    at(days=1)
    notification, prompts = notify(team, offender, where="home")
    assert [p.rule_id for p in prompts] == ["RSO-1"]
    assert notification.valid is False
    at(days=3)
    assert open_alert("RSO-1", offender)
    notify(team, offender)
    at(days=3, minutes=5)
    assert not open_alert("RSO-1", offender)


@pytest.mark.django_db
def test_in_custody_the_clock_waits_for_release(team):
    offender = convict(team, custody=True)
    at(days=30)
    assert not open_alert("RSO-1", offender)
    services.offender_release(actor=team["dc"], offender=offender, at=clock.now())
    at(days=33, minutes=-1)
    assert not open_alert("RSO-1", offender)
    at(days=33)
    assert open_alert("RSO-1", offender)


@pytest.mark.django_db
def test_the_annual_notification_falls_due_a_year_after_the_last(team):
    offender = convict(team)
    notify(team, offender)
    at(days=365, minutes=-1)  # 2024 is a leap year: 10 May 2025 is 365 days on
    assert not open_alert("RSO-1", offender)
    at(days=365)
    assert open_alert("RSO-1", offender)


@pytest.mark.django_db
def test_weekly_notification_with_no_fixed_abode(team):
    offender = convict(team)
    notify(team, offender)
    at(days=1)
    notify(team, offender, kind="weekly_no_fixed_abode")
    at(days=8)
    assert open_alert("RSO-1", offender)


@pytest.mark.django_db
def test_a_change_notified_by_phone_is_still_owed_in_person_within_3_days(team):
    offender = convict(team)
    notify(team, offender)
    at(days=10)
    notify(team, offender, kind="change_of_address", where="phone")
    at(days=13)
    assert open_alert("RSO-1", offender)
    notify(team, offender, kind="change_of_address")
    at(days=13, minutes=5)
    assert not open_alert("RSO-1", offender)


@pytest.mark.django_db
def test_bad_input_a_notification_dated_before_the_conviction(team):
    offender = convict(team)
    with pytest.raises(InvalidInput) as caught:
        notify(team, offender, at=T0 - timedelta(days=1))
    assert "before the conviction" in caught.value.errors["at"]
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_bad_input_an_annual_notification_when_the_period_is_over(team):
    offender = convict(team, years=2, at_=T0 - timedelta(days=3 * 365))
    with pytest.raises(InvalidInput) as caught:
        notify(team, offender, kind="annual")
    assert "period has ended" in caught.value.errors["kind"]
    assert not Notification.objects.exists()
    at(days=1)
    assert not open_alert("RSO-1", offender)  # an ended period owes nothing


@pytest.mark.django_db
def test_notification_choices_are_checked_all_at_once(team):
    offender = convict(team)
    with pytest.raises(InvalidInput) as caught:
        notify(team, offender, kind="monthly", where="pub")
    assert set(caught.value.errors) == {"kind", "where"}


# -- RSO-8 and risk -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_visor_trained_staff_record_a_risk_plan(team):
    offender = convict(team)
    with pytest.raises(RuleRefusal) as caught:
        services.risk_assess(actor=team["pc"], offender=offender, level="high", plan="Home visits.")
    assert caught.value.rule_id == "RSO-8"
    assert not RiskAssessment.objects.exists()
    services.risk_assess(actor=team["dc"], offender=offender, level="high", plan="Home visits.")
    assert RiskAssessment.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_a_risk_level_outside_the_four(team):
    offender = convict(team)
    with pytest.raises(InvalidInput) as caught:
        services.risk_assess(actor=team["dc"], offender=offender, level="extreme", plan="")
    assert set(caught.value.errors) == {"level", "plan"}
    assert not RiskAssessment.objects.exists()


# -- RSO-3 and RSO-4: visits and devices ---------------------------------------------------------------


def test_calendar_months_on_the_london_clock():
    may = datetime(2022, 5, 15, 11, 0, tzinfo=UTC)  # 12:00 BST
    assert rules.add_months(may, 3) == datetime(2022, 8, 15, 11, 0, tzinfo=UTC)
    assert rules.add_months(datetime(2023, 1, 31, 12, tzinfo=UTC), 1) == datetime(2023, 2, 28, 12, tzinfo=UTC)
    # Across the clock change the wall time holds: 12:00 GMT in January is 12:00 BST in April.
    assert rules.add_months(datetime(2023, 1, 10, 12, tzinfo=UTC), 3) == datetime(2023, 4, 10, 11, tzinfo=UTC)


@pytest.mark.django_db
def test_home_visits_by_risk_count_from_the_first_assessment_and_then_the_last_home_visit(team):
    offender = convict(team)
    notify(team, offender)
    services.risk_assess(actor=team["dc"], offender=offender, level="high", plan="Home visits.")
    at(days=30)
    _, prompts = services.visit_record(
        actor=team["dc"], offender=offender, kind="office", announced=True, officers=[team["dc"]], devices_checked=[]
    )
    assert "RSO-3" in [p.rule_id for p in prompts]  # a lone visit counts but is prompted
    due = rules.add_months(T0, 3)  # 10 August
    clock.set_now(due - timedelta(minutes=1))
    engine.sweep()
    assert not open_alert("RSO-3", offender)
    clock.set_now(due)
    engine.sweep()
    assert open_alert("RSO-3", offender)  # the office interview did not count
    _, prompts = services.visit_record(
        actor=team["dc"],
        offender=offender,
        kind="home",
        announced=False,
        officers=[team["dc"], team["ds"]],
        devices_checked=[],
    )
    assert prompts == []
    engine.sweep()
    assert not open_alert("RSO-3", offender)
    assert rules.visits_due([offender.pk])[offender.pk][0] == rules.add_months(due, 3)


@pytest.mark.django_db
def test_very_high_risk_is_visited_monthly(team):
    offender = convict(team)
    notify(team, offender)
    services.risk_assess(actor=team["dc"], offender=offender, level="very_high", plan="Weekly contact.")
    clock.set_now(rules.add_months(T0, 1))
    engine.sweep()
    assert open_alert("RSO-3", offender)


@pytest.mark.django_db
def test_an_unchecked_known_device_is_prompted(team):
    offender = convict(team)
    phone = services.device_add(actor=team["dc"], offender=offender, description="Samsung phone")
    laptop = services.device_add(actor=team["dc"], offender=offender, description="Dell laptop")
    _, prompts = services.visit_record(
        actor=team["dc"],
        offender=offender,
        kind="home",
        announced=False,
        officers=[team["dc"], team["ds"]],
        devices_checked=[phone],
    )
    [prompt] = prompts
    assert prompt.rule_id == "RSO-4" and "Dell laptop" in prompt.message and "Samsung" not in prompt.message
    assert list(Visit.objects.get().devices_checked.all()) == [phone]
    assert laptop.pk


@pytest.mark.django_db
def test_bad_input_two_visits_for_the_same_time_by_two_officers(team):
    offender = convict(team)
    services.visit_record(
        actor=team["dc"], offender=offender, kind="home", announced=False, officers=[team["dc"]], devices_checked=[]
    )
    with pytest.raises(InvalidInput) as caught:
        services.visit_record(
            actor=team["ds"], offender=offender, kind="home", announced=False, officers=[team["ds"]], devices_checked=[]
        )
    assert "already recorded by" in caught.value.errors["at"]
    assert Visit.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_a_visit_to_an_offender_whose_period_has_ended(team):
    offender = convict(team, years=2, at_=T0 - timedelta(days=3 * 365))
    with pytest.raises(InvalidInput) as caught:
        services.visit_record(
            actor=team["dc"], offender=offender, kind="home", announced=False, officers=[team["dc"]], devices_checked=[]
        )
    assert "period has ended" in caught.value.errors["offender"]
    assert not Visit.objects.exists()


# -- RSO-5: breaches ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_breach_is_decided_within_24_hours_and_only_a_supervisor_decides_against_a_crime(team):
    offender = convict(team)
    breach = services.breach_record(
        actor=team["dc"], offender=offender, kind="undeclared_device", detail="A second phone found."
    )
    at(hours=24, minutes=-1)
    assert not open_alert("RSO-5", breach)
    at(hours=24)
    assert open_alert("RSO-5", breach)
    with pytest.raises(RuleRefusal) as caught:
        services.breach_decide(actor=team["dc"], breach=breach, decision="warning", rationale="First time.")
    assert caught.value.rule_id == "RSO-5"
    assert Breach.objects.get().decided_at is None
    with pytest.raises(InvalidInput):
        services.breach_decide(actor=team["ds"], breach=breach, decision="warning", rationale="  ")
    services.breach_decide(
        actor=team["ds"], breach=breach, decision="warning", rationale="Declared it at once; first breach in 6 years."
    )
    engine.sweep()
    assert not open_alert("RSO-5", breach)


@pytest.mark.django_db
def test_an_officer_may_record_the_breach_as_a_crime(team):
    offender = convict(team)
    breach = services.breach_record(actor=team["dc"], offender=offender, kind="late_notification", detail="Late.")
    decided = services.breach_decide(actor=team["dc"], breach=breach, decision="crime_recorded", rationale="CR 123.")
    assert decided.decision == "crime_recorded" and decided.version == 2
    with pytest.raises(InvalidInput) as caught:
        services.breach_decide(actor=team["ds"], breach=breach, decision="crime_recorded", rationale="Again.")
    assert "already decided" in caught.value.errors["decision"]


# -- RSO-6: contact with children -----------------------------------------------------------------------


@pytest.mark.django_db
def test_contact_with_a_child_needs_a_ppn_a_disclosure_decision_and_a_welfare_check(team):
    offender = convict(team)
    ella = person("Ella", "Begum", "2014-06-01")
    mum = person("Sara", "Begum", "1988-01-01")
    contact = services.child_contact_record(
        actor=team["dc"], offender=offender, children=[ella], detail="Seen at the park with Ella."
    )
    at(hours=24)
    alert = Alert.objects.open().get(rule_id="RSO-6")
    assert "no PPN about Ella Begum" in alert.reason and "disclosure" not in alert.reason
    referrals.ppn_submit(
        actor=team["vat"],
        concern="Registered sex offender seen with Ella.",
        children=[
            referrals.PpnChildInput(
                ella,
                {k: "noted at the park" for k in ("appearance", "words", "activity", "relationships", "environment")},
                "Not spoken to yet: at school.",
                "W1",
            )
        ],
    )
    at(hours=48)
    alert = Alert.objects.open().get(rule_id="RSO-6")
    assert "PPN" not in alert.reason and "disclosure" in alert.reason and "welfare check on Ella" in alert.reason
    with pytest.raises(InvalidInput) as caught:
        services.disclosure_decide(actor=team["ds"], offender=offender, decision="disclose", to=mum, rationale="")
    assert "rationale" in caught.value.errors
    services.disclosure_decide(
        actor=team["ds"], offender=offender, decision="disclose", to=mum, rationale="Mother must protect Ella."
    )
    services.welfare_check_record(actor=team["dc"], child=contact.children.get(), note="Seen at school; well.")
    engine.sweep()
    assert not open_alert("RSO-6", contact)


@pytest.mark.django_db
def test_bad_input_a_disclosure_decision_without_a_rationale(team):
    offender = convict(team)
    with pytest.raises(InvalidInput) as caught:
        services.disclosure_decide(actor=team["ds"], offender=offender, decision="not_disclose", to=None, rationale=" ")
    assert caught.value.errors == {"rationale": "Enter the reason for the decision."}


# -- RSO-7: supervision --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_superficial_supervision_entry_is_refused_with_a_suggestion(team):
    offender = convict(team)
    with pytest.raises(RuleRefusal) as caught:
        services.supervision_add(actor=team["ds"], offender=offender, note="Seen.")
    assert caught.value.rule_id == "RSO-7" and "for example" in caught.value.message
    entry = services.supervision_add(
        actor=team["ds"], offender=offender, note="Risk stays high; DC Kemp to arrange an unannounced home visit."
    )
    assert entry.pk
    with pytest.raises(AccessDenied):
        services.supervision_add(actor=team["dc"], offender=offender, note="Visit this week because of the phone.")


# -- access --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_roles_outside_offender_management_cannot_record(team, make_user):
    offender = convict(team)
    handler = make_user("handler", "call_handler")
    with pytest.raises(AccessDenied):
        services.breach_record(actor=handler, offender=offender, kind="other", detail="x")


@pytest.mark.django_db
def test_the_breach_alert_goes_to_the_offender_managers_sergeant(team):
    from childsafe.oversight.selectors import my_alerts

    offender = convict(team)
    breach = services.breach_record(actor=team["dc"], offender=offender, kind="order_breach", detail="At a park.")
    at(hours=24)
    assert [a.subject_id for a in my_alerts(team["ds"]).filter(rule_id="RSO-5")] == [str(breach.pk)]
    team["dc"].line_manager = team["ds"]
    team["dc"].save()
    other_sergeant = team["pc"]
    at(hours=25)
    assert my_alerts(team["ds"]).filter(rule_id="RSO-5").get().owner_user == team["ds"]
    assert not my_alerts(other_sergeant).filter(rule_id="RSO-5").exists()


@pytest.mark.django_db
def test_an_absent_supervisors_work_goes_to_the_named_cover(team, make_user):
    from childsafe.oversight.selectors import my_alerts

    cover = make_user("omu_ds2", "omu", "west", rank="sergeant")
    team["dc"].line_manager = team["ds"]
    team["dc"].save()
    today = clock.today_london()
    with pytest.raises(InvalidInput) as caught:
        services.absence_record(actor=team["ds"], cover=team["pc"], starts_on=today, ends_on=today - timedelta(days=1))
    assert set(caught.value.errors) == {"cover", "ends_on"}
    with pytest.raises(AccessDenied):
        services.absence_record(actor=team["dc"], cover=cover, starts_on=today, ends_on=today)
    services.absence_record(actor=team["ds"], cover=cover, starts_on=today, ends_on=today + timedelta(days=7))
    offender = convict(team)
    services.breach_record(actor=team["dc"], offender=offender, kind="order_breach", detail="At a park.")
    at(hours=24)
    assert my_alerts(cover).filter(rule_id="RSO-5").get().owner_user == cover
    at(days=9)  # back from leave: the sergeant's again
    assert my_alerts(team["ds"]).filter(rule_id="RSO-5", owner_user=team["ds"]).exists()


@pytest.mark.django_db
def test_visit_compliance_month_by_month(team):
    from childsafe.offenders import selectors

    offender = convict(team)
    notify(team, offender)
    services.risk_assess(actor=team["dc"], offender=offender, level="very_high", plan="Weekly contact.")
    # Visited after a fortnight, then nothing: on time for a month after that visit, overdue after.
    clock.set_now(T0 + timedelta(days=14))
    services.visit_record(
        actor=team["dc"], offender=offender, kind="home", announced=False, officers=[team["dc"]], devices_checked=[]
    )
    clock.set_now(T0 + timedelta(days=100))
    # Month ends 18 April (before the assessment), 18 May, 18 June (visited 24 May: due 24 June), 18 July, now.
    months = selectors.visit_compliance([offender.pk], months=5)
    assert [m.assessed for m in months] == [0, 1, 1, 1, 1]
    assert [m.on_time for m in months] == [0, 1, 1, 0, 0]
