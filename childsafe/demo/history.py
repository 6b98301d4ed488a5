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

`history` multiplies the closed records older than RECENT_DAYS (the rules' longest look-back, RF-5's
twelve ended months of PPN samples and the month under way, with a margin): 5 and 25 are a force with
five or twenty-five times the past. The last RECENT_DAYS of closed work and the open caseload keep their
size (they scale with the force, `scale`, not with `history`), so a sweep timed at history 1, 5 and 25
shows whether it grows with history or only with open work (bench/sweep.py).

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
from childsafe.core.models import AuditCategory, AuditEvent, OutboxMessage, OutboxStatus, User
from childsafe.core.roles import Role
from childsafe.demo.clocks import ClockOutcomes
from childsafe.incidents.models import Incident, IncidentPerson, IncidentType, ThriveAssessment
from childsafe.missing.models import (
    EpisodeLocation,
    LineOfEnquiry,
    MissingEpisode,
    ReturnHomeInterview,
    SafeAndWellCheck,
    SupervisoryReview,
)
from childsafe.people import calendars
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
# Closed work this recent keeps its size whatever `history` is. It was 120 days (MP-5's and MP-12's 90) until
# the sweep's growth showed RF-5 reading the multiplied PPNs inside its twelve months (bench/README.md).
RECENT_DAYS = 400
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
# The clocks' deadlines (the rules' policy defaults), for timing the history's closed work.
CR3_WITHIN = timedelta(minutes=10)
MP2_WITHIN = timedelta(minutes=30)
MP8_WITHIN = timedelta(hours=24)
MP9_WITHIN = timedelta(hours=1)
MP10_WITHIN = timedelta(hours=72)
RF3_WITHIN = timedelta(hours=24)
THRIVE = (
    "Threat from the adult at the address.",
    "Harm to the child: emotional and physical.",
    "Risk: medium; the child's history considered.",
    "Investigation: attend, speak to the child alone.",
    "Vulnerability: age, disability, previous incidents.",
    "Engagement: the family engaged; partners told.",
)

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
        # Which past cases were late, and their clocks' alerts: late at the inspection, improving since.
        self.clocks = ClockOutcomes(seed=seed, now=self.now, namespace=f"history:{self.batch}")

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
            # CR-3: the THRIVE, due 10 minutes after the record; late ones raised the clock's alert.
            due = at + CR3_WITHIN
            done = self.clocks.done_by("CR-3", at, due, on_time=timedelta(minutes=8))
            rows.thrives.append((key, done))
            rows.clock(
                "CR-3", "incidents.incident", ("incident", key), "{ref}", child.id, Role.FIM, child.area_id, due,
                done, "The incident has no THRIVE assessment.", "/incidents/{pk}/#thrive",
            )  # fmt: skip
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

    def _encompass(self, rows: _Rows, key: int, child: _Child, at: datetime, *, closed: bool = True) -> bool:
        """RF-9, as `referrals.encompass` defines it: a child of school age on the day is notified, to the
        school or, with no known school, the local authority; delivered two hours before it was due and read
        by the Key Adult before the school day, or (closed work, as often as the year's record says) late."""
        day = at.astimezone(clock.LONDON).date()
        age = day.year - child.dob.year - ((day.month, day.day) < (child.dob.month, child.dob.day))
        to = child.school_id or child.la_id
        if not (encompass.MIN_AGE <= age <= encompass.MAX_AGE and to):
            return False
        due = at + timedelta(hours=self.rng.randint(8, 40))
        delivered = due - timedelta(hours=2)
        if closed and self.clocks.late("RF-9", at):
            delivered = due + self.clocks.lateness("RF-9", at)
        if delivered >= self.now:
            delivered = None
        read = delivered + timedelta(minutes=self.clocks.rng.randint(5, 100)) if delivered else None
        rows.encompass.append(
            (key, child.id, to, child.school_id is None, at, due, delivered, read if read and read < self.now else None)
        )
        if closed:
            rows.clock(
                "RF-9", "referrals.encompassnotification", ("encompass", len(rows.encompass) - 1), "Encompass {ref}",
                child.id, Role.VAT, child.area_id, due, delivered,
                "Operation Encompass was not delivered before the school day began.", "/incidents/{incident}/",
                incident=key,
            )  # fmt: skip
        return True

    def _closed_episode(self, rows: _Rows, reported: datetime, child: _Child | None = None) -> _Episode:
        rng = self.rng
        child = child or self._child(reported, self.teens)
        incident = self._incident(rows, reported, IncidentType.MISSING, child, closed=True, present=False)
        clocks, index, area = self.clocks, len(rows.episodes), child.area_id
        graded = reported + timedelta(minutes=rng.randint(5, 28))
        if clocks.late("MP-2", reported):  # MP-2: graded within 30 minutes
            graded = reported + MP2_WITHIN + clocks.lateness("MP-2", reported)
        grade = "high" if rng.random() < 0.25 else "medium"
        found = graded + timedelta(hours=rng.uniform(2, 40))
        checked = found + timedelta(hours=rng.uniform(1, 20))
        if clocks.late("MP-8", found):  # MP-8: the safe and well check within 24 hours of the return
            checked = found + MP8_WITHIN + clocks.lateness("MP-8", found)
        told = found + timedelta(minutes=rng.randint(5, 50))
        if clocks.late("MP-9", found):  # MP-9: the local authority told within an hour
            told = found + MP9_WITHIN + clocks.lateness("MP-9", found)
        rhi = found + timedelta(days=rng.uniform(1, 4) * 0.7)
        if clocks.late("MP-10", found):  # MP-10: the return home interview within 72 hours
            rhi = found + MP10_WITHIN + clocks.lateness("MP-10", found)
        closed = max(rhi, checked, told) + timedelta(days=rng.uniform(0.2, 3))
        new_concerns = rng.random() < 0.2
        episode = ("episode", index)
        label, url = "Missing episode {pk}", "/missing/{pk}/"
        for rule, owner, due, done, reason in (
            ("MP-2", Role.FIM, reported + MP2_WITHIN, graded, "The missing report was not graded by the FIM in time."),
            ("MP-8", Role.SUPERVISOR, found + MP8_WITHIN, checked, "No safe and well check within 24 hours of return."),
            ("MP-9", Role.MHET, found + MP9_WITHIN, told, "The local authority was not told of the return in time."),
            ("MP-10", Role.MHET, found + MP10_WITHIN, rhi, "The return home interview was not held within 72 hours."),
        ):
            rows.clock(rule, "missing.missingepisode", episode, label, child.id, owner, area, due, done, reason, url)
        if clocks.late("MP-6", graded):  # MP-6: a supervisory review ran late once, then was done
            due = graded + timedelta(hours=2 if grade == "high" else 6)
            rows.clock(
                "MP-6", "missing.missingepisode", episode, label, child.id, Role.FIM if grade == "high" else Role.CII,
                area, due, due + clocks.lateness("MP-6", graded), "Supervisory review overdue.", url,
            )  # fmt: skip
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
        clocks = self.clocks
        triaged = at + timedelta(hours=rng.uniform(1, 20))
        if clocks.late("RF-3", at):  # RF-3: VAT triage within 24 hours
            triaged = at + RF3_WITHIN + clocks.lateness("RF-3", at)
        status = rng.choices((PpnStatus.SHARED, PpnStatus.NO_FURTHER_ACTION, PpnStatus.RETURNED), weights=(60, 32, 8))[
            0
        ]
        share_to = child.la_id if status == PpnStatus.SHARED else None
        acknowledged = triaged + timedelta(hours=rng.uniform(1, 20))
        ack_due = calendars.add_working_days(triaged, 1)
        if acknowledged > ack_due or clocks.late("RF-6", triaged):  # RF-6: the partner within 1 working day
            acknowledged = ack_due + clocks.lateness("RF-6", triaged)
        rows.ppns.append((self._ref("PPH", at), child, at, status, triaged, share_to, acknowledged))
        self.report.ppns += 1
        rng.random()  # a draw the history always made here: the seeded records stay the same as before
        index = len(rows.ppns) - 1
        rows.clock(
            "RF-3", "referrals.ppn", ("ppn", index), "PPN {ref}", child.id, Role.VAT, child.area_id, at + RF3_WITHIN,
            triaged, "The PPN waited more than 24 hours for VAT triage.", "/referrals/{pk}/",
        )  # fmt: skip
        if share_to:
            rows.clock(
                "RF-6", "referrals.ppnshare", ("share", index), "PPN {ref} shared", child.id, Role.VAT, child.area_id,
                ack_due, acknowledged, "The partner did not acknowledge the shared PPN in time.", "/referrals/{ppn}/",
            )  # fmt: skip

    def _meeting(self, rows: _Rows, at: datetime, *, done: bool, child: _Child | None = None) -> None:
        rng = self.rng
        child = child or self._child(at, self.teens)
        actions = [
            (at + timedelta(days=rng.randint(1, 14)), done or rng.random() < 0.3) for _ in range(rng.randint(1, 3))
        ]
        # Closed work: each action done by its due date, or (RF-10, as the year's record says) after it.
        late = [done and self.clocks.late("RF-10", at) for _ in actions]
        actions = [
            (due, True, due + self.clocks.lateness("RF-10", at)) if is_late else (due, is_done, None)
            for (due, is_done), is_late in zip(actions, late, strict=True)
        ]
        rows.meetings.append((child, at, actions))
        for n, (due, _, done_at) in enumerate(actions):
            if done_at:
                rows.clock(
                    "RF-10", "referrals.strategyaction", ("action", (len(rows.meetings) - 1, n)),
                    "Visit the school and share the disruption plan.", child.id, Role.MHET, child.area_id, due, done_at,
                    "Strategy meeting action overdue.", "/people/{person}/",
                )  # fmt: skip
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
            if kind == IncidentType.DOMESTIC_ABUSE and self._encompass(rows, key, child, at, closed=False):
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
                    opened["encompass"] += self._encompass(rows, key, child, at, closed=False)
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
        # (child, held at, [(due, done, done late at or None)])
        self.meetings: list[tuple[_Child, datetime, list[tuple[datetime, bool, datetime | None]]]] = []
        self.thrives: list[tuple[int, datetime]] = []  # (incident index, THRIVE at)
        # The clocks' outcomes, resolved to alerts once the rows have ids (see `clock`).
        self.clocks: list[tuple[Any, ...]] = []

    def clock(
        self,
        rule: str,
        subject_type: str,
        subject: tuple[str, Any],
        label: str,
        person_id: int,
        owner_role: str,
        area_id: int | None,
        due: datetime,
        done: datetime | None,
        reason: str,
        url: str,
        *,
        incident: int | None = None,
    ) -> None:
        """A clock's outcome on a row planned here: `subject` is (which list, index); `label` and `url` are
        formatted with the row's pk, ref, incident, ppn and person once they are written. On-time work
        (done before `due`) raised no alert and is dropped when written."""
        if done is not None and done > due:
            self.clocks.append((rule, subject_type, subject, label, person_id, owner_role, area_id, due, done, reason,
                                url, incident))  # fmt: skip

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
        insert(
            ThriveAssessment,
            ("incident_id", "threat", "harm", "risk", "investigation", "vulnerability", "engagement", "at", "by_id"),
            [(incident_ids[i], *THRIVE, dt(at), b._officer(Role.FIM)) for i, at in self.thrives],
        )
        written += len(self.thrives)

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
            (incident_ids[i], person, to, to_la, True, dt(created), dt(due), dt(read))
            for i, person, to, to_la, created, due, _, read in self.encompass
        ]
        note_ids = insert(
            EncompassNotification,
            ("incident_id", "person_id", "organisation_id", "to_local_authority", "present", "created_at", "due_by",
             "acknowledged_at"),
            notes,
            returning=True,
        )  # fmt: skip
        for pk, (_, person, school, _, created, due, delivered, _) in zip(note_ids, self.encompass, strict=True):
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
        share_ids = insert(
            PpnShare, ("ppn_id", "organisation_id", "shared_at", "acknowledged_at"), shares, returning=True
        )
        shared = [i for i, row in enumerate(self.ppns) if row[5]]
        share_of = dict(zip(shared, share_ids, strict=True))
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
        action_ids = insert(
            StrategyAction,
            ("meeting_id", "action", "owner_id", "due_at", "done_at"),
            [
                (pk, "Visit the school and share the disruption plan.", b._officer(Role.MHET), dt(due),
                 dt(late or min(due, b.now)) if done else None)
                for pk, (_, _, acts) in zip(meeting_ids, self.meetings, strict=True)
                for due, done, late in acts
            ],
            returning=True,
        )  # fmt: skip
        action_keys = [(m, n) for m, (_, _, acts) in enumerate(self.meetings) for n in range(len(acts))]
        action_of = dict(zip(action_keys, action_ids, strict=True))
        written += len(meeting_ids) + sum(len(a) for _, _, a in self.meetings)

        insert(OutboxMessage, OUTBOX_COLUMNS, outbox)
        written += len(outbox)

        for ep in self.episodes:  # draws the history always made here: the seeded records stay as before
            if ep.closed:
                rng.random()
        # The alerts the clocks raised on this closed work's late cases, cleared when the work was done.
        for rule, subject_type, (
            key,
            index,
        ), label, person_id, owner_role, area_id, due, done, reason, url, inc in self.clocks:
            names: dict[str, Any] = {"person": person_id}
            if key == "incident":
                names.update(pk=incident_ids[index], ref=self.incidents[index][0])
            elif key == "episode":
                names.update(pk=episode_ids[index])
            elif key == "encompass":
                names.update(pk=note_ids[index], ref=self.incidents[inc][0], incident=incident_ids[inc])
            elif key in ("ppn", "share"):
                names.update(pk=ppn_ids[index] if key == "ppn" else share_of[index], ppn=ppn_ids[index])
                names.update(ref=self.ppns[index][0])
            else:  # a strategy meeting's action: (meeting index, action index)
                names.update(pk=action_of[index])
            b.clocks.add(
                rule, subject_type=subject_type, subject_id=names["pk"], label=label.format(**names),
                person_id=person_id, owner_role=owner_role, area_id=area_id, due=due, done=done, reason=reason,
                url=url.format(**names),
            )  # fmt: skip
        alerts = b.clocks.write()
        b.report.alerts += alerts
        written += alerts
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
