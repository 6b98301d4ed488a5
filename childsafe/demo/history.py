"""Five years of synthetic records for a generated force: the history a real force's database holds.

`generate_history` adds, to the people `generator.generate` made, what the force did about its children:
child-welfare incidents, missing episodes from report to closure (grading, lines of enquiry, supervisory
reviews, the safe and well check, the local authority told, the return home interview back), PPNs with
their triage and sharing, Operation Encompass notifications with their delivered emails, strategy
meetings, and the alerts the rules raised and cleared along the way. All of that is CLOSED: done as the
rules require, so a sweep over it finds nothing. On top, an OPEN caseload: today's work in every state
(children missing now, returned and waiting for their checks, PPNs waiting for VAT, shares waiting for
a partner, Encompass emails waiting for the school day, strategy actions due), some of it already late,
so the sweep has findings to raise.

`history` multiplies the closed records older than RECENT_DAYS (the rules' longest look-back, MP-5's and
MP-12's 90 days, with a margin): 5 and 25 are a force with five or twenty-five times the past. The last
RECENT_DAYS of closed work and the open caseload keep their size (they scale with the force, `scale`,
not with `history`), so a sweep timed at history 1, 5 and 25 shows whether it grows with history or
only with open work (bench/sweep.py).

Same habits as the generator: seeded (the same force, seed and history give the same records), rows
written with `generator._insert` a month at a time, memory bounded by the month, a progress bar.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models

from childsafe.core import audit, clock
from childsafe.core.models import Alert, AuditCategory, AuditEvent, OutboxMessage, OutboxStatus, User
from childsafe.core.roles import Role
from childsafe.incidents.models import Incident, IncidentPerson, IncidentType
from childsafe.missing.models import (
    EpisodeLocation,
    LineOfEnquiry,
    MissingEpisode,
    ReturnHomeInterview,
    SafeAndWellCheck,
    SupervisoryReview,
)
from childsafe.people.models import ADULT_AGE, Location, Organisation, Person, SchoolEnrolment
from childsafe.referrals import encompass
from childsafe.referrals.models import (
    EncompassNotification,
    Ppn,
    PpnChild,
    PpnShare,
    PpnStatus,
    StrategyAction,
    StrategyMeeting,
)

YEARS = 5
RECENT_DAYS = 120  # closed work this recent keeps its size whatever `history` is
MONTH_DAYS = 30
# Closed records a year, per unit of scale (about 5,000 people, 1,100 children).
INCIDENTS_PER_YEAR = 60  # child-welfare incidents with a child on them (not missing reports)
EPISODES_PER_YEAR = 14  # missing episodes, each with its own missing-report incident
PPNS_PER_YEAR = 60
MEETINGS_PER_YEAR = 5
# The open caseload, per unit of scale: what is in progress today.
OPEN_INCIDENTS = 4
OPEN_MISSING = 0.6  # children missing now
OPEN_RETURNED = 1.2  # back, episode not yet closed (checks to do)
OPEN_PPNS = 3  # waiting for VAT
OPEN_SHARES = 1.5  # shared, waiting for the partner's acknowledgement
OPEN_ACTIONS = 0.6  # strategy meeting actions not done
OFFICERS = 40  # synthetic officers the records name

WELFARE_TYPES = (
    (IncidentType.DOMESTIC_ABUSE, 40),
    (IncidentType.CHILD_CONCERN, 30),
    (IncidentType.ONLINE_ABUSE, 10),
    (IncidentType.CONCERN_FOR_SAFETY, 20),
)
AWARE = {
    "appearance": "Clean and dressed for the weather; tired.",
    "words": "Said home is 'fine' and did not want to talk about it.",
    "activity": "Playing on a phone, not looking up.",
    "relationships": "Close to an older sibling; wary of the adults present.",
    "environment": "Kitchen empty, heating off, empty cans in the living room.",
}
VOICE = "Spoken to alone: 'I just want it to stop being loud at night.'"


@dataclass
class HistoryReport:
    seed: int
    history: float
    incidents: int = 0
    episodes: int = 0
    ppns: int = 0
    encompass: int = 0
    meetings: int = 0
    alerts: int = 0
    rows: int = 0
    open: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "history": self.history,
            "incidents": self.incidents,
            "episodes": self.episodes,
            "ppns": self.ppns,
            "encompass": self.encompass,
            "meetings": self.meetings,
            "alerts": self.alerts,
            "rows": self.rows,
            "open": dict(sorted(self.open.items())),
            "seconds": round(self.seconds, 1),
        }

    def lines(self) -> list[str]:
        open_work = ", ".join(f"{k} {v:,}" for k, v in sorted(self.open.items())) or "none"
        return [
            f"History generated in {self.seconds:.1f} s (history {self.history:g}, seed {self.seed}): "
            f"{self.rows:,} rows.",
            f"  Closed incidents:    {self.incidents:,} (and {self.episodes:,} missing episodes)",
            f"  PPNs:                {self.ppns:,}",
            f"  Encompass:           {self.encompass:,}",
            f"  Strategy meetings:   {self.meetings:,}",
            f"  Cleared alerts:      {self.alerts:,}",
            f"  Open caseload:       {open_work}",
        ]


@dataclass(frozen=True)
class _Child:
    id: int
    dob: Any  # date
    la_id: int | None
    area_id: int | None
    school_id: int | None


def generate_history(
    *,
    scale: float,
    history: float = 1.0,
    seed: int = 1,
    progress: bool = True,
    open_caseload: bool = True,
    recent: bool = True,
    years: int = YEARS,
) -> HistoryReport:
    """Add `years` of closed records (x `history` beyond the last RECENT_DAYS) and, if asked, the open caseload.

    `recent=False` leaves out the last RECENT_DAYS: for adding more past to a force that already has its
    history (history 1, then 4 more without the recent days, is history 5). Call inside the generator's
    transaction (or your own): the rows are many and all-or-nothing.
    """
    if history < 0:
        raise ValueError("history is a multiplier of closed records: 0 or more (1 is a force's usual five years).")
    return _HistoryBuilder(scale=scale, history=history, seed=seed, progress=progress, years=years).run(
        open_caseload=open_caseload, recent=recent
    )


def plant_chronology(person_id: int, items: int, *, seed: int = 1) -> int:
    """Give one child a long record: about `items` chronology entries (incidents, missing episodes with
    their checks, PPNs, Encompass notices, strategy meetings, markers) over the last five years. Returns
    the number planted (a little over `items`: an episode brings several entries). For bench/child_page.py.
    """
    if items < 1:
        raise ValueError("items is how many chronology entries to plant: 1 or more.")
    from childsafe.demo.generator import _insert

    builder = _HistoryBuilder(scale=1, history=1, seed=seed, progress=False, years=YEARS)
    builder.insert = _insert
    builder.officers = builder._officers()
    builder.orgs = {
        o.pk: (o.email or o.key_adult_email, o.name)
        for o in Organisation.objects.only("pk", "email", "key_adult_email", "name")
    }
    builder.places = list(Location.objects.order_by("pk").values_list("pk", flat=True)[:200])
    return builder.plant(person_id, items)


def _prep(model: type[models.Model], name: str, value: Any) -> Any:
    """A JSON (or other) value prepared once for `_insert`, as the field would store it."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


