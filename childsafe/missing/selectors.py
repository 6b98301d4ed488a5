"""Reads for the missing-children pages: the MHET worklist (MP-13), the daily meeting, one episode, places.

Opening an episode opens the child's record, so it goes through `people.access.person_for_user`
(need to know, and the view is logged: DPA 2018 s62). Lists show names only, as search results do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from childsafe.core import clock, policy
from childsafe.core.models import Alert, Area, User
from childsafe.incidents.selectors import ShownCheck, shown_checks
from childsafe.missing import rules
from childsafe.missing.models import (
    EpisodeLocation,
    LineOfEnquiry,
    LocationPlan,
    MissingEpisode,
    ReturnHomeInterview,
    RiskGrade,
    SafeAndWellCheck,
    SupervisoryReview,
    TriggerPlan,
)
from childsafe.people.access import person_for_user
from childsafe.people.models import Location, Person, WarningMarker
from childsafe.people.selectors import active_markers, identity_cluster
from childsafe.people.vocabulary import HIGH_HARM_MARKERS, MarkerType

EPISODE_SUBJECT = "missing.missingepisode"
RISK_FILTERS = {"high": "High", "medium": "Medium", "ungraded": "Not graded yet"}
DAILY_HOURS = 24
AWARE_ORDER = ("appearance", "words", "activity", "relationships", "environment")


def _episodes() -> QuerySet[MissingEpisode]:
    return MissingEpisode.objects.select_related(
        "person",
        "person__area",
        "person__local_authority",
        "incident",
        "owner_area",
        "officer_in_case",
        "graded_by",
        "found_location",
        "found_by",
        "closed_by",
        "recorded_by",
    )


def episode_for_user(
    user: User, pk: int, *, reasons: dict[str, str], event_type: str = "missing.episode.view", channel: str = "web"
) -> MissingEpisode:
    """One episode, its child opened through need to know (a partner not theirs, or nobody's: 404)."""
    episode = _episodes().filter(pk=pk, imported=False).first()
    if episode is None:
        raise Http404("No missing episode with that reference.")
    person_for_user(
        user,
        episode.person_id,
        justification=reasons.get(str(episode.person_id), ""),
        channel=channel,
        event_type=event_type,
        purpose=f"missing episode {episode.pk}",
    )
    return episode


def person_for_page(
    user: User, pk: int, *, reasons: dict[str, str], event_type: str, channel: str = "web", purpose: str = ""
) -> Person:
    person, _ = person_for_user(
        user, pk, justification=reasons.get(str(pk), ""), channel=channel, event_type=event_type, purpose=purpose
    )
    return person


def user_by_username(username: str) -> User | None:
    username = (username or "").strip()
    if not username:
        return None
    return User.objects.filter(username__iexact=username, is_active=True).first()


def open_alerts(episode_ids: list[int]) -> dict[int, list[Alert]]:
    """The open alerts on each episode (MP-2, MP-3, MP-6, MP-8...), soonest due first."""
    by_episode: dict[int, list[Alert]] = {}
    rows = Alert.objects.open().filter(subject_type=EPISODE_SUBJECT, subject_id__in=[str(i) for i in episode_ids])
    for alert in rows.order_by("due_by", "raised_at"):
        by_episode.setdefault(int(alert.subject_id), []).append(alert)
    return by_episode


# -- One episode ---------------------------------------------------------------------------------------


@dataclass
class EpisodePage:
    episode: MissingEpisode
    checks: list[ShownCheck]
    lines: list[LineOfEnquiry]
    reviews: list[SupervisoryReview]
    safe_and_well: SafeAndWellCheck | None
    aware: list[tuple[str, str]]
    rhis: list[ReturnHomeInterview]
    alerts: list[Alert]
    marker_notes: list[tuple[str, str]]
    places: list[EpisodeLocation]
    trigger_plan: TriggerPlan | None
    ppn_due: bool = False  # new concerns and no PPN since: the RF-7 clock runs (a delay may hold it)


def _marker_label(marker_type: str) -> str:
    try:
        return str(MarkerType(marker_type).label)
    except ValueError:
        return marker_type


def episode_page(episode: MissingEpisode) -> EpisodePage:
    check = SafeAndWellCheck.objects.filter(episode=episode).select_related("by").first()
    aware = [(k.capitalize(), (check.aware or {}).get(k, "")) for k in AWARE_ORDER] if check else []
    return EpisodePage(
        episode=episode,
        checks=shown_checks(EPISODE_SUBJECT, episode.pk),
        lines=list(episode.lines_of_enquiry.select_related("owner").order_by("created_at", "id")),
        reviews=list(episode.reviews.select_related("by").order_by("at", "id")),
        safe_and_well=check,
        aware=aware,
        rhis=list(episode.return_interviews.select_related("by").order_by("received_at", "id")),
        alerts=open_alerts([episode.pk]).get(episode.pk, []),
        marker_notes=[(_marker_label(k), v) for k, v in sorted((episode.markers_acknowledged or {}).items())],
        places=list(episode.places.select_related("location").order_by("at", "id")),
        trigger_plan=current_trigger_plan(episode.person),
        ppn_due=bool(check and check.new_concerns and not rules.ppn_recorded_for(episode)),
    )


def current_trigger_plan(person: Person) -> TriggerPlan | None:
    return (
        TriggerPlan.objects.filter(person_id__in=identity_cluster(person.pk), ended_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


@dataclass
class MarkerToAddress:
    """One marker type the grading must address (MP-3), with every marker of that type on the child's records."""

    type: str
    label: str
    high_harm: bool
    markers: list[WarningMarker]


def markers_to_address(person: Person) -> list[MarkerToAddress]:
    """The child's active markers, on this record and every linked duplicate (PL-2), one entry per type."""
    grouped: dict[str, list[WarningMarker]] = {}
    for marker in active_markers(identity_cluster(person.pk)):
        grouped.setdefault(marker.type, []).append(marker)
    return [
        MarkerToAddress(t, _marker_label(t), t in HIGH_HARM_MARKERS, markers)
        for t, markers in sorted(grouped.items(), key=lambda kv: (kv[0] not in HIGH_HARM_MARKERS, kv[0]))
    ]


def possible_duplicates_to_address(person: Person) -> list[tuple[Person, list[str]]]:
    """Records that may be this child, neither linked nor ruled out, with their active marker types (MP-3)."""
    from childsafe.people.intelligence import unresolved_duplicates

    found, marker_types = unresolved_duplicates(identity_cluster(person.pk))
    return [(p, sorted(marker_types.get(p.pk, set()))) for p, _ in found]


def marker_labels() -> dict[str, str]:
    from childsafe.people.vocabulary import MarkerType

    return dict(MarkerType.choices)


def lines_of(episode: MissingEpisode) -> list[LineOfEnquiry]:
    return list(episode.lines_of_enquiry.select_related("owner").order_by("created_at", "id"))


def line_of(episode: MissingEpisode, line_id: int | None) -> LineOfEnquiry | None:
    if not line_id:
        return None
    return episode.lines_of_enquiry.select_related("episode").filter(pk=line_id).first()


# -- The MHET worklist (MP-13) -------------------------------------------------------------------------


@dataclass
class EpisodeRow:
    episode: MissingEpisode
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class HotspotRow:
    location: Location
    since: datetime
    children: int
    plan: LocationPlan | None
    plan_due: datetime


@dataclass
class PriorityRow:
    person: Person
    since: datetime
    due: datetime


@dataclass
class Worklist:
    missing: list[EpisodeRow]
    returned: list[EpisodeRow]
    hotspots: list[HotspotRow]
    priority_without_plan: list[PriorityRow]


def areas() -> QuerySet[Area]:
    return Area.objects.order_by("name")


def _filtered(area: str, risk: str) -> QuerySet[MissingEpisode]:
    qs = _episodes().filter(imported=False, closed_at__isnull=True)
    if area:
        qs = qs.filter(person__area__code=area)
    if risk == "ungraded":
        qs = qs.filter(grade="")
    elif risk in (RiskGrade.HIGH, RiskGrade.MEDIUM):
        qs = qs.filter(grade=risk)
    return qs


def worklist(*, area: str = "", risk: str = "") -> Worklist:
    """Everything MHET works from, on one page: no spreadsheets (MP-13)."""
    now = clock.now()
    # Not graded first (the FIM's 30 minutes are running), then high, then medium; longest missing first.
    order = Case(
        When(grade="", then=Value(0)),
        When(grade=RiskGrade.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    missing = list(_filtered(area, risk).filter(found_at__isnull=True).order_by(order, "reported_at"))
    returned = list(
        _filtered(area, risk)
        .filter(found_at__isnull=False)
        .select_related("safe_and_well")
        .prefetch_related("return_interviews")
        .order_by("found_at")
    )
    alerts = open_alerts([e.pk for e in missing + returned])
    return Worklist(
        missing=[EpisodeRow(e, alerts.get(e.pk, [])) for e in missing],
        returned=[EpisodeRow(e, alerts.get(e.pk, [])) for e in returned],
        hotspots=hotspot_rows(now, area=area),
        priority_without_plan=priority_without_plan(now, area=area),
    )


def _plan_days() -> timedelta:
    return timedelta(days=int(policy.get(rules.HOTSPOT_PLAN_DAYS.key)))


def hotspot_rows(now: datetime, *, area: str = "") -> list[HotspotRow]:
    spots = rules.hotspots(now)
    if not spots:
        return []
    window = timedelta(days=int(policy.get(rules.HOTSPOT_WINDOW_DAYS.key)))
    places = Location.objects.filter(pk__in=list(spots)).select_related("area")
    if area:
        places = places.filter(area__code=area)
    counts = dict(
        EpisodeLocation.objects.filter(location_id__in=list(spots), at__gt=now - window, at__lte=now)
        .values("location_id")
        .annotate(n=Count("episode__person_id", distinct=True))
        .values_list("location_id", "n")
    )
    plans: dict[int, LocationPlan] = {}
    for plan in (
        LocationPlan.objects.filter(location_id__in=list(spots), closed_at__isnull=True)
        .select_related("owner")
        .order_by("created_at")
    ):
        plans[plan.location_id] = plan
    rows = [
        HotspotRow(place, spots[place.pk], counts.get(place.pk, 0), plans.get(place.pk), spots[place.pk] + _plan_days())
        for place in places
    ]
    # Unplanned first, the longest-standing at the top.
    return sorted(rows, key=lambda r: (r.plan is not None, r.since))


def priority_without_plan(now: datetime, *, area: str = "") -> list[PriorityRow]:
    """Priority-missing children with no current trigger plan (MP-5)."""
    since = rules.priority_missing_since()
    if not since:
        return []
    planned = set(
        TriggerPlan.objects.filter(
            person_id__in=list(since), ended_at__isnull=True, review_due__gte=clock.today_london()
        ).values_list("person_id", flat=True)
    )
    people = Person.objects.filter(pk__in=[p for p in since if p not in planned]).select_related("area")
    if area:
        people = people.filter(area__code=area)
    due = timedelta(hours=int(policy.get(rules.TRIGGER_PLAN_HOURS.key)))
    return sorted((PriorityRow(p, since[p.pk], since[p.pk] + due) for p in people), key=lambda r: r.since)


# -- The daily meeting: what changed in the last 24 hours ----------------------------------------------


@dataclass
class Change:
    at: datetime
    what: str
    person: Person | None = None
    episode_id: int | None = None
    location_id: int | None = None
    detail: str = ""


def daily_changes(*, area: str = "", hours: int = DAILY_HOURS) -> list[Change]:
    now = clock.now()
    since = now - timedelta(hours=hours)
    person_q = Q(person__area__code=area) if area else Q()
    episode_q = Q(episode__person__area__code=area) if area else Q()
    changes: list[Change] = []
    episodes = _episodes().filter(imported=False).filter(person_q)
    for e in episodes.filter(reported_at__gte=since):
        changes.append(
            Change(
                e.reported_at,
                "Reported missing" + (" (had already come back)" if e.returned_before_report else ""),
                e.person,
                e.pk,
                detail=f"Reported by {e.reported_by}.",
            )
        )
    for e in episodes.filter(graded_at__gte=since):
        changes.append(Change(e.graded_at, f"Graded {e.get_grade_display().lower()} risk", e.person, e.pk))
    for e in episodes.filter(found_at__gte=since, returned_before_report=False):
        changes.append(Change(e.found_at, f"Found at {e.found_location or 'an unrecorded place'}", e.person, e.pk))
    for e in episodes.filter(closed_at__gte=since):
        changes.append(Change(e.closed_at, "Episode closed", e.person, e.pk))
    lines = LineOfEnquiry.objects.filter(episode_q).select_related("episode__person", "owner")
    for line in lines.filter(created_at__gte=since):
        changes.append(
            Change(
                line.created_at,
                "Line of enquiry added",
                line.episode.person,
                line.episode_id,
                detail=f"{line.action} (owner {line.owner.get_full_name() or line.owner.username})",
            )
        )
    for line in lines.filter(done_at__gte=since).exclude(done_at=F("created_at")):
        changes.append(Change(line.done_at, "Line of enquiry done", line.episode.person, line.episode_id, line.action))
    for review in SupervisoryReview.objects.filter(episode_q, at__gte=since).select_related("episode__person"):
        changes.append(Change(review.at, "Supervisory review", review.episode.person, review.episode_id, review.note))
    for check in SafeAndWellCheck.objects.filter(episode_q, at__gte=since).select_related("episode__person"):
        concerns = "New concerns: a PPN is needed." if check.new_concerns else "No new concerns."
        changes.append(Change(check.at, "Safe and well check", check.episode.person, check.episode_id, concerns))
    for rhi in ReturnHomeInterview.objects.filter(episode_q, received_at__gte=since).select_related("episode__person"):
        changes.append(
            Change(
                rhi.received_at,
                "Return home interview received",
                rhi.episode.person,
                rhi.episode_id,
                f"From {rhi.received_from}.",
            )
        )
    for plan in TriggerPlan.objects.filter(person_q, created_at__gte=since).select_related("person"):
        changes.append(Change(plan.created_at, "Trigger plan recorded", plan.person))
    location_q = Q(location__area__code=area) if area else Q()
    for plan in LocationPlan.objects.filter(location_q, created_at__gte=since).select_related("location", "owner"):
        changes.append(
            Change(
                plan.created_at,
                f"Hotspot plan for {plan.location}",
                location_id=plan.location_id,
                detail=f"Owner {plan.owner.get_full_name() or plan.owner.username}.",
            )
        )
    alerts = Alert.objects.filter(rule_id__startswith="MP-", raised_at__gte=since)
    if area:
        alerts = alerts.filter(Q(owner_area__code=area) | Q(owner_area__isnull=True))
    people = Person.objects.in_bulk([a.person_id for a in alerts if a.person_id])
    for alert in alerts:
        episode_id = int(alert.subject_id) if alert.subject_type == EPISODE_SUBJECT else None
        person = people.get(alert.person_id) if alert.person_id else None
        if area and person is not None and (person.area is None or person.area.code != area):
            continue
        changes.append(Change(alert.raised_at, f"Alert {alert.rule_id} raised", person, episode_id, alert.reason))
    return sorted(changes, key=lambda c: c.at, reverse=True)


# -- Places ---------------------------------------------------------------------------------------------


@dataclass
class PlacePage:
    location: Location
    links: list[EpisodeLocation]
    hotspot_since: datetime | None
    plans: list[LocationPlan]
    children: int


def place_page(location_id: int) -> PlacePage:
    location = Location.objects.select_related("area").filter(pk=location_id).first()
    if location is None:
        raise Http404("No place with that reference.")
    all_links = list(
        EpisodeLocation.objects.filter(location=location).select_related("episode__person").order_by("-at", "-id")
    )
    return PlacePage(
        location=location,
        links=all_links,
        hotspot_since=rules.hotspots(clock.now()).get(location.pk),
        plans=list(LocationPlan.objects.filter(location=location).select_related("owner").order_by("-created_at")),
        children=len({link.episode.person_id for link in all_links}),
    )


@dataclass(frozen=True)
class EpisodeFact:
    """A missing episode as other apps read it (exploitation's agenda, briefing and profile)."""

    episode_id: int
    person_id: int
    reported_at: datetime
    found_at: datetime | None
    closed_at: datetime | None
    found_location_id: int | None


def episode_facts(
    *,
    person_ids: list[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    area: str = "",
    still_missing: bool = False,
) -> list[EpisodeFact]:
    """Episodes reported in a window (and/or of some children, of an area's children, still missing)."""
    qs = MissingEpisode.objects.all()
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    if since is not None:
        qs = qs.filter(reported_at__gt=since)
    if until is not None:
        qs = qs.filter(reported_at__lte=until)
    if area:
        qs = qs.filter(person__area__code=area)
    if still_missing:
        qs = qs.filter(found_at__isnull=True, closed_at__isnull=True, imported=False)
    return [
        EpisodeFact(*row)
        for row in qs.order_by("-reported_at").values_list(
            "pk", "person_id", "reported_at", "found_at", "closed_at", "found_location_id"
        )
    ]
