"""RF-7's page: where the alert leads, to submit the PPN or (an inspector, a superintendent beyond 24 hours
past the deadline) approve a delay with its rationale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock, engine
from childsafe.core.errors import RuleRefusal
from childsafe.core.models import Alert, AuditEvent
from childsafe.referrals import rules, services
from childsafe.referrals.models import PpnDelay

T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)
AWARE = {k: "seen" for k in rules.AWARE_SECTIONS}


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def team(personas, make_user):
    return {
        **personas,
        "inspector": make_user("insp", "cii", "city", rank="inspector"),
        "supt": make_user("supt", "senior_leader", rank="superintendent"),
    }


@pytest.fixture
def check(team, ella):
    from childsafe.missing import services as missing

    episode = missing.missing_report(actor=team["handler"], child=ella, reported_by="Mother").episode
    missing.episode_found(actor=team["officer"], episode=episode, place="Home")
    made, _ = missing.episode_safe_and_well(
        actor=team["officer"],
        episode=episode,
        where="Flat in town",
        with_whom="older males",
        harm="none seen",
        disclosures="owes money",
        voice="I owe them",
        aware=dict(AWARE),
        new_concerns=True,
    )
    return made


def _date(prefix: str, when: datetime) -> dict[str, str]:
    london = when.astimezone(clock.LONDON)
    return {f"{prefix}_0": str(london.day), f"{prefix}_1": str(london.month), f"{prefix}_2": str(london.year)}


def delay_post(until: datetime, rationale: str = "Until the warrant is executed") -> dict[str, str]:
    return {
        "rationale": rationale,
        **_date("until_on", until),
        "until_time": until.astimezone(clock.LONDON).strftime("%H:%M"),
    }


@pytest.mark.django_db
def test_the_rf7_alert_and_the_episode_lead_to_the_page(client, team, ella, check):
    url = reverse("referrals:delay", args=[check.pk])
    clock.set_now(T0 + timedelta(hours=24))
    engine.sweep()
    assert Alert.objects.open().get(rule_id="RF-7").url == url
    client.force_login(team["officer"])
    episode_page = client.get(reverse("missing:detail", args=[check.episode_id])).content.decode()
    assert url in episode_page
    page = client.get(url).content.decode()
    assert "No PPN yet" in page and f"{reverse('referrals:submit')}?check={check.pk}" in page
    assert "Approve the delay" not in page and "an inspector approves the delay on this page" in page
    assert AuditEvent.objects.filter(event_type="ppn.delay_view", person_id=ella.pk).exists()
    services.ppn_submit(
        actor=team["officer"],
        concern="Debt bondage",
        children=[services.PpnChildInput(ella, dict(AWARE), "I owe them", "W1")],
    )
    assert url not in client.get(reverse("missing:detail", args=[check.episode_id])).content.decode()
    assert "PPN submitted" in client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.django_db
def test_a_ppn_from_the_check_carries_its_aware_voice_and_the_recorded_ethnicity(client, team, ella, check):
    ella.ethnicity_self_defined = "W1"
    ella.save(update_fields=["ethnicity_self_defined"])
    client.force_login(team["officer"])
    episode_page = client.get(reverse("missing:detail", args=[check.episode_id])).content.decode()
    assert f"{reverse('referrals:submit')}?check={check.pk}" in episode_page
    form = client.get(reverse("referrals:submit"), {"check": check.pk}).context["form"]
    assert form.initial[f"c{ella.pk}_voice"] == "I owe them"
    assert all(form.initial[f"c{ella.pk}_{key}"] == text for key, text in AWARE.items())
    assert form.initial[f"c{ella.pk}_ethnicity"] == "W1"
    page = client.get(reverse("referrals:submit"), {"check": check.pk}).content.decode()
    assert 'data-testid="from-check"' in page and "I owe them" in page


def test_an_officer_may_not_approve_a_delay(client, team, check):
    client.force_login(team["officer"])
    response = client.post(reverse("referrals:delay", args=[check.pk]), delay_post(T0 + timedelta(hours=30)))
    assert response.status_code == 403 and not PpnDelay.objects.exists()
    client.force_login(team["right_school"])
    assert client.get(reverse("referrals:delay", args=[check.pk])).status_code == 403


@pytest.mark.django_db
def test_an_inspector_approves_with_a_rationale_and_refusals_are_form_errors(client, team, check):
    url = reverse("referrals:delay", args=[check.pk])
    client.force_login(team["inspector"])
    assert "Approve the delay" in client.get(url).content.decode()
    blank = client.post(url, delay_post(T0 + timedelta(hours=30), rationale=""))
    assert "Enter why the PPN must wait" in blank.content.decode()
    past = client.post(url, delay_post(T0 - timedelta(hours=1)))
    assert "The delay must end in the future." in past.content.decode()
    too_long = client.post(url, delay_post(T0 + timedelta(days=3)))
    assert too_long.status_code == 200
    assert "needs a superintendent&#x27;s approval. (RF-7)" in too_long.content.decode()
    bad_time = client.post(url, {**delay_post(T0 + timedelta(hours=30)), "until_time": "25:99"})
    assert "Enter the time as hours and minutes" in bad_time.content.decode()
    assert not PpnDelay.objects.exists()
    done = client.post(url, delay_post(T0 + timedelta(hours=30)))
    assert done.status_code == 302
    delay = PpnDelay.objects.get()
    assert delay.approved_by == team["inspector"] and delay.until == T0 + timedelta(hours=30)
    assert AuditEvent.objects.filter(event_type="ppn.delay").count() == 1
    page = client.get(url).content.decode()
    assert "Until the warrant is executed" in page and "Delay approved until" in page
    clock.set_now(T0 + timedelta(hours=24))
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-7").exists()


@pytest.mark.django_db
def test_a_superintendent_approves_beyond_24_hours(client, team, ella, check):
    client.force_login(team["supt"])
    session = client.session
    session["person_justifications"] = {str(ella.pk): "Approving a delay to the PPN (RF-7)"}
    session.save()
    done = client.post(reverse("referrals:delay", args=[check.pk]), delay_post(T0 + timedelta(days=3)))
    assert done.status_code == 302 and PpnDelay.objects.get().approved_by == team["supt"]


@pytest.mark.django_db
def test_the_officer_who_owes_the_ppn_cannot_approve_their_own_delay(team, check):
    check.by = team["inspector"]
    check.save(update_fields=["by"])
    with pytest.raises(RuleRefusal, match="other than the officer the PPN is due from"):
        services.ppn_delay_approve(
            actor=team["inspector"],
            check=check,
            rationale="x",
            until=T0 + timedelta(hours=30),
            approved_by=team["inspector"],
        )
    assert not PpnDelay.objects.exists()


@pytest.mark.django_db
def test_a_check_without_new_concerns_has_no_delay_page(client, team, check):
    check.new_concerns = False
    check.save(update_fields=["new_concerns"])
    client.force_login(team["inspector"])
    assert client.get(reverse("referrals:delay", args=[check.pk])).status_code == 404


# -- RF-7 on any other record (a suspect's access to children...) ---------------------------------------
@pytest.fixture
def requirement(team, ella):
    from childsafe.core.models import AuditEvent as _AuditEvent

    # Any saved record stands for the one that showed the risk: here, an audit row.
    record = _AuditEvent.objects.order_by("pk").first()
    return services.ppn_requirement_open(
        subject=record, children=[ella], due_from=team["officer"], reason="Lives with a suspect.", url="/"
    )


@pytest.mark.django_db
def test_the_requirement_page_leads_to_the_ppn_and_an_inspector_approves_a_delay(client, team, ella, requirement):
    url = reverse("referrals:requirement", args=[requirement.pk])
    clock.set_now(T0 + timedelta(hours=24, minutes=1))
    engine.sweep()
    alert = Alert.objects.open().get(rule_id="RF-7", subject_id=requirement.subject_id)
    assert alert.url == url and alert.subject_type == requirement.subject_type
    client.force_login(team["officer"])
    page = client.get(url).content.decode()
    assert "No PPN yet" in page and f"requirement={requirement.pk}" in page
    assert client.post(url, delay_post(T0 + timedelta(hours=30))).status_code == 403
    client.force_login(team["inspector"])
    session = client.session
    session["person_justifications"] = {str(ella.pk): "Approving a delay to the PPN (RF-7)"}
    session.save()
    too_long = client.post(url, delay_post(T0 + timedelta(days=3)))
    assert "superintendent" in too_long.content.decode() and not PpnDelay.objects.exists()
    done = client.post(url, delay_post(T0 + timedelta(hours=40)))
    assert done.status_code == 302
    assert PpnDelay.objects.get().requirement == requirement
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-7").exists()
