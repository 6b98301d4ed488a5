"""QG-3: the performance dashboard through the pages leaders use, and its timeliness figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from childsafe.core import clock, engine
from childsafe.core.models import Alert, AuditCategory, AuditEvent
from childsafe.oversight import dashboard
from childsafe.oversight.dashboard_views import neutralise
from conftest import PASSWORD


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def alert(rule_id: str, *, raised, due, cleared=None, area=None, n: int = 0) -> Alert:
    return Alert.objects.create(
        rule_id=rule_id,
        subject_type="referrals.ppn",
        subject_id=f"{rule_id}-{raised.isoformat()}-{n}",
        subject_label=f"PPN {n}",
        reason="Waiting too long",
        url=f"/referrals/{n}/",
        raised_at=raised,
        last_seen_at=raised,
        due_by=due,
        cleared_at=cleared,
        owner_area=area,
    )


def period_params(start, end, **extra) -> dict:
    return {
        "start_0": start.day,
        "start_1": start.month,
        "start_2": start.year,
        "end_0": end.day,
        "end_1": end.month,
        "end_2": end.year,
        **extra,
    }


@pytest.fixture
def leader(make_user):
    return make_user("supt_lead", "senior_leader")


@pytest.mark.django_db
def test_timeliness_counts_breaches_lateness_and_open_overdue_by_rule_and_area(areas):
    now = clock.now()
    city, east = areas["city"], areas["east"]
    t = now - timedelta(days=10)
    # Cleared before due: met. Cleared 2 h late and 10 h late: breaches. Still open 5 h past due: overdue.
    alert("RF-9", raised=t, due=t + timedelta(hours=4), cleared=t + timedelta(hours=1), area=city, n=1)
    alert("RF-9", raised=t, due=t + timedelta(hours=4), cleared=t + timedelta(hours=6), area=city, n=2)
    alert("RF-9", raised=t, due=t + timedelta(hours=4), cleared=t + timedelta(hours=14), area=east, n=3)
    alert("RF-9", raised=now - timedelta(hours=6), due=now - timedelta(hours=5), area=east, n=4)
    # Outside the period: not counted in it, though the open-overdue count is of now.
    alert("RF-9", raised=now - timedelta(days=400), due=now - timedelta(days=399), cleared=now, area=city, n=5)

    lines = {line.rule_id: line for line in dashboard.timeliness(dashboard.Period.last_days(30), now=now)}
    rf9 = lines["RF-9"].total
    assert (rf9.raised, rf9.met, rf9.breaches, rf9.share_met) == (4, 1, 3, 25)
    assert rf9.median_late == 5.0 and rf9.p90_late == 10.0  # lateness 2, 5, 10 hours
    assert rf9.open_overdue == 1
    assert lines["RF-9"].by_area[city.pk].raised == 2 and lines["RF-9"].by_area[east.pk].open_overdue == 1
    # Every clock rule has its line, with no dashboard code of its own.
    assert set(lines) == {r.id for r in engine.all_rules() if r.is_clock}

    east_only = {ln.rule_id: ln for ln in dashboard.timeliness(dashboard.Period.last_days(30), area_id=east.pk)}
    assert east_only["RF-9"].total.raised == 2


@pytest.mark.django_db
def test_a_new_clock_rule_gets_its_line_with_no_dashboard_code():
    def check(now):
        return []

    engine.register("ZZ-1", kind="clock", title="A test clock", source="test", check=check)
    try:
        now = clock.now()
        alert("ZZ-1", raised=now - timedelta(days=1), due=now - timedelta(hours=1))
        lines = {ln.rule_id: ln for ln in dashboard.timeliness(dashboard.Period.last_days(7))}
        assert lines["ZZ-1"].total.raised == 1 and lines["ZZ-1"].total.open_overdue == 1
    finally:
        engine._RULES.pop("ZZ-1")


@pytest.mark.django_db
def test_a_leader_sees_the_dashboard_and_follows_a_figure_to_the_records(leader, areas):
    now = clock.now()
    alert("RF-9", raised=now - timedelta(days=2), due=now - timedelta(days=1), area=areas["city"], n=7)
    client = client_for(leader)
    page = client.get("/oversight/dashboard/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="chart-timeliness"' in text and "<svg" in text and 'data-testid="rule-RF-9"' in text
    assert "An alert that was not cleared before its due time is a breach" in text
    for table in ("timeliness", "by_area", "trend", "demand", "vat", "dfu", "coverage", "ppn_quality", "audits"):
        assert f'data-testid="table-{table}"' in text
    assert 'href="/oversight/dashboard/alerts/?' in text

    today = clock.today_london()
    records = client.get(
        "/oversight/dashboard/alerts/", period_params(today - timedelta(days=30), today, rule="RF-9", which="late")
    )
    assert records.status_code == 200 and 'href="/referrals/7/"' in records.content.decode()


@pytest.mark.django_db
def test_a_period_ending_before_it_starts_is_refused_plainly(leader):
    today = clock.today_london()
    page = client_for(leader).get("/oversight/dashboard/", period_params(today, today - timedelta(days=3)))
    text = page.content.decode()
    assert "<title>Error: " in text
    assert "The last day of the period must be the same as or after the first day" in text


@pytest.mark.django_db
def test_a_supervisor_sees_only_their_own_area(personas, areas):
    now = clock.now()
    alert("RF-9", raised=now - timedelta(days=2), due=now - timedelta(days=1), area=areas["east"], n=8)
    client = client_for(personas["supervisor"])  # city
    page = client.get("/oversight/dashboard/", {"area": "east"})
    assert page.status_code == 200 and "Performance: City of York" in page.content.decode()
    today = clock.today_london()
    records = client.get(
        "/oversight/dashboard/alerts/",
        period_params(today - timedelta(days=30), today, rule="RF-9", which="raised", area="east"),
    )
    assert 'href="/referrals/8/"' not in records.content.decode()


@pytest.mark.django_db
def test_the_pfcc_sees_figures_but_no_records_behind_them(personas, ella):
    now = clock.now()
    alert("RF-9", raised=now - timedelta(days=2), due=now - timedelta(days=1), n=9)
    client = client_for(personas["pfcc"])
    assert client.get("/").url == "/oversight/dashboard/"
    page = client.get("/oversight/dashboard/")
    assert page.status_code == 200 and "/oversight/dashboard/alerts/" not in page.content.decode()
    assert client.get("/oversight/dashboard/alerts/", {"rule": "RF-9"}).status_code == 403
    # people/access.py hides a child from roles without record access (404, not even "exists").
    assert client.get(f"/people/{ella.pk}/").status_code == 404
    assert client_for(personas["officer"]).get("/oversight/dashboard/").status_code == 403


@pytest.mark.django_db
def test_a_csv_export_is_logged_as_disclosure_and_neutralises_formulae(leader, make_user, areas):
    from childsafe.core.models import LanguageFlag, LanguagePhrase

    phrase = LanguagePhrase.objects.create(phrase="=HYPERLINK(1)", suggestion="x")
    LanguageFlag.objects.create(phrase=phrase, at=clock.now(), field="notes")
    response = client_for(leader).get("/oversight/dashboard/", {"format": "csv", "table": "language"})
    assert response["Content-Disposition"].startswith("attachment;")
    assert "'=HYPERLINK(1),1" in response.content.decode()
    assert AuditEvent.objects.filter(
        actor=leader, event_type="dashboard.export", category=AuditCategory.DISCLOSURE
    ).exists()
    assert [neutralise(v) for v in ("+1", "-2", "@x", "ok", 3)] == ["'+1", "'-2", "'@x", "ok", 3]


@pytest.mark.django_db
def test_the_monthly_trend_puts_each_alert_in_its_london_month():
    from datetime import UTC, date, datetime

    late = datetime(2026, 7, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 August in London (BST)
    alert("RF-9", raised=late, due=late + timedelta(hours=1), cleared=late + timedelta(hours=3), n=1)
    on_time = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
    alert("RF-9", raised=on_time, due=on_time + timedelta(hours=4), cleared=on_time + timedelta(hours=1), n=2)
    trend = dashboard.monthly_breaches(dashboard.Period(date(2026, 7, 1), date(2026, 8, 31)))
    assert trend == [("Jul 2026", 1, 0), ("Aug 2026", 1, 1)]


@pytest.mark.django_db
def test_cases_watched_count_a_ppn_once_in_each_area_its_children_live_in(areas, make_user, york):
    """RF-3's and RF-6's denominators: a PPN about two city children is one city case; a PPN about a city
    child and an east child is a case in each area and one force-wide."""
    from datetime import date

    from childsafe.people.models import Person
    from childsafe.referrals.models import Ppn, PpnChild, PpnShare

    officer = make_user("pc_count", "response_officer", "city")
    now = clock.now()

    def child(name: str, area) -> Person:
        return Person.objects.create(
            forenames=name, surname="Counted", date_of_birth=date(2015, 1, 1), area=area, created_at=now
        )

    city_a, city_b, east_c = child("Ava", areas["city"]), child("Ben", areas["city"]), child("Cal", areas["east"])
    for ref, children in (("P1", [city_a, city_b]), ("P2", [city_a, east_c])):
        ppn = Ppn.objects.create(reference=ref, concern="A concern", submitted_at=now, submitted_by=officer)
        for c in children:
            PpnChild.objects.create(ppn=ppn, person=c, aware={}, voice="Spoke to me", ethnicity="NS")
        PpnShare.objects.create(ppn=ppn, organisation=york, shared_at=now)
    period = dashboard.Period.last_days(7)
    for rule_id in ("RF-3", "RF-6"):
        count = dashboard.DENOMINATORS[rule_id]
        assert (count(period, None), count(period, areas["city"].pk), count(period, areas["east"].pk)) == (2, 2, 1)
