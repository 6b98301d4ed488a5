"""PPNs (RF-1, RF-2, RF-3, RF-6, RF-7, RF-8) and Operation Encompass (RF-9) through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.http import Http404

from childsafe.core import clock, engine
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import Alert, OutboxMessage
from childsafe.incidents import services as incidents
from childsafe.referrals import services
from childsafe.referrals.models import EncompassNotification, PpnStatus

# A Thursday night in term time.
T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)
AWARE = {
    "appearance": "in pyjamas",
    "words": "scared",
    "activity": "hiding",
    "relationships": "close to mum",
    "environment": "broken glass",
}


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def team(make_user):
    return {
        "handler": make_user("handler", "call_handler"),
        "pc": make_user("pc_khan", "response_officer", "city"),
        "vat": make_user("vat", "vat"),
    }


def child(person, **extra):
    return services.PpnChildInput(person=person, aware=dict(AWARE), voice='"Mummy was crying"', ethnicity="W1", **extra)


def domestic_abuse(team, *people, present=True):
    return incidents.incident_record(
        actor=team["handler"],
        type="domestic_abuse",
        grade=1,
        location="12 Mill Street, York",
        summary="Woman assaulted by partner; children in the house.",
        children=[incidents.ChildOnIncident(p, present=present, resident=True) for p in people],
    ).incident


@pytest.mark.django_db
def test_a_ppn_needs_aware_voice_and_ethnicity(team, ella):
    with pytest.raises(RuleRefusal) as bare:
        services.ppn_submit(actor=team["pc"], concern="Alone at night", children=[services.PpnChildInput(ella)])
    assert bare.value.rule_id == "RF-1"
    with pytest.raises(RuleRefusal) as no_ethnicity:
        services.ppn_submit(
            actor=team["pc"],
            concern="Alone at night",
            children=[services.PpnChildInput(ella, aware=dict(AWARE), voice="Mum went out")],
        )
    assert no_ethnicity.value.rule_id == "RF-2"
    with pytest.raises(RuleRefusal, match="not a self-defined ethnicity code"):
        services.ppn_submit(
            actor=team["pc"], concern="x", children=[services.PpnChildInput(ella, dict(AWARE), "v", "Z9")]
        )
    submitted = services.ppn_submit(actor=team["pc"], concern="Alone at night", children=[child(ella)])
    assert [p.rule_id for p in submitted.prompts] == ["RF-8"]
    assert submitted.ppn.status == PpnStatus.SUBMITTED
    not_stated = services.ppn_submit(
        actor=team["pc"],
        concern="x",
        other_children="None in the household",
        children=[services.PpnChildInput(ella, dict(AWARE), "v", "NS")],
    )
    assert not_stated.prompts == []


@pytest.mark.django_db
def test_a_child_not_on_the_linked_incident_is_refused(team, ella, make_user):
    from childsafe.people import services as people

    other = people.person_create(actor=None, forenames="Noah", surname="Begum", date_of_birth="2012-03-03").person
    incident = domestic_abuse(team, ella)
    with pytest.raises(InvalidInput) as caught:
        services.ppn_submit(actor=team["pc"], concern="x", incident=incident, children=[child(other)])
    assert "is not on incident" in caught.value.errors["children"]


@pytest.mark.django_db
def test_triage_shares_through_the_outbox_once_and_clocks_follow(team, ella, york, hill_primary):
    ppn = services.ppn_submit(actor=team["pc"], concern="Exposed to domestic abuse", children=[child(ella)]).ppn
    clock.set_now(T0 + timedelta(hours=24))
    engine.sweep()
    triage = Alert.objects.open().get(rule_id="RF-3", subject_id=str(ppn.pk))
    assert (triage.subject_label, triage.person_id, triage.person_label) == (str(ppn), ella.pk, ella.full_name)
    assert str(ppn) in triage.reason
    with pytest.raises(AccessDenied, match="Vulnerability Assessment Team"):
        services.ppn_triage(actor=team["pc"], ppn=ppn, decision="share", partners=[york])
    with pytest.raises(InvalidInput, match="only when the decision is to share"):
        services.ppn_triage(actor=team["vat"], ppn=ppn, decision="return", partners=[york], reason="Incomplete")
    services.ppn_triage(actor=team["vat"], ppn=ppn, decision="share", partners=[york], reason="DA exposure")
    message = OutboxMessage.objects.get(kind="ppn_referral")
    assert message.recipient == "mash@york.test" and "Ella" not in message.body
    with pytest.raises(InvalidInput, match="already been triaged"):
        services.ppn_triage(actor=team["vat"], ppn=ppn, decision="no_further_action", reason="x")
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-3").exists()
    # Shared on Friday 11 November at 22:15: one working day (the force calendar) is Monday at 22:15.
    clock.set_now(T0 + timedelta(days=3, hours=23, minutes=59))
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-6").exists()
    clock.set_now(T0 + timedelta(days=4, minutes=1))
    engine.sweep()
    alert = Alert.objects.open().get(rule_id="RF-6")
    assert alert.due_by == datetime(2022, 11, 14, 22, 15, tzinfo=UTC)
    assert (alert.person_id, alert.person_label) == (ella.pk, ella.full_name)
    assert list(alert.people.values_list("person_id", flat=True)) == []  # one child: named on the alert itself


@pytest.mark.django_db
def test_sharing_with_something_that_is_not_a_partner_is_refused(team, ella, make_user):
    from childsafe.people import services as people

    home = people.organisation_create(actor=None, type="childrens_home", name="Oak House", email="oak@home.test")
    ppn = services.ppn_submit(actor=team["pc"], concern="x", children=[child(ella)]).ppn
    with pytest.raises(InvalidInput, match="not a partner"):
        services.ppn_triage(actor=team["vat"], ppn=ppn, decision="share", partners=[home])


@pytest.mark.django_db
def test_only_the_partner_it_was_shared_with_can_acknowledge(team, ella, york, north_yorkshire, make_user):
    ppn = services.ppn_submit(actor=team["pc"], concern="x", children=[child(ella)]).ppn
    services.ppn_triage(actor=team["vat"], ppn=ppn, decision="share", partners=[york])
    with pytest.raises(Http404):
        services.ppn_acknowledge(actor=make_user("la_ny", "la_partner", organisation_id=north_yorkshire.pk), ppn=ppn)
    share = services.ppn_acknowledge(actor=make_user("la_york", "la_partner", organisation_id=york.pk), ppn=ppn)
    assert share.acknowledged_at == T0


@pytest.mark.django_db
def test_encompass_notifies_the_school_before_the_next_school_day(team, ella, hill_primary):
    domestic_abuse(team, ella)
    note = EncompassNotification.objects.get()
    assert note.organisation == hill_primary and not note.problem
    assert note.due_by == datetime(2022, 11, 11, 8, 30, tzinfo=UTC)  # 08:30 Friday, London = UTC in November
    message = OutboxMessage.objects.get(kind="encompass")
    assert message.recipient == "dsl@hill.test" and "Ella" not in message.body
    clock.set_now(note.due_by)
    engine.sweep()
    alert = Alert.objects.open().get(rule_id="RF-9")  # not delivered in time: nobody ran the worker
    assert "before the school day began" in alert.reason


@pytest.mark.django_db
def test_the_school_day_start_is_a_force_setting_a_schools_calendar_can_override(team, ella, hill_primary, make_user):
    from childsafe.core import services as core_services
    from childsafe.core.models import AuditEvent

    admin = make_user("admin", "administrator")
    core_services.setting_change(actor=admin, key="referrals.rf9_school_day_start", value="09:00")
    assert AuditEvent.objects.filter(event_type="setting.change").exists()
    with pytest.raises(InvalidInput, match="24-hour time"):
        core_services.setting_change(actor=admin, key="referrals.rf9_school_day_start", value="9am")
    domestic_abuse(team, ella)
    assert EncompassNotification.objects.get().due_by == datetime(2022, 11, 11, 9, 0, tzinfo=UTC)
    hill_primary.calendar = {"base": "england_default", "start_time": "08:45"}
    hill_primary.save()
    EncompassNotification.objects.all().delete()
    domestic_abuse(team, ella)
    assert EncompassNotification.objects.get().due_by == datetime(2022, 11, 11, 8, 45, tzinfo=UTC)


@pytest.mark.django_db
def test_no_key_adult_contact_is_an_alert_never_a_silent_drop(team, ella, hill_primary):
    hill_primary.key_adult_email = ""
    hill_primary.save()
    recorded = incidents.incident_record(
        actor=team["handler"],
        type="domestic_abuse",
        grade=1,
        location="x",
        summary="DA",
        children=[incidents.ChildOnIncident(ella, present=False, resident=True)],
    )
    assert "RF-9" in [p.rule_id for p in recorded.prompts]
    assert not OutboxMessage.objects.filter(kind="encompass").exists()
    engine.sweep()
    assert "no Key Adult email" in Alert.objects.open().get(rule_id="RF-9").reason


@pytest.mark.django_db
def test_no_known_school_goes_to_the_local_authority(team, york):
    from childsafe.people import services as people

    noah = people.person_create(
        actor=None, forenames="Noah", surname="Begum", date_of_birth="2012-03-03", local_authority=york
    ).person
    domestic_abuse(team, noah)
    note = EncompassNotification.objects.get()
    assert note.to_local_authority and note.organisation == york
    assert OutboxMessage.objects.get(kind="encompass").recipient == "mash@york.test"


@pytest.mark.django_db
def test_toddlers_and_other_incidents_do_not_notify(team, york):
    from childsafe.people import services as people

    toddler = people.person_create(
        actor=None, forenames="Mia", surname="Begum", date_of_birth="2020-03-03", local_authority=york
    ).person
    domestic_abuse(team, toddler)
    incidents.incident_record(
        actor=team["handler"],
        type="child_concern",
        grade=2,
        location="x",
        summary="x",
        children=[incidents.ChildOnIncident(toddler, present=True)],
    )
    assert not EncompassNotification.objects.exists()


@pytest.mark.django_db
def test_new_concerns_on_return_need_a_ppn_within_24_hours(team, ella):
    from childsafe.missing import services as missing

    fim = team["handler"]
    episode = missing.missing_report(actor=fim, child=ella, reported_by="Mother").episode
    missing.episode_found(actor=team["pc"], episode=episode, place="Home")
    missing.episode_safe_and_well(
        actor=team["pc"],
        episode=episode,
        where="x",
        with_whom="older males",
        harm="x",
        disclosures="owes money",
        voice="I owe them",
        aware=dict(AWARE),
        new_concerns=True,
    )
    clock.set_now(T0 + timedelta(hours=24))
    engine.sweep()
    assert Alert.objects.open().filter(rule_id="RF-7", person_id=ella.pk).exists()
    services.ppn_submit(actor=team["pc"], concern="Debt bondage", children=[child(ella)])
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-7").exists()


@pytest.mark.django_db
def test_an_approved_delay_holds_the_rf7_alert_until_it_ends(team, ella, make_user):
    from childsafe.missing import services as missing

    inspector = make_user("insp", "cii", "city", rank="inspector")
    superintendent = make_user("supt", "senior_leader", rank="superintendent")
    episode = missing.missing_report(actor=team["handler"], child=ella, reported_by="Mother").episode
    missing.episode_found(actor=team["pc"], episode=episode, place="Home")
    check, _ = missing.episode_safe_and_well(
        actor=team["pc"],
        episode=episode,
        where="x",
        with_whom="x",
        harm="x",
        disclosures="x",
        voice="x",
        aware=dict(AWARE),
        new_concerns=True,
    )
    with pytest.raises(RuleRefusal, match="inspector other than"):
        services.ppn_delay_approve(
            actor=team["pc"],
            check=check,
            rationale="Until the warrant is executed",
            until=T0 + timedelta(hours=30),
            approved_by=team["pc"],
        )
    with pytest.raises(RuleRefusal, match="superintendent"):
        services.ppn_delay_approve(
            actor=team["pc"],
            check=check,
            rationale="Until the warrant is executed",
            until=T0 + timedelta(days=3),
            approved_by=inspector,
        )
    services.ppn_delay_approve(
        actor=team["pc"],
        check=check,
        rationale="Until the warrant is executed",
        until=T0 + timedelta(hours=40),
        approved_by=inspector,
    )
    clock.set_now(T0 + timedelta(hours=24))
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-7").exists()
    assert engine.next_change(clock.now(), fallback=timedelta(minutes=5)) <= T0 + timedelta(hours=40)
    clock.set_now(T0 + timedelta(hours=40))
    engine.sweep()
    assert Alert.objects.open().filter(rule_id="RF-7").exists()
    services.ppn_delay_approve(
        actor=team["pc"],
        check=check,
        rationale="Warrant delayed by the court",
        until=T0 + timedelta(days=4),
        approved_by=superintendent,
    )
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-7").exists()


@pytest.mark.django_db
def test_a_delay_longer_than_the_sweeps_watch_still_ends_in_an_rf7_alert(team, ella, make_user):
    """The sweep reads recent checks, alerted ones and delayed ones (engine.WATCH is 30 days): a check held
    back 45 days (the report's referral was held 42) is still alerted the moment its delay ends."""
    from childsafe.missing import services as missing

    superintendent = make_user("supt", "senior_leader", rank="superintendent")
    episode = missing.missing_report(actor=team["handler"], child=ella, reported_by="Mother").episode
    missing.episode_found(actor=team["pc"], episode=episode, place="Home")
    check, _ = missing.episode_safe_and_well(
        actor=team["pc"],
        episode=episode,
        where="x",
        with_whom="x",
        harm="x",
        disclosures="x",
        voice="x",
        aware=dict(AWARE),
        new_concerns=True,
    )
    services.ppn_delay_approve(
        actor=team["pc"],
        check=check,
        rationale="Until the warrant is executed",
        until=T0 + timedelta(days=45),
        approved_by=superintendent,
    )
    clock.set_now(T0 + timedelta(days=44))
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-7").exists()
    clock.set_now(T0 + timedelta(days=45, minutes=1))
    engine.sweep()
    assert Alert.objects.open().filter(rule_id="RF-7", person_id=ella.pk).exists()


@pytest.mark.django_db
def test_an_alert_about_a_ppn_names_every_child_and_each_childs_page_shows_it(team, ella):
    from childsafe.people import selectors as people_selectors
    from childsafe.people import services as people

    brothers = [
        people.person_create(
            actor=None, forenames=name, surname="Hughes", date_of_birth=dob, duplicates_reviewed=True
        ).person
        for name, dob in (("Noah", "2016-02-01"), ("Leo", "2012-07-09"))
    ]
    ppn = services.ppn_submit(
        actor=team["pc"],
        concern="Three children exposed to violence",
        children=[child(ella)] + [child(b) for b in brothers],
    ).ppn
    clock.set_now(T0 + timedelta(hours=24, minutes=1))
    engine.sweep()
    alert = Alert.objects.open().get(rule_id="RF-3", subject_id=str(ppn.pk))
    assert alert.person_label == "Ella Hughes, Noah Hughes, Leo Hughes"
    for person in [ella, *brothers]:
        assert [a.pk for a in people_selectors.person_page(person, team["vat"]).alerts] == [alert.pk]


def test_a_child_added_to_a_late_ppn_is_named_on_its_open_alert(team, ella):
    """The sweep refreshes an open alert's children: a child added later (an import that bypassed the
    service) is named on it at the next sweep, without a second alert."""
    from childsafe.core.models import AlertPerson
    from childsafe.people import services as people
    from childsafe.referrals.models import PpnChild

    noah, leo = (
        people.person_create(
            actor=None, forenames=name, surname="Hughes", date_of_birth=dob, duplicates_reviewed=True
        ).person
        for name, dob in (("Noah", "2016-02-01"), ("Leo", "2012-07-09"))
    )
    ppn = services.ppn_submit(
        actor=team["pc"], concern="Children exposed to violence", children=[child(ella), child(noah)]
    ).ppn
    clock.set_now(T0 + timedelta(hours=24, minutes=1))
    engine.sweep()
    alert = Alert.objects.open().get(rule_id="RF-3", subject_id=str(ppn.pk))
    assert set(AlertPerson.objects.filter(alert=alert).values_list("person_id", flat=True)) == {ella.pk, noah.pk}
    PpnChild.objects.create(ppn=ppn, person=leo, aware=dict(AWARE), voice="Not spoken to: asleep.", ethnicity="NS")
    clock.set_now(T0 + timedelta(hours=24, minutes=2))
    engine.sweep()
    assert Alert.objects.open().get(rule_id="RF-3", subject_id=str(ppn.pk)).pk == alert.pk
    assert set(AlertPerson.objects.filter(alert=alert).values_list("person_id", flat=True)) == {
        ella.pk,
        noah.pk,
        leo.pk,
    }
