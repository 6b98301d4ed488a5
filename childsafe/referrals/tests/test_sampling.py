"""RF-5: each supervisor's monthly sample of their officers' PPNs, their findings, the clock when the month
ends, and the leaders' view of who did theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock, engine
from childsafe.core import services as core_services
from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import Alert, AuditEvent
from childsafe.referrals import rules, services
from childsafe.referrals.models import PpnReview

# October 2022: BST ends on the 30th, so the month ends at 00:00 GMT on 1 November.
OCT = datetime(2022, 10, 3, 9, 0, tzinfo=UTC)
MONTH_END = datetime(2022, 11, 1, 0, 0, tzinfo=UTC)
AWARE = {k: "seen" for k in rules.AWARE_SECTIONS}


@pytest.fixture(autouse=True)
def in_october():
    clock.set_now(OCT)
    yield
    clock.set_now(None)


@pytest.fixture
def team(personas, make_user):
    personas["officer"].line_manager = personas["supervisor"]
    personas["officer"].save(update_fields=["line_manager"])
    return {
        **personas,
        "leader": make_user("supt", "senior_leader"),
        "other_sgt": make_user("sgt_east", "supervisor", "east"),
    }


def submit(team, ella, n, start=OCT):
    ppns = []
    for i in range(n):
        clock.set_now(start + timedelta(hours=i))
        ppns.append(
            services.ppn_submit(
                actor=team["officer"],
                concern=f"Concern {i}",
                children=[services.PpnChildInput(ella, dict(AWARE), "She spoke to me", "W1")],
                other_children="None",
            ).ppn
        )
    return ppns


@pytest.mark.django_db
def test_the_sample_is_ten_percent_rounded_up_picked_the_same_way_every_time(team, ella):
    submit(team, ella, 11)
    month = rules.month_of(OCT)
    sample = rules.ppn_sample(team["supervisor"].pk, month)
    assert (sample.submitted, sample.required, len(sample.picked)) == (11, 2, 2)
    assert rules.ppn_sample(team["supervisor"].pk, month).picked == sample.picked
    # Nobody else's officers: an empty sample.
    assert rules.ppn_sample(team["other_sgt"].pk, month).required == 0
    # One PPN alone still needs a review; a different month is a different sample.
    assert rules.sample_required(1) == 1 and rules.sample_required(0) == 0


@pytest.mark.django_db
def test_findings_are_kept_and_audited_and_bad_ones_change_nothing(team, ella):
    ppns = submit(team, ella, 11)
    sample = rules.ppn_sample(team["supervisor"].pk, rules.month_of(OCT))
    picked = [p for p in ppns if p.pk in sample.picked]
    not_picked = next(p for p in ppns if p.pk not in sample.picked)
    sgt = team["supervisor"]
    with pytest.raises(InvalidInput) as bad:
        services.ppn_review_record(actor=sgt, ppn=picked[0], quality="brilliant", note=" ")
    assert set(bad.value.errors) == {"quality", "note"}
    with pytest.raises(InvalidInput, match="is not in your sample for October 2022"):
        services.ppn_review_record(actor=sgt, ppn=not_picked, quality="good", note="Fine")
    with pytest.raises(AccessDenied, match="Only the line manager"):
        services.ppn_review_record(actor=team["other_sgt"], ppn=picked[0], quality="good", note="Fine")
    assert not PpnReview.objects.exists()
    review = services.ppn_review_record(actor=sgt, ppn=picked[0], quality="needs_improvement", note="AWARE thin")
    assert (review.quality, review.month.isoformat()) == ("needs_improvement", "2022-10-01")
    assert AuditEvent.objects.filter(event_type="ppn.review", person_id=ella.pk).count() == 1
    with pytest.raises(InvalidInput, match="already recorded your findings"):
        services.ppn_review_record(actor=sgt, ppn=picked[0], quality="good", note="Changed my mind")
    assert PpnReview.objects.get().quality == "needs_improvement"
    # Reviewed PPNs stay in the sample as more PPNs arrive.
    submit(team, ella, 10, start=OCT + timedelta(days=5))
    later = rules.ppn_sample(sgt.pk, rules.month_of(OCT))
    assert picked[0].pk in later.picked and later.required == 3 and len(later.picked) == 3


@pytest.mark.django_db
def test_rf5_alerts_when_the_month_ends_short_and_clears_when_done(team, ella):
    submit(team, ella, 11)
    sgt = team["supervisor"]
    assert engine.get("RF-5").horizon(clock.now()) == MONTH_END
    clock.set_now(MONTH_END - timedelta(seconds=1))
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-5").exists()
    clock.set_now(MONTH_END)
    engine.sweep()
    alert = Alert.objects.open().get(rule_id="RF-5")
    assert alert.owner_user_id == sgt.pk and alert.subject_id == f"{sgt.pk}:2022-10"
    assert "0 of the 2 PPNs in your October 2022 sample" in alert.reason
    picked = rules.ppn_sample(sgt.pk, rules.month_of(OCT)).picked
    services.ppn_review_record(actor=sgt, ppn=services.Ppn.objects.get(pk=picked[0]), quality="good", note="Good")
    engine.sweep()
    assert Alert.objects.open().filter(rule_id="RF-5").exists()
    services.ppn_review_record(actor=sgt, ppn=services.Ppn.objects.get(pk=picked[1]), quality="good", note="Good")
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-5").exists()
    # The share is a force setting: raised to 20%, three are needed, and the alert comes back.
    core_services.setting_change(actor=team["administrator"], key=rules.SAMPLE_PERCENT.key, value="20")
    engine.sweep()
    assert "2 of the 3 PPNs" in Alert.objects.open().get(rule_id="RF-5").reason


@pytest.mark.django_db
def test_the_supervisor_samples_and_records_findings_on_the_page(client, team, ella):
    ppns = submit(team, ella, 3)
    picked = rules.ppn_sample(team["supervisor"].pk, rules.month_of(OCT)).picked
    client.force_login(team["supervisor"])
    assert reverse("referrals:sample") in client.get(reverse("referrals:queue")).content.decode()
    page = client.get(reverse("referrals:sample")).content.decode()
    assert "PPN sample for October 2022" in page and "submitted 3 PPNs" in page
    assert reverse("referrals:sample_review", args=[picked[0]]) in page
    url = reverse("referrals:sample_review", args=[picked[0]])
    form = client.get(url).content.decode()
    assert "Ella Hughes" in form and "Needs improvement" in form
    refused = client.post(url, {"quality": "good", "note": ""})
    assert refused.status_code == 200 and "Write what you found" in refused.content.decode()
    assert not PpnReview.objects.exists()
    done = client.post(url, {"quality": "good", "note": "Clear and complete."})
    assert done["Location"] == f"{reverse('referrals:sample')}?month=2022-10"
    page = client.get(done["Location"]).content.decode()
    assert "Clear and complete." in page and "This month's sample is done." in page
    other = next(p for p in ppns if p.pk not in picked)
    outside = client.post(reverse("referrals:sample_review", args=[other.pk]), {"quality": "good", "note": "x"})
    assert "is not in your sample" in outside.content.decode()
    bad_month = client.get(reverse("referrals:sample"), {"month": "October"})
    assert "Enter the month as year and month, for example 2022-10." in bad_month.content.decode()


@pytest.mark.django_db
def test_who_may_open_the_sample_pages(client, team, ella):
    ppn = submit(team, ella, 1)[0]
    for who in ("officer", "other_sgt"):
        client.force_login(team[who])
        assert client.get(reverse("referrals:sample")).status_code == 403
        assert client.get(reverse("referrals:sample_review", args=[ppn.pk])).status_code == 403
        assert (
            client.post(reverse("referrals:sample_review", args=[ppn.pk]), {"quality": "good", "note": "x"}).status_code
            == 403
        )
    assert not PpnReview.objects.exists()
    for who in ("supervisor", "officer", "right_school"):
        client.force_login(team[who])
        assert client.get(reverse("referrals:sampling")).status_code == 403


@pytest.mark.django_db
def test_leaders_see_each_supervisors_compliance(client, team, ella):
    submit(team, ella, 11)
    clock.set_now(MONTH_END + timedelta(days=2))
    client.force_login(team["leader"])
    page = client.get(reverse("referrals:sampling")).content.decode()
    assert "PPN sampling for October 2022" in page
    assert "1 of 1 line manager did not finish their sample for October 2022." in page
    assert "Short by 2" in page
    sgt = team["supervisor"]
    for pk in rules.ppn_sample(sgt.pk, rules.month_of(OCT)).picked:
        services.ppn_review_record(actor=sgt, ppn=services.Ppn.objects.get(pk=pk), quality="good", note="ok")
    page = client.get(reverse("referrals:sampling"), {"month": "2022-10"}).content.decode()
    assert "Every line manager finished their sample for October 2022." in page
    assert (
        "Enter the month as year and month"
        in client.get(reverse("referrals:sampling"), {"month": "13-2022"}).content.decode()
    )


@pytest.mark.django_db
def test_each_ppn_counts_in_its_london_month_across_the_clocks_changing(team, ella):
    """23:30 UTC on 30 September 2022 is 00:30 on 1 October in London (BST); 23:30 UTC on 31 October is
    23:30 on the 31st (GMT again): both are October's."""
    from datetime import date

    submit(team, ella, 1, start=datetime(2022, 9, 30, 23, 30, tzinfo=UTC))
    submit(team, ella, 1, start=datetime(2022, 9, 30, 22, 30, tzinfo=UTC))  # 23:30 BST: September's
    submit(team, ella, 1, start=datetime(2022, 10, 31, 23, 30, tzinfo=UTC))
    clock.set_now(datetime(2022, 11, 5, tzinfo=UTC))
    counts = rules.sampling_counts(date(2022, 9, 1), date(2022, 10, 1))
    supervisor = team["supervisor"].pk
    assert counts[(supervisor, date(2022, 10, 1))][0] == 2
    assert counts[(supervisor, date(2022, 9, 1))][0] == 1
