"""Missing children: the MP guards and clocks, at their deadlines, through the real services and sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.http import Http404

from childsafe.core import clock, engine, outbox
from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.models import Alert, LanguageFlag, OutboxMessage
from childsafe.missing import services
from childsafe.missing.models import LocationPlan
from childsafe.people import services as people_services
from childsafe.people.models import Location

T0 = datetime(2024, 3, 5, 21, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


def at(minutes: float = 0, *, hours: float = 0, days: float = 0) -> datetime:
    when = T0 + timedelta(minutes=minutes, hours=hours, days=days)
    clock.set_now(when)
    engine.sweep()
    return when


def open_alert(rule: str):
    return Alert.objects.open().filter(rule_id=rule)


@pytest.fixture
def team(make_user):
    return {
        "handler": make_user("handler", "call_handler"),
        "fim": make_user("fim", "fim"),
        "cii": make_user("cii_city", "cii", "city"),
        "pc": make_user("pc_city", "response_officer", "city"),
        "sgt": make_user("sgt_city", "supervisor", "city"),
        "mhet": make_user("mhet", "mhet"),
    }


@pytest.fixture
def episode(team, ella):
    return services.missing_report(
        actor=team["handler"],
        child=ella,
        reported_by="Mother",
        last_seen_at=T0 - timedelta(hours=2),
        last_seen_place="Home",
    ).episode


@pytest.mark.django_db
def test_report_shows_markers_before_grading_and_mp2_fires_at_30_minutes(team, ella):
    reported = services.missing_report(actor=team["handler"], child=ella, reported_by="Mother")
    assert reported.picture.markers == ["firearms"] and reported.picture.high_harm == ["firearms"]
    at(29)
    assert not open_alert("MP-2").exists()
    at(30)
    alert = open_alert("MP-2").get()
    assert alert.owner_role == "fim" and alert.person_id == ella.pk
    services.episode_grade(
        actor=team["fim"],
        episode=reported.episode,
        grade="high",
        rationale="Firearms marker",
        markers_acknowledged={"firearms": "Associates carry guns"},
    )
    at(31)
    assert not open_alert("MP-2").exists()  # cleared itself


@pytest.mark.django_db
@pytest.mark.parametrize("grade", ["low", "very_low", "no_apparent_risk"])
def test_a_child_is_never_graded_low(team, episode, grade):
    with pytest.raises(RuleRefusal) as refused:
        services.episode_grade(actor=team["fim"], episode=episode, grade=grade, rationale="x")
    assert refused.value.rule_id == "MP-1"
    episode.refresh_from_db()
    assert episode.grade == ""


@pytest.mark.django_db
def test_medium_against_a_high_harm_marker_prompts_and_alerts_the_fim(team, episode):
    graded = services.episode_grade(actor=team["cii"], episode=episode, grade="medium", rationale="Medium due to age.")
    rules = [p.rule_id for p in graded.prompts]
    assert "MP-3" in rules and "QG-1" in rules  # markers not addressed; "medium due to age"
    assert graded.episode.owner_role == "cii" and graded.episode.owner_area.code == "city"
    at(1)
    alert = open_alert("MP-3").get()
    assert alert.severity == "critical" and "Firearms" in alert.reason and "firearms" not in alert.reason
    assert LanguageFlag.objects.filter(phrase__phrase="medium due to age").count() == 1


@pytest.mark.django_db
def test_concurrent_grading_tells_the_second_officer(team, episode):
    stale = episode.version
    services.episode_grade(
        actor=team["fim"],
        episode=episode,
        grade="high",
        rationale="Firearms",
        markers_acknowledged={"firearms": "noted"},
        expected_version=stale,
    )
    episode.refresh_from_db()
    with pytest.raises(InvalidInput, match="changed this episode"):
        services.episode_grade(
            actor=team["cii"], episode=episode, grade="medium", rationale="x", expected_version=stale
        )


@pytest.mark.django_db
def test_templated_rationale_is_flagged(team, episode, make_user):
    other = people_services.person_create(
        actor=None, forenames="Tyler", surname="Grant", date_of_birth="2010-12-12"
    ).person
    text = "Child is known to services, no concerns raised, officers to conduct checks of known addresses."
    first = services.missing_report(actor=team["handler"], child=other, reported_by="Father").episode
    services.episode_grade(actor=team["fim"], episode=first, grade="medium", rationale=text)
    graded = services.episode_grade(
        actor=team["fim"],
        episode=episode,
        grade="high",
        rationale=text + " ",
        markers_acknowledged={"firearms": "noted"},
    )
    assert "MP-4" in [p.rule_id for p in graded.prompts]
    # Not only a prompt: an alert to the grader's supervisor (a FIM graded it: the senior leader) ...
    at(1)
    alert = open_alert("MP-4").get()
    assert alert.owner_role == "senior_leader" and alert.subject_id == str(episode.pk)
    # ... that clears when the grading is written for this child.
    services.episode_grade(
        actor=team["fim"],
        episode=graded.episode,
        grade="high",
        rationale="Ella has a firearms marker and her brother's associates were seen with her last week.",
        markers_acknowledged={"firearms": "Her brother's associates carry guns."},
    )
    at(2)
    assert not open_alert("MP-4").exists()


@pytest.mark.django_db
def test_a_templated_line_of_enquiry_is_flagged_too(team, episode, make_user):
    other = people_services.person_create(
        actor=None, forenames="Tyler", surname="Grant", date_of_birth="2010-12-12"
    ).person
    action = "Conduct checks of all known addresses, associates and hospitals, and update the log every hour."
    first = services.missing_report(actor=team["handler"], child=other, reported_by="Father").episode
    services.episode_action_add(actor=team["cii"], episode=first, action=action, owner=team["pc"])
    _, prompts = services.episode_action_add(actor=team["cii"], episode=episode, action=action, owner=team["pc"])
    assert "MP-4" in [p.rule_id for p in prompts]
    at(1)
    assert open_alert("MP-4").get().subject_id == str(episode.pk)
    _, prompts = services.episode_action_add(actor=team["cii"], episode=episode, action="Check CCTV", owner=team["pc"])
    assert "MP-4" not in [p.rule_id for p in prompts]  # short standard actions are alike by nature


@pytest.mark.django_db
def test_a_medium_episode_with_no_officer_from_the_cii_alerts_at_60_minutes(team, episode):
    services.episode_grade(
        actor=team["fim"],
        episode=episode,
        grade="medium",
        rationale="Ella left after an argument; her firearms marker relates to her brother's associates.",
        markers_acknowledged={"firearms": "Brother's associates; no contact in a year."},
    )
    at(59)
    assert not open_alert("MP-2").exists()
    at(60)
    alert = open_alert("MP-2").get()
    assert alert.owner_role == "cii" and alert.owner_area.code == "city" and "no officer in the case" in alert.reason
    services.episode_assign(actor=team["cii"], episode=episode, to=team["pc"])
    at(61)
    assert not open_alert("MP-2").exists()


@pytest.mark.django_db
def test_investigation_plan_clock(team, episode):
    services.episode_grade(
        actor=team["fim"],
        episode=episode,
        grade="high",
        rationale="Firearms",
        markers_acknowledged={"firearms": "noted"},
    )
    at(29)
    assert not open_alert("MP-6").exists()
    at(30)
    assert "no line of enquiry" in open_alert("MP-6").get().reason
    services.episode_action_add(actor=team["fim"], episode=episode, action="Search bedroom", owner=team["pc"])
    at(31)
    assert not open_alert("MP-6").exists()
    at(hours=2)  # high risk: a supervisory review every 2 hours while missing
    assert "supervisory review overdue" in open_alert("MP-6").get().reason
    services.episode_review(actor=team["sgt"], episode=episode, note="Plan reviewed; cell site request made")
    at(hours=2, minutes=1)
    assert not open_alert("MP-6").exists()


@pytest.mark.django_db
def test_return_notifies_the_local_authority_and_clocks_follow(team, episode, york):
    at(10)
    with pytest.raises(InvalidInput, match="return first"):
        services.episode_safe_and_well(
            actor=team["pc"],
            episode=episode,
            where="x",
            with_whom="x",
            harm="x",
            disclosures="x",
            voice="x",
            aware={},
            new_concerns=False,
        )
    with pytest.raises(InvalidInput) as early:
        services.episode_found(actor=team["pc"], episode=episode, place="Park", found_at=T0 - timedelta(minutes=5))
    assert "before the time the child was reported" in early.value.errors["found_at"]

    services.episode_found(actor=team["pc"], episode=episode, place="York bus station", self_returned=True)
    message = OutboxMessage.objects.get(kind="missing_return")
    assert message.recipient == "mash@york.test" and "Ella" not in message.body  # no personal details by email
    at(70)  # not delivered within the hour: MP-9
    assert open_alert("MP-9").exists()
    clock.set_now(T0 + timedelta(minutes=71))
    # Delivered late (through the recording transport, as in the replay): the alert then clears.
    from childsafe.core.transports import RecordingTransport, use_transport

    use_transport("email", RecordingTransport())
    try:
        outbox.deliver_due("test")
    finally:
        use_transport("email", None)
    at(72)
    assert not open_alert("MP-9").exists()

    at(hours=24, minutes=10)  # no safe and well check within 24 hours of return: MP-8
    assert open_alert("MP-8").exists()
    services.episode_safe_and_well(
        actor=team["pc"],
        episode=episode,
        where="Would not say",
        with_whom="Older boys",
        harm="None seen",
        disclosures="None",
        voice='"I was just out"',
        new_concerns=False,
        aware={
            "appearance": "tired",
            "words": "quiet",
            "activity": "phone",
            "relationships": "older boys",
            "environment": "home",
        },
    )
    at(hours=24, minutes=11)
    assert not open_alert("MP-8").exists()

    at(hours=72, minutes=11)  # the statutory 72-hour interview: MHET chases it
    alert = open_alert("MP-10").get()
    assert "due within 72 hours" in alert.reason and alert.severity == "medium"
    assert not OutboxMessage.objects.filter(kind="rhi_overdue").exists()
    at(days=5, minutes=10)  # no RHI back within 5 days: the same alert goes up, and the LA manager is emailed
    alert = open_alert("MP-10").get()
    assert "manager@york.test" in alert.reason and alert.severity == "high"
    emails = OutboxMessage.objects.filter(kind="rhi_overdue")
    assert [(m.recipient, m.recipient_organisation_id) for m in emails] == [
        ("manager@york.test", episode.person.local_authority_id)
    ]
    at(days=5, minutes=20)
    assert emails.count() == 1  # every later sweep is a no-op


@pytest.mark.django_db
def test_rhi_from_the_right_and_the_wrong_authority(team, episode, york, north_yorkshire, make_user):
    services.episode_found(actor=team["pc"], episode=episode, place="Home")
    wrong = make_user("la_ny", "la_partner", organisation_id=north_yorkshire.pk)
    with pytest.raises(Http404):
        services.rhi_receive(actor=wrong, episode=episode, summary="Spoke to the child")
    right = make_user("la_york", "la_partner", organisation_id=york.pk)
    rhi = services.rhi_receive(actor=right, episode=episode, summary="Child says older boys pay her to carry bags")
    assert rhi.received_from == "City of York Council"


@pytest.mark.django_db
def test_closing_needs_sign_off_return_and_check_and_happens_once(team, episode):
    with pytest.raises(RuleRefusal, match="return"):
        services.episode_close(actor=team["sgt"], episode=episode)
    services.episode_found(actor=team["pc"], episode=episode, place="Home")
    with pytest.raises(RuleRefusal, match="safe and well"):
        services.episode_close(actor=team["sgt"], episode=episode)
    aware = dict.fromkeys(("appearance", "words", "activity", "relationships", "environment"), "fine")
    check, prompts = services.episode_safe_and_well(
        actor=team["pc"],
        episode=episode,
        where="Friend's",
        with_whom="A",
        harm="None",
        disclosures="None",
        voice="Fine",
        aware=aware,
        new_concerns=True,
    )
    assert [p.rule_id for p in prompts] == ["MP-8"]
    with pytest.raises(RuleRefusal, match="PPN"):
        services.episode_close(actor=team["sgt"], episode=episode)
    with pytest.raises(RuleRefusal, match="supervisor"):
        services.episode_close(actor=team["pc"], episode=episode)


@pytest.mark.django_db
def test_closing_twice_is_refused(team, episode):
    services.episode_found(actor=team["pc"], episode=episode, place="Home")
    aware = dict.fromkeys(("appearance", "words", "activity", "relationships", "environment"), "fine")
    services.episode_safe_and_well(
        actor=team["pc"],
        episode=episode,
        where="Home",
        with_whom="Mum",
        harm="None",
        disclosures="None",
        voice="Fine",
        aware=aware,
        new_concerns=False,
    )
    services.episode_close(actor=team["sgt"], episode=episode)
    with pytest.raises(InvalidInput, match="already closed"):
        services.episode_close(actor=team["sgt"], episode=episode)


@pytest.mark.django_db
def test_priority_missing_without_trigger_plan_mp5(team, ella):
    for days_ago in (80, 50, 20):
        services.history_import(
            person=ella,
            reported_at=T0 - timedelta(days=days_ago),
            found_at=T0 - timedelta(days=days_ago - 1),
            found_place="Bus station",
        )
    at(1)
    alert = open_alert("MP-5").get()
    assert alert.owner_role == "mhet" and alert.due_by == T0 - timedelta(days=20) + timedelta(hours=24)
    reported = services.missing_report(actor=team["handler"], child=ella, reported_by="Mother")
    assert reported.picture.sections[0].key == "trigger_plan"  # shown first: and it says there is none
    assert "NO trigger plan" in reported.picture.sections[0].warning
    services.trigger_plan_create(actor=team["mhet"], child=ella, places="Bus station; Coppergate", phone="07700 900123")
    at(2)
    assert not open_alert("MP-5").exists()
    shown = services.missing_report(actor=team["handler"], child=ella, reported_by="Mother").picture
    assert shown.sections[0].key == "trigger_plan" and "Places: Bus station; Coppergate" in shown.sections[0].items


@pytest.mark.django_db
def test_hotspot_matches_a_place_typed_differently_and_needs_a_plan(team):
    spellings = [
        "Former Royal Crescent Hotel, Whitby",
        "old Royal Crescent hotel whitby",
        "The Royal Crescent Hotel Whitby",
    ]
    for n, place in enumerate(spellings):
        child = people_services.person_create(
            actor=None, forenames=f"Child{n}", surname="Moss", date_of_birth=f"2009-0{n + 1}-01"
        ).person
        ep = services.missing_report(actor=team["handler"], child=child, reported_by="carer").episode
        clock.set_now(clock.now() + timedelta(days=10))
        services.episode_found(actor=team["pc"], episode=ep, place=place)
    assert Location.objects.filter(missing_episodes__isnull=False).distinct().count() == 1
    became = clock.now()
    at((became - T0).total_seconds() / 60 + 7 * 24 * 60 - 1)
    assert not open_alert("MP-12").exists()
    at((became - T0).total_seconds() / 60 + 7 * 24 * 60)
    alert = open_alert("MP-12").get()
    assert "Royal Crescent" in alert.reason
    services.location_plan(
        actor=team["mhet"],
        location=Location.objects.get(pk=alert.subject_id),
        owner=team["sgt"],
        plan="Secure the building with the owner; patrol plan",
    )
    engine.sweep()
    assert not open_alert("MP-12").exists() and LocationPlan.objects.count() == 1


@pytest.mark.django_db
def test_bad_report_input(team, ella):
    with pytest.raises(InvalidInput) as caught:
        services.missing_report(actor=team["handler"], child=ella, reported_by="", last_seen_at=T0 + timedelta(hours=1))
    assert set(caught.value.errors) == {"reported_by", "last_seen_at"}


@pytest.mark.django_db
def test_everything_appears_on_the_childs_chronology(team, episode, ella):
    from childsafe.people.selectors import person_page

    services.episode_grade(
        actor=team["fim"],
        episode=episode,
        grade="high",
        rationale="Firearms",
        markers_acknowledged={"firearms": "noted"},
    )
    services.episode_found(actor=team["pc"], episode=episode, place="Home")
    titles = [e.title for e in person_page(ella, team["fim"]).chronology]
    assert "Reported missing" in titles and "Graded high risk" in titles and "Found at Home" in titles


@pytest.mark.django_db
def test_the_officer_in_the_case_opens_the_childs_record_without_a_reason(team, episode, make_user):
    from childsafe.people.access import Decision, decide

    east = make_user("pc_east", "response_officer", "east")
    assert decide(east, episode.person).decision is Decision.REASON
    services.episode_assign(actor=team["cii"], episode=episode, to=east)
    assert decide(east, episode.person).decision is Decision.ALLOWED


@pytest.mark.django_db
def test_an_old_return_still_late_keeps_its_alerts_beyond_the_sweeps_watch(team, episode, york):
    """The sweep reads recent returns and open alerts, not every return ever (engine.WATCH): a return
    late for longer than the watch keeps its MP-9 and MP-10 alerts until the condition stops holding."""
    services.episode_found(actor=team["pc"], episode=episode, place="York bus station", self_returned=True)
    at(days=5, minutes=10)
    assert open_alert("MP-9").exists() and open_alert("MP-10").exists()
    raised = {a.rule_id: a.pk for a in Alert.objects.open().filter(rule_id__in=["MP-9", "MP-10"])}
    at(days=60)  # far beyond the watch: the same alerts, still open
    assert {a.rule_id: a.pk for a in Alert.objects.open().filter(rule_id__in=["MP-9", "MP-10"])} == raised
    services.rhi_receive(actor=team["mhet"], episode=episode, summary="Spoke to the child at home")
    at(days=60, minutes=1)
    assert not open_alert("MP-10").exists() and open_alert("MP-9").exists()


@pytest.mark.django_db
def test_places_a_child_is_believed_to_be_count_towards_hotspots(team, make_user):
    from childsafe.missing.rules import hotspots

    children = [
        people_services.person_create(
            actor=None, forenames=name, surname="Rowe", date_of_birth="2009-01-0" + str(i + 1), duplicates_reviewed=True
        ).person
        for i, name in enumerate(["Amy", "Ben", "Cal"])
    ]
    for child in children:
        episode = services.missing_report(actor=team["handler"], child=child, reported_by="Carer").episode
        services.episode_place_believed(actor=team["pc"], episode=episode, place="Former Royal Crescent Hotel, Whitby")
    with pytest.raises(InvalidInput, match="already recorded"):
        services.episode_place_believed(actor=team["pc"], episode=episode, place="former royal crescent hotel whitby")
    with pytest.raises(InvalidInput) as refused:
        services.episode_place_believed(actor=team["pc"], episode=episode, place="  ")
    assert "place" in refused.value.errors
    spots = hotspots(clock.now() + timedelta(minutes=1))
    assert [str(Location.objects.get(pk=pk)) for pk in spots] == ["Former Royal Crescent Hotel, Whitby"]