class _HistoryBuilder:
    def __init__(self, *, scale: float, history: float, seed: int, progress: bool, years: int) -> None:
        self.rng = random.Random(f"history:{seed}")
        self.scale = scale
        self.history = history
        self.seed = seed
        self.progress = progress
        self.years = years
        self.now = clock.now()
        self.report = HistoryReport(seed=seed, history=history)
        # References unique across runs: a second call (more history) numbers its own series.
        self.batch = AuditEvent.objects.filter(event_type__in=["demo.history", "demo.chronology"]).count() + 1
        self.counter = 0
        self.dt = connection.ops.adapt_datetimefield_value
        self.aware = _prep(SafeAndWellCheck, "aware", AWARE)
        self.ppn_aware = _prep(PpnChild, "aware", AWARE)
        self.empty_json = _prep(MissingEpisode, "questionnaire", {})

    # -- setting up -------------------------------------------------------------------------------
    def _load(self) -> None:
        from childsafe.demo.generator import _insert  # the generator's lean bulk insert

        self.insert = _insert
        today = clock.today_london()
        adult_cut = today.replace(year=today.year - ADULT_AGE, day=min(today.day, 28))
        schools = dict(SchoolEnrolment.objects.filter(valid_to__isnull=True).values_list("person_id", "school_id"))
        self.children = [
            _Child(pk, dob, la, area, schools.get(pk))
            for pk, dob, la, area in Person.objects.filter(date_of_birth__gt=adult_cut, synthetic_truth_id__isnull=True)
            .order_by("pk")
            .values_list("pk", "date_of_birth", "local_authority_id", "area_id")
        ]
        if not self.children:
            raise ValueError("The force has no children to give a history: generate the people first.")
        self.teens = [c for c in self.children if (today - c.dob).days > 11 * 365] or self.children
        locations = list(Location.objects.order_by("pk").values_list("pk", flat=True)[:20_000])
        self.places = self.rng.sample(locations, min(len(locations), 2_000)) if locations else []
        self.officers = self._officers()
        # Organisation id -> (the address its messages go to, its name).
        self.orgs = {
            o.pk: (o.email or o.key_adult_email, o.name)
            for o in Organisation.objects.only("pk", "email", "key_adult_email", "name")
        }

    def _officers(self) -> dict[str, list[int]]:
        """A few synthetic officers per role, created once, without a password (nobody logs in as them)."""
        roles = (Role.RESPONSE_OFFICER, Role.FIM, Role.CII, Role.SUPERVISOR, Role.VAT, Role.MHET)
        per_role = max(2, OFFICERS // len(roles))
        wanted = [(f"history-{role}-{n:02d}", role) for role in roles for n in range(per_role)]
        existing = set(User.objects.filter(username__in=[u for u, _ in wanted]).values_list("username", flat=True))
        for username, role in wanted:
            if username not in existing:
                user = User(username=username, role=role, first_name="Synthetic", last_name=username.split("-")[-1])
                user.set_unusable_password()
                user.save()
        out: dict[str, list[int]] = {}
        for pk, role in User.objects.filter(username__in=[u for u, _ in wanted]).values_list("pk", "role"):
            out.setdefault(role, []).append(pk)
        for ids in out.values():
            ids.sort()
        return out

    def _officer(self, role: str) -> int:
        return self.rng.choice(self.officers[role])

    def _ref(self, prefix: str, at: datetime) -> str:
        self.counter += 1
        return f"{prefix}{self.batch}-{at.astimezone(clock.LONDON):%Y%m%d}-{self.counter:06d}"

    def _child(self, at: datetime, pool: list[_Child] | None = None) -> _Child:
        pool = pool or self.children
        day = at.date()
        for _ in range(20):
            child = pool[self.rng.randrange(len(pool))]
            if (day - child.dob).days > 365:
                return child
        return child

    def _between(self, start: datetime, end: datetime) -> datetime:
        return start + timedelta(seconds=self.rng.uniform(0, (end - start).total_seconds()))

    # -- the run ----------------------------------------------------------------------------------
    def run(self, *, open_caseload: bool, recent: bool) -> HistoryReport:
        from tqdm import tqdm

        started = time.monotonic()
        self._load()
        months = (self.years * 365) // MONTH_DAYS
        with tqdm(total=months, unit=" months", disable=not self.progress, desc="Generating the history") as bar:
            for k in range(months):
                end = self.now - timedelta(days=k * MONTH_DAYS)
                start = end - timedelta(days=MONTH_DAYS)
                recent_month = k * MONTH_DAYS < RECENT_DAYS
                factor = self.history if not recent_month else min(self.history, 1.0) if recent else 0.0
                if factor:
                    self._month(start, end, self.scale * factor * MONTH_DAYS / 365)
                bar.update(1)
        if open_caseload:
            self._open_caseload()
        self.report.seconds = time.monotonic() - started
        audit.record(
            actor=None,
            category=AuditCategory.COLLECTION,
            event_type="demo.history",
            subject_type="demo",
            subject_id=self.seed,
            new=self.report.as_dict(),
            channel="cli",
        )
        return self.report

    def _count(self, expected: float, *, at_least: int = 0) -> int:
        """A whole number of records with `expected` as its mean (the fraction drawn)."""
        whole = int(expected)
        return max(at_least, whole + (self.rng.random() < expected - whole))

    # -- one month of closed work -------------------------------------------------------------------
    def _month(self, start: datetime, end: datetime, units: float) -> None:
        rows = _Rows()
        for _ in range(self._count(INCIDENTS_PER_YEAR * units)):
            self._closed_incident(rows, self._between(start, end))
        for _ in range(self._count(EPISODES_PER_YEAR * units)):
            self._closed_episode(rows, self._between(start, end))
        for _ in range(self._count(PPNS_PER_YEAR * units)):
            self._closed_ppn(rows, self._between(start, end))
        for _ in range(self._count(MEETINGS_PER_YEAR * units)):
            self._meeting(rows, self._between(start, end), done=True)
        rows.write(self)

    def _incident(self, rows: _Rows, at: datetime, kind: str, child: _Child, *, closed: bool, present=True) -> int:
        key = rows.add_incident(
            (
                self._ref("NYH", at),
                kind,
                self.rng.choice((1, 2, 2, 3)),
                f"{self.rng.randint(1, 120)} Synthetic Street",
                "Synthetic record: " + kind.replace("_", " ") + " with a child present.",
                child.area_id,
                self.dt(at),
                self._officer(Role.RESPONSE_OFFICER),
                self.dt(at + timedelta(days=self.rng.randint(1, 20))) if closed else None,
                "Safeguarding done; referred to partners." if closed else "",
                self.dt(at),  # recorded as it happened
            ),
            (child.id, "child", present, True),
        )
        if closed:
            self.report.incidents += kind != IncidentType.MISSING
        return key

    def _closed_incident(self, rows: _Rows, at: datetime, child: _Child | None = None) -> None:
        rng = self.rng
        kind = rng.choices([t for t, _ in WELFARE_TYPES], weights=[w for _, w in WELFARE_TYPES])[0]
        child = child or self._child(at)
        key = self._incident(rows, at, kind, child, closed=True)
        if kind == IncidentType.DOMESTIC_ABUSE and self._encompass(rows, key, child, at):
            self.report.encompass += 1

    def _school_age(self, child: _Child, at: datetime) -> bool:
        day = at.astimezone(clock.LONDON).date()
        age = day.year - child.dob.year - ((day.month, day.day) < (child.dob.month, child.dob.day))
        return encompass.MIN_AGE <= age <= encompass.MAX_AGE

    def _encompass(self, rows: _Rows, key: int, child: _Child, at: datetime) -> bool:
        """RF-9, as `referrals.encompass` defines it: a child of school age on the day is notified, to the
        school or, with no known school, the local authority; delivered two hours before it was due."""
        day = at.astimezone(clock.LONDON).date()
        age = day.year - child.dob.year - ((day.month, day.day) < (child.dob.month, child.dob.day))
        to = child.school_id or child.la_id
        if not (encompass.MIN_AGE <= age <= encompass.MAX_AGE and to):
            return False
        due = at + timedelta(hours=self.rng.randint(8, 40))
        delivered = due - timedelta(hours=2)
        rows.encompass.append(
            (key, child.id, to, child.school_id is None, at, due, delivered if delivered < self.now else None)
        )
        return True

    def _closed_episode(self, rows: _Rows, reported: datetime, child: _Child | None = None) -> _Episode:
        rng = self.rng
        child = child or self._child(reported, self.teens)
        incident = self._incident(rows, reported, IncidentType.MISSING, child, closed=True, present=False)
        graded = reported + timedelta(minutes=rng.randint(5, 28))
        grade = "high" if rng.random() < 0.25 else "medium"
        found = graded + timedelta(hours=rng.uniform(2, 40))
        checked = found + timedelta(hours=rng.uniform(1, 20))
        told = found + timedelta(minutes=rng.randint(5, 50))
        rhi = found + timedelta(days=rng.uniform(1, 4))
        closed = rhi + timedelta(days=rng.uniform(0.2, 3))
        new_concerns = rng.random() < 0.2
        rows.episodes.append(
            _Episode(
                incident=incident,
                child=child,
                reported=reported,
                graded=graded,
                grade=grade,
                found=found,
                closed=closed,
                checked=checked,
                told=told,
                rhi=rhi,
                new_concerns=new_concerns,
                place=rng.choice(self.places) if self.places and rng.random() < 0.7 else None,
                actions=[(graded + timedelta(minutes=rng.randint(5, 25)), True) for _ in range(rng.randint(1, 3))],
                reviews=int((found - graded) / timedelta(hours=2 if grade == "high" else 6)),
            )
        )
        self.report.episodes += 1
        if new_concerns:  # MP-8: a PPN follows the check's new concerns
            self._closed_ppn(rows, checked + timedelta(hours=rng.uniform(1, 12)), child=child)
        return rows.episodes[-1]

    def _closed_ppn(self, rows: _Rows, at: datetime, child: _Child | None = None) -> None:
        rng = self.rng
        child = child or self._child(at)
        triaged = at + timedelta(hours=rng.uniform(1, 20))
        status = rng.choices((PpnStatus.SHARED, PpnStatus.NO_FURTHER_ACTION, PpnStatus.RETURNED), weights=(60, 32, 8))[
            0
        ]
        share_to = child.la_id if status == PpnStatus.SHARED else None
        rows.ppns.append(
            (self._ref("PPH", at), child, at, status, triaged, share_to, triaged + timedelta(hours=rng.uniform(1, 20)))
        )
        self.report.ppns += 1
        if rng.random() < 0.1:  # RF-3 raised an alert that triage then cleared
            rows.alerts.append(("RF-3", "referrals.ppn", len(rows.ppns) - 1, child.id, at, triaged))

    def _meeting(self, rows: _Rows, at: datetime, *, done: bool, child: _Child | None = None) -> None:
        rng = self.rng
        child = child or self._child(at, self.teens)
        actions = [
            (at + timedelta(days=rng.randint(1, 14)), done or rng.random() < 0.3) for _ in range(rng.randint(1, 3))
        ]
        rows.meetings.append((child, at, actions))
        self.report.meetings += 1

    # -- one child's long record -----------------------------------------------------------------------
    def plant(self, person_id: int, items: int) -> int:
        """About `items` chronology entries of every kind on one child's record; returns how many."""
        from childsafe.demo.generator import MARKER_COLUMNS
        from childsafe.people.models import WarningMarker
        from childsafe.people.vocabulary import MarkerType

        rng = self.rng
        person = Person.objects.get(pk=person_id)
        school = (
            SchoolEnrolment.objects.filter(person_id=person_id, valid_to__isnull=True)
            .values_list("school_id", flat=True)
            .first()
        )
        child = _Child(person.pk, person.date_of_birth, person.local_authority_id, person.area_id, school)
        born = datetime.combine(person.date_of_birth, datetime.min.time(), tzinfo=self.now.tzinfo)
        start = max(self.now - timedelta(days=self.years * 365), born + timedelta(days=366))
        end = self.now - timedelta(days=1)
        rows, markers, planted = _Rows(), [], 0
        kinds = ("incident", "episode", "ppn", "meeting", "marker")
        while planted < items:
            at = self._between(start, end)
            kind = rng.choices(kinds, weights=(4, 2, 3, 1, 1))[0]
            if kind == "incident":
                self._closed_incident(rows, at, child=child)
                planted += 2 + (len(rows.encompass) and rows.encompass[-1][0] == len(rows.incidents) - 1)
            elif kind == "episode":
                episode = self._closed_episode(rows, at, child=child)
                planted += 7 + episode.new_concerns  # incident x2, reported, graded, found, closed, check (+PPN)
            elif kind == "ppn":
                self._closed_ppn(rows, at, child=child)
                planted += 1
            elif kind == "meeting":
                self._meeting(rows, at, done=True, child=child)
                planted += 1
            else:
                day = at.astimezone(clock.LONDON).date()
                markers.append(
                    (person_id, rng.choice(list(MarkerType)), day, day + timedelta(days=365),
                     min(day + timedelta(days=200), self.now.date()), "Synthetic intelligence log", self.dt(at))
                )  # fmt: skip
                planted += 1
        rows.write(self)
        self.insert(WarningMarker, MARKER_COLUMNS, markers)
        audit.record(
            actor=None,
            category=AuditCategory.COLLECTION,
            event_type="demo.chronology",
            subject_type="people.person",
            subject_id=person_id,
            person_id=person_id,
            new={"items": planted, "seed": self.seed},
            channel="cli",
        )
        return planted

    # -- today's open caseload ------------------------------------------------------------------------
    def _open_caseload(self) -> None:
        rng = self.rng
        rows = _Rows()
        now = self.now
        opened = self.report.open
        for _ in range(self._count(OPEN_INCIDENTS * self.scale)):
            at = now - timedelta(hours=rng.uniform(0.5, 72))
            kind = rng.choices([t for t, _ in WELFARE_TYPES], weights=[w for _, w in WELFARE_TYPES])[0]
            child = self._child(at)
            key = self._incident(rows, at, kind, child, closed=False)
            opened["incidents"] += 1
            if kind == IncidentType.DOMESTIC_ABUSE and self._encompass(rows, key, child, at):
                opened["encompass"] += 1
        if not opened["encompass"]:
            # At least one Operation Encompass email still to send, so the demo's worker has one to deliver in
            # its first minute (the demo's "Sent email" page); from a few hours ago, so not yet sent.
            at = now - timedelta(hours=rng.uniform(0.5, 5))
            for _ in range(40):
                child = self._child(at)
                if child.school_id and self._school_age(child, at):
                    key = self._incident(rows, at, IncidentType.DOMESTIC_ABUSE, child, closed=False)
                    opened["incidents"] += 1
                    opened["encompass"] += self._encompass(rows, key, child, at)
                    break
        # A child missing now, however small the force: the missing worklist is the control room's first page.
        for _ in range(self._count(OPEN_MISSING * self.scale, at_least=1)):
            reported = now - timedelta(hours=rng.uniform(0.2, 48))
            child = self._child(reported, self.teens)
            incident = self._incident(rows, reported, IncidentType.MISSING, child, closed=False, present=False)
            ungraded = rng.random() < 0.1
            graded = None if ungraded else min(now, reported + timedelta(minutes=rng.randint(5, 40)))
            grade = "" if ungraded else ("high" if rng.random() < 0.3 else "medium")
            actions = [] if ungraded or rng.random() < 0.15 else [(graded + timedelta(minutes=20), rng.random() < 0.5)]
            reviews = (
                0
                if graded is None
                else int(rng.uniform(0.4, 1.0) * (now - graded) / timedelta(hours=2 if grade == "high" else 6))
            )
            rows.episodes.append(
                _Episode(
                    incident=incident,
                    child=child,
                    reported=reported,
                    graded=graded,
                    grade=grade,
                    actions=actions,
                    reviews=reviews,
                )
            )
            opened["missing"] += 1
        for _ in range(self._count(OPEN_RETURNED * self.scale)):
            found = now - timedelta(hours=rng.uniform(0.2, 24 * 8))
            reported = found - timedelta(hours=rng.uniform(2, 30))
            child = self._child(reported, self.teens)
            incident = self._incident(rows, reported, IncidentType.MISSING, child, closed=False, present=False)
            graded = reported + timedelta(minutes=rng.randint(5, 40))
            checked = found + timedelta(hours=rng.uniform(1, 30))
            told = found + timedelta(minutes=rng.randint(5, 90))
            rhi = found + timedelta(days=rng.uniform(1, 7))
            rows.episodes.append(
                _Episode(
                    incident=incident,
                    child=child,
                    reported=reported,
                    graded=graded,
                    grade="high" if rng.random() < 0.3 else "medium",
                    found=found,
                    checked=checked if checked < now else None,
                    told=told if told < now else None,
                    rhi=rhi if rhi < now else None,
                    new_concerns=rng.random() < 0.2,
                    actions=[(graded + timedelta(minutes=20), True)],
                    reviews=1,
                )
            )
            opened["returned"] += 1
        for _ in range(self._count(OPEN_PPNS * self.scale)):
            at = now - timedelta(hours=rng.uniform(0.5, 40))
            rows.ppns.append((self._ref("PPH", at), self._child(at), at, PpnStatus.SUBMITTED, None, None, None))
            opened["ppns"] += 1
        for _ in range(self._count(OPEN_SHARES * self.scale)):
            at = now - timedelta(hours=rng.uniform(4, 60))
            child = self._child(at)
            triaged = at + timedelta(hours=rng.uniform(1, 3))
            if child.la_id:
                rows.ppns.append((self._ref("PPH", at), child, at, PpnStatus.SHARED, triaged, child.la_id, None))
                opened["shares"] += 1
        for _ in range(self._count(OPEN_ACTIONS * self.scale)):
            self._meeting(rows, now - timedelta(days=rng.uniform(1, 20)), done=False)
            opened["strategy_meetings"] += 1
        rows.write(self)
        self.report.meetings -= opened["strategy_meetings"]


@dataclass
class _Episode:
    incident: int  # index into _Rows.incidents
    child: _Child
    reported: datetime
    graded: datetime | None
    grade: str
    found: datetime | None = None
    closed: datetime | None = None
    checked: datetime | None = None
    told: datetime | None = None
    rhi: datetime | None = None
    new_concerns: bool = False
    place: int | None = None
    actions: list[tuple[datetime, bool]] = field(default_factory=list)
    reviews: int = 0


class _Rows:
    """One month's rows, planned in Python, then written table by table (parents first, for their ids)."""

    def __init__(self) -> None:
        self.incidents: list[tuple[Any, ...]] = []
        self.incident_people: list[tuple[Any, ...]] = []
        self.episodes: list[_Episode] = []
        # (incident index, person id, organisation id, created, due_by, delivered_at or None)
        self.encompass: list[tuple[Any, ...]] = []
        # (reference, child, submitted, status, triaged, share organisation, acknowledged)
        self.ppns: list[tuple[Any, ...]] = []
        self.meetings: list[tuple[_Child, datetime, list[tuple[datetime, bool]]]] = []
        # (rule, subject type, index into its list, person id, raised, cleared)
        self.alerts: list[tuple[Any, ...]] = []

    def add_incident(self, row: tuple[Any, ...], person: tuple[Any, ...]) -> int:
        self.incidents.append(row)
        self.incident_people.append(person)
        return len(self.incidents) - 1

    def write(self, b: _HistoryBuilder) -> None:  # noqa: C901 - one table after another
        insert, dt, rng = b.insert, b.dt, b.rng
        written = 0
        incident_ids = insert(Incident, INCIDENT_COLUMNS, self.incidents, returning=True)
        insert(
            IncidentPerson,
            ("incident_id", "person_id", "role", "present", "resident"),
            [(incident_ids[i], *person) for i, person in enumerate(self.incident_people)],
        )
        written += 2 * len(self.incidents)

        # Missing episodes and everything hanging off them.
        episode_rows = []
        for ep in self.episodes:
            owner_role = (Role.FIM if ep.grade == "high" else Role.CII) if ep.grade else ""
            episode_rows.append(
                (
                    ep.child.id,
                    incident_ids[ep.incident],
                    dt(ep.reported),
                    rng.choice(("Mother", "Care home staff", "Father", "Foster carer", "School")),
                    b._officer(Role.FIM),
                    dt(ep.reported - timedelta(hours=rng.uniform(1, 6))),
                    "Town centre",
                    "Did not come home; phone off.",
                    ep.grade,
                    dt(ep.graded),
                    "Graded on the markers, the circumstances and the child's history." if ep.grade else "",
                    owner_role,
                    ep.child.area_id,
                    b._officer(Role.CII) if ep.grade else None,
                    dt(ep.found),
                    ep.place if ep.found else None,
                    (rng.random() < 0.6) if ep.found else None,
                    dt(ep.closed),
                    b.empty_json,
                    b.empty_json,
                )
            )
        episode_ids = insert(MissingEpisode, EPISODE_COLUMNS, episode_rows, returning=True)
        written += len(episode_rows)
        actions, reviews, checks, interviews, places, outbox = [], [], [], [], [], []
        for ep, pk in zip(self.episodes, episode_ids, strict=True):
            for due, done in ep.actions:
                actions.append(
                    (pk, "Search the child's room; speak to friends named by the family.", b._officer(Role.CII),
                     dt(due - timedelta(minutes=10)), dt(due), dt(due) if done else None)
                )  # fmt: skip
            every = timedelta(hours=2 if ep.grade == "high" else 6)
            for n in range(ep.reviews):
                reviews.append(
                    (
                        pk,
                        "Reviewed: lines of enquiry current, grade stands.",
                        dt(ep.graded + every * (n + 1) - timedelta(minutes=15)),
                        b._officer(Role.SUPERVISOR),
                    )
                )  # type: ignore[operator]  # noqa: E501
            if ep.checked:
                checks.append((pk, ep.checked, ep.new_concerns))
            if ep.rhi:
                interviews.append(
                    (pk, "Interview done; the child spoke about older friends in town.", dt(ep.rhi), "Local authority")
                )
            if ep.place and ep.found:
                places.append((ep.place, pk, "found", dt(ep.found)))
            if ep.found and ep.child.la_id in b.orgs and b.orgs[ep.child.la_id][0]:
                email, name = b.orgs[ep.child.la_id]
                outbox.append(
                    _outbox(b, "missing_return", f"missing_return:{pk}", email, ep.child.la_id, name, ep.child.id,
                            "missing.missingepisode", pk, ep.found, ep.found + timedelta(hours=1), ep.told)
                )  # fmt: skip
        insert(LineOfEnquiry, ("episode_id", "action", "owner_id", "created_at", "due_at", "done_at"), actions)
        insert(SupervisoryReview, ("episode_id", "note", "at", "by_id"), reviews)
        insert(
            SafeAndWellCheck,
            ("episode_id", "where", "with_whom", "harm", "disclosures", "voice", "aware", "new_concerns", "at",
             "by_id"),
            [
                (pk, "At a friend's flat in town.", "Two older teenagers.", "None seen.",
                 "Said an older man gave them a lift." if concerns else "None.", VOICE, b.aware, concerns, dt(at),
                 b._officer(Role.RESPONSE_OFFICER))
                for pk, at, concerns in checks
            ],
        )  # fmt: skip
        insert(ReturnHomeInterview, ("episode_id", "summary", "received_at", "received_from"), interviews)
        insert(EpisodeLocation, ("location_id", "episode_id", "kind", "at"), places)
        written += len(actions) + len(reviews) + len(checks) + len(interviews) + len(places)

        # Operation Encompass: the notification and its email.
        notes = [
            (incident_ids[i], person, to, to_la, True, dt(created), dt(due))
            for i, person, to, to_la, created, due, _ in self.encompass
        ]
        note_ids = insert(
            EncompassNotification,
            ("incident_id", "person_id", "organisation_id", "to_local_authority", "present", "created_at", "due_by"),
            notes,
            returning=True,
        )
        for pk, (_, person, school, _, created, due, delivered) in zip(note_ids, self.encompass, strict=True):
            email, name = b.orgs.get(school, ("", ""))
            outbox.append(
                _outbox(b, "encompass", f"encompass:{pk}", email or "dsl@school.test", school, name, person,
                        "referrals.encompassnotification", pk, created, due, delivered)
            )  # fmt: skip
        written += len(notes)

        # PPNs, the child on each, their shares.
        ppn_ids = insert(
            Ppn,
            ("reference", "concern", "submitted_at", "submitted_by_id", "status", "triaged_at", "triaged_by_id",
             "decision_reason"),
            [
                (ref, "Synthetic concern: neglect and exposure to domestic abuse at home.", dt(at),
                 b._officer(Role.RESPONSE_OFFICER), status, dt(triaged), b._officer(Role.VAT) if triaged else None,
                 "Triaged by VAT." if triaged else "")
                for ref, _, at, status, triaged, _, _ in self.ppns
            ],
            returning=True,
        )  # fmt: skip
        insert(
            PpnChild,
            ("ppn_id", "person_id", "aware", "voice", "ethnicity"),
            [(pk, row[1].id, b.ppn_aware, VOICE, "NS") for pk, row in zip(ppn_ids, self.ppns, strict=True)],
        )
        shares = [
            (pk, org, dt(triaged), dt(acked))
            for pk, (_, _, _, _, triaged, org, acked) in zip(ppn_ids, self.ppns, strict=True)
            if org
        ]
        insert(PpnShare, ("ppn_id", "organisation_id", "shared_at", "acknowledged_at"), shares)
        written += 2 * len(ppn_ids) + len(shares)

        # Strategy meetings and their actions.
        meeting_ids = insert(
            StrategyMeeting,
            ("person_id", "held_at", "attendees", "decisions", "recorded_at", "recorded_by_id"),
            [
                (child.id, dt(at), "DS Synthetic (police)\nSocial worker (local authority)\nDSL (school)",
                 "Section 47 enquiry; disruption plan for the older associates.", dt(at), b._officer(Role.MHET))
                for child, at, _ in self.meetings
            ],
            returning=True,
        )  # fmt: skip
        insert(
            StrategyAction,
            ("meeting_id", "action", "owner_id", "due_at", "done_at"),
            [
                (pk, "Visit the school and share the disruption plan.", b._officer(Role.MHET), dt(due),
                 dt(min(due, b.now)) if done else None)
                for pk, (_, _, acts) in zip(meeting_ids, self.meetings, strict=True)
                for due, done in acts
            ],
        )  # fmt: skip
        written += len(meeting_ids) + sum(len(a) for _, _, a in self.meetings)

        insert(OutboxMessage, OUTBOX_COLUMNS, outbox)
        written += len(outbox)

        # Alerts the rules raised and cleared on this closed work.
        alert_rows = []
        for rule, subject_type, index, person_id, raised, cleared in self.alerts:
            pk = ppn_ids[index]
            alert_rows.append(
                (rule, subject_type, str(pk), f"PPN {self.ppns[index][0]}", person_id, Role.VAT,
                 f"PPN {self.ppns[index][0]} has waited more than 24 hours for VAT triage.", f"/referrals/{pk}/",
                 dt(raised), dt(raised), dt(raised), dt(cleared))
            )  # fmt: skip
        for ep, pk in zip(self.episodes, episode_ids, strict=True):
            if ep.closed and rng.random() < 0.15:  # MP-6: a review ran late once, then was done
                late = ep.graded + timedelta(hours=3)  # type: ignore[operator]
                alert_rows.append(
                    ("MP-6", "missing.missingepisode", str(pk), f"Missing episode {pk}", ep.child.id, Role.CII,
                     "Supervisory review overdue.", f"/missing/{pk}/", dt(late), dt(late), dt(late),
                     dt(late + timedelta(minutes=40)))
                )  # fmt: skip
        insert(Alert, ALERT_COLUMNS, alert_rows)
        b.report.alerts += len(alert_rows)
        written += len(alert_rows)
        b.report.rows += written


def _outbox(
    b: _HistoryBuilder,
    kind: str,
    key: str,
    recipient: str,
    organisation: int | None,
    label: str,
    person: int,
    source_type: str,
    source_id: int,
    created: datetime,
    deliver_by: datetime | None,
    delivered: datetime | None,
) -> tuple[Any, ...]:
    dt = b.dt
    status = OutboxStatus.DELIVERED if delivered else OutboxStatus.PENDING
    subject = "A notification is waiting for you in Childsafe"
    body = "Synthetic message: no personal details by design."
    if kind == "encompass":
        # Worded as referrals.services words it, so the demo's "Sent email" page shows what a school receives.
        subject = "Operation Encompass: a notification is waiting for you in Childsafe"
        body = (
            f"{label or 'Key Adult'},\n\nNorth Yorkshire Police has an Operation Encompass notification for a pupil "
            f"at your school. Read it before the school day starts in the Childsafe partner portal: "
            f"{settings.CHILDSAFE_BASE_URL}/partners/\n\nThis message contains no personal details by design."
        )
    return (
        kind, key, recipient, organisation, label, subject, body, person, source_type, str(source_id), status,
        dt(created), dt(deliver_by), dt(delivered or created), 1 if delivered else 0, dt(delivered),
    )  # fmt: skip


INCIDENT_COLUMNS = (
    "reference", "type", "grade", "location_text", "summary", "area_id", "created_at", "created_by_id",
    "closed_at", "outcome", "occurred_at",
)  # fmt: skip
EPISODE_COLUMNS = (
    "person_id", "incident_id", "reported_at", "reported_by", "recorded_by_id", "last_seen_at", "last_seen_place",
    "circumstances", "grade", "graded_at", "rationale", "owner_role", "owner_area_id", "officer_in_case_id", "found_at",
    "found_location_id", "self_returned", "closed_at", "questionnaire", "markers_acknowledged",
)  # fmt: skip
OUTBOX_COLUMNS = (
    "kind", "idempotency_key", "recipient", "recipient_organisation_id", "recipient_label", "subject", "body",
    "person_id", "source_type", "source_id", "status", "created_at", "deliver_by", "next_attempt_at", "attempts",
    "delivered_at",
)  # fmt: skip
ALERT_COLUMNS = (
    "rule_id", "subject_type", "subject_id", "subject_label", "person_id", "owner_role", "reason", "url",
    "raised_at", "due_by", "last_seen_at", "cleared_at",
)  # fmt: skip
