"""Five years of synthetic history: closed work the rules are content with, and today's open caseload."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from childsafe.core import clock, engine
from childsafe.core.models import Alert, AuditEvent, OutboxMessage
from childsafe.demo.generator import generate
from childsafe.demo.history import RECENT_DAYS, generate_history
from childsafe.incidents.models import Incident
from childsafe.missing.models import MissingEpisode, ReturnHomeInterview, SafeAndWellCheck
from childsafe.referrals.models import EncompassNotification, Ppn, PpnStatus

SMALL = {"scale": 0.4, "seed": 11, "progress": False, "plant_duplicates": 0.0}


def _snapshot() -> tuple:
    return (
        list(Incident.objects.order_by("created_at", "reference").values_list("type", "created_at", "closed_at")),
        list(
            MissingEpisode.objects.order_by("reported_at").values_list("person_id", "reported_at", "grade", "found_at")
        ),
        list(Ppn.objects.order_by("submitted_at").values_list("status", "submitted_at")),
    )


@pytest.mark.django_db
def test_closed_history_is_complete_so_a_sweep_over_it_raises_nothing():
    generate(**SMALL)
    report = generate_history(scale=SMALL["scale"], history=1, seed=3, progress=False, open_caseload=False)
    assert report.incidents > 50 and report.episodes > 10 and report.ppns > 50 and report.encompass > 0
    now = clock.now()
    oldest = Incident.objects.order_by("created_at").first()
    assert oldest is not None and oldest.created_at < now - timedelta(days=4 * 365)
    # Every record is closed as the services would close it.
    assert not Incident.objects.filter(closed_at__isnull=True).exists()
    episodes = MissingEpisode.objects.all()
    assert not episodes.filter(closed_at__isnull=True).exists()
    assert SafeAndWellCheck.objects.count() == episodes.count() == ReturnHomeInterview.objects.count()
    assert not Ppn.objects.filter(status=PpnStatus.SUBMITTED).exists()
    assert OutboxMessage.objects.filter(kind="encompass").count() == EncompassNotification.objects.count()
    assert Alert.objects.exists() and not Alert.objects.open().exists()  # raised once, cleared
    for episode in episodes.select_related("person")[:20]:
        episode.full_clean()
        assert episode.reported_at.date() - episode.person.date_of_birth > timedelta(days=365)
    result = engine.sweep(use_lease=False)
    assert (result.raised, result.escalated) == (0, 0)


@pytest.mark.django_db
def test_history_multiplies_the_old_closed_work_and_the_open_caseload_stays_the_same():
    generate(**SMALL)
    base = generate_history(scale=SMALL["scale"], history=1, seed=3, progress=False)
    assert base.open["ppns"] and base.open["incidents"]
    opened = {
        "incidents": Incident.objects.filter(closed_at__isnull=True).count(),
        "ppns": Ppn.objects.filter(status=PpnStatus.SUBMITTED).count(),
    }
    first = engine.sweep(use_lease=False)
    assert first.raised > 0  # the open caseload has late work in it
    cut = clock.now() - timedelta(days=RECENT_DAYS)
    old_before = Incident.objects.filter(created_at__lt=cut).count()
    recent_before = Incident.objects.filter(created_at__gte=cut).count()
    more = generate_history(scale=SMALL["scale"], history=4, seed=4, progress=False, open_caseload=False, recent=False)
    assert more.incidents > 3 * base.incidents
    assert Incident.objects.filter(created_at__lt=cut).count() > 4 * old_before
    # The recent window (what MP-5, MP-12 and RF-9 look back over) keeps its size.
    assert Incident.objects.filter(created_at__gte=cut).count() == recent_before
    assert Incident.objects.filter(closed_at__isnull=True).count() == opened["incidents"]
    assert Ppn.objects.filter(status=PpnStatus.SUBMITTED).count() == opened["ppns"]
    second = engine.sweep(use_lease=False)
    assert (second.raised, second.cleared) == (0, 0)  # more closed history, nothing new for the rules
    assert AuditEvent.objects.filter(event_type="demo.history").count() == 2


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_history():
    generate(**SMALL)
    generate_history(scale=SMALL["scale"], history=1, seed=5, progress=False)
    first = _snapshot()
    Alert.objects.all().delete()
    for model in (OutboxMessage, EncompassNotification, SafeAndWellCheck, ReturnHomeInterview):
        model.objects.all().delete()
    from childsafe.referrals.models import StrategyMeeting

    StrategyMeeting.objects.all().delete()
    Ppn.objects.all().delete()
    MissingEpisode.objects.all().delete()
    Incident.objects.all().delete()
    generate_history(scale=SMALL["scale"], history=1, seed=5, progress=False)
    second = _snapshot()
    # Times are drawn relative to now, so compare everything but the times' small drift.
    assert [r[0] for r in first[0]] == [r[0] for r in second[0]]
    assert [(r[0], r[2]) for r in first[1]] == [(r[0], r[2]) for r in second[1]]
    assert [r[0] for r in first[2]] == [r[0] for r in second[2]]


def test_generate_command_takes_history(db):
    out = StringIO()
    call_command("generate", "--scale", "0.1", "--seed", "9", "--history", "1", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "History generated" in text and "Open caseload:" in text
    assert Incident.objects.filter(closed_at__isnull=False).exists()
    assert Ppn.objects.exists()


def test_plant_chronology_gives_one_child_a_long_mixed_record(db):
    from childsafe.demo.history import plant_chronology
    from childsafe.people.chronology import chronology
    from childsafe.people.models import Person

    generate(**SMALL)
    child = Person.objects.filter(date_of_birth__lt=clock.today_london() - timedelta(days=12 * 365)).last()
    planted = plant_chronology(child.pk, 60, seed=2)
    entries = chronology([child.pk])
    mine = [e for e in entries if e.kind not in {"person", "address", "school", "relationship"}]
    assert planted >= 60
    assert len(mine) >= planted - 5  # markers the generator gave the child come on top
    assert {"incident", "missing", "safe_and_well", "ppn", "marker"} <= {e.kind for e in mine}


# The child's first screen, whole request: session, user, the record, the s62 log's transaction, the page
# (its chronology one statement, ADR 0059).
FIRST_SCREEN_QUERIES = 24


def test_the_childs_page_makes_the_same_queries_for_5_50_500_and_5000_mixed_items(db, client, make_user):
    """PL-1: every chronology provider reads a child's records in a fixed number of queries, whatever
    their kinds and count, so the page for a long record costs the same queries as a short one: the first
    screen (the latest entries), the next step of earlier ones, the whole chronology on demand, and one
    kind of entry."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from childsafe.demo.history import plant_chronology
    from childsafe.people.models import Person
    from childsafe.people.views import CHRONOLOGY_PAGE

    generate(**SMALL)
    child = Person.objects.filter(date_of_birth__lt=clock.today_london() - timedelta(days=12 * 365)).first()
    client.force_login(make_user("mhet_reader", "mhet"))
    url = f"/people/{child.pk}/"
    views = {"first": "", "earlier": "?show=230", "whole": "?show=20000", "missing": "?kind=missing"}
    counts: dict[str, list[int]] = {view: [] for view in views}
    entries: dict[str, list[int]] = {view: [] for view in views}
    for items in (5, 45, 450, 4500):
        plant_chronology(child.pk, items, seed=items)
        for view, query in views.items():
            client.get(url + query)  # first view of a record may set up session state: count the steady one
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url + query)
            assert response.status_code == 200
            counts[view].append(len(captured))
            listed = response.content.decode().split('id="chronology-heading"')[1].split("</section>")[0]
            entries[view].append(listed.count("<li"))
    assert entries["whole"][1] > entries["whole"][0] + 40  # the 45 more entries are there on demand
    assert entries["whole"][3] > entries["whole"][2] + 4000 > entries["whole"][1] + 4400
    assert entries["first"] == [min(entries["whole"][0], CHRONOLOGY_PAGE), *[CHRONOLOGY_PAGE] * 3]
    assert entries["earlier"][2:] == [230, 230]
    assert entries["missing"][0] < entries["missing"][1] <= entries["missing"][3] == CHRONOLOGY_PAGE
    for view, sizes in counts.items():
        assert len(set(sizes)) == 1, (view, counts)
    # One kind runs that provider only, in the same one statement (ADR 0059).
    assert counts["missing"][0] <= counts["first"][0] == counts["earlier"][0]
    # Shared reads made once (ADR 0053: 57 statements before, then 42); the chronology one statement (ADR 0059).
    assert counts["first"][0] <= FIRST_SCREEN_QUERIES, counts


def test_a_limited_chronology_is_the_latest_entries_of_the_whole(db):
    """PL-1 (ADR 0036): each provider asked for its latest `limit` entries returns at least those, so the
    child's page's first screen is exactly the head of the whole chronology, for every kind."""
    from childsafe.demo.history import plant_chronology
    from childsafe.people.chronology import FILTERS, chronology
    from childsafe.people.models import Person

    generate(**SMALL)
    child = Person.objects.filter(date_of_birth__lt=clock.today_london() - timedelta(days=12 * 365)).first()
    plant_chronology(child.pk, 80, seed=3)
    whole = chronology([child.pk])
    assert len(whole) > 80
    for kind in (None, *FILTERS):
        full = chronology([child.pk], kind=kind)
        for limit in (1, 7, 31):
            head = chronology([child.pk], limit=limit, kind=kind)
            assert [e.at for e in head] == [e.at for e in full[:limit]], (kind, limit)
            assert set(head) <= set(full), (kind, limit)
    assert chronology([child.pk], kind="no such kind") == []


# The intelligence check's picture (CR-4) of a child with no linked records or possible duplicates.
PICTURE_QUERIES = 22


def test_the_intelligence_check_makes_the_same_few_queries_for_a_short_and_a_long_record(db):
    """CR-4 (ADR 0053): the picture's sections share their reads (the child's record, relationships, a year of
    missing episodes, current assessments, the policy settings), in a fixed number of statements. With the
    probes (ADR 0065) a section with nothing to show makes none, so a short record makes fewer, never more
    than every provider and the probes' one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from childsafe.demo.history import plant_chronology
    from childsafe.people.intelligence import picture
    from childsafe.people.models import Person

    generate(**SMALL)
    child = Person.objects.filter(date_of_birth__lt=clock.today_london() - timedelta(days=12 * 365)).first()
    probed, every = [], []
    for items in (5, 45, 150):
        plant_chronology(child.pk, items, seed=items)
        with CaptureQueriesContext(connection) as captured:
            shown = picture(child)
        probed.append(len(captured))
        with CaptureQueriesContext(connection) as captured:
            picture(child, probes=False)
        every.append(len(captured))
    assert shown.sections  # the planted record shows
    assert every[0] == every[1] == every[2], every  # each provider: a fixed number, however long the record
    assert all(p <= e + 1 for p, e in zip(probed, every, strict=True)), (probed, every)
    assert probed[0] <= probed[1] <= probed[2] <= PICTURE_QUERIES, probed
