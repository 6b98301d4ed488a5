"""Offender management in `/api/v1/offenders`: the court results feed (RSO-2) and an offender's summary."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from childsafe.core import clock
from childsafe.core.text import Justification
from childsafe.offenders import rules, selectors, services

router = Router(tags=["offenders"])


class CourtResultsIn(Schema):
    csv: str = Field(
        max_length=2_000_000,
        description="The court results feed as CSV with a header row: surname, forenames, date_of_birth, "
        "offence, notifiable, court_result_at, and optionally period (10y or indefinite) and custody.",
    )


class UnmatchedOut(Schema):
    row: int
    name: str
    reason: str


class CourtResultsOut(Schema):
    recorded: list[int] = Field(description="The offenders whose court result was recorded.")
    already: int
    unmatched: list[UnmatchedOut]


@router.post("/court-results", response=CourtResultsOut, summary="Import notifiable court results (RSO-2)")
def court_results(request: HttpRequest, payload: CourtResultsIn):
    imported = services.court_results_import(actor=request.user, text=payload.csv, channel="api")  # type: ignore[arg-type]
    return {
        "recorded": [c.offender_id for c in imported.recorded],
        "already": imported.already,
        "unmatched": [{"row": r, "name": n, "reason": why} for r, n, why in imported.unmatched],
    }


class OffenderOut(Schema):
    id: int
    person_id: int
    name: str
    period_years: int | None = Field(description="None: indefinite.")
    in_custody: bool
    risk: str | None
    next_notification: str | None
    next_notification_due: datetime | None
    next_home_visit_due: datetime | None
    open_breaches: int


@router.get("/{offender_id}", response=OffenderOut, summary="An offender's current position")
def offender(request: HttpRequest, offender_id: int, justification: Justification = ""):  # type: ignore[valid-type]
    found = selectors.offender_for_user(
        request.user,  # type: ignore[arg-type]
        offender_id,
        reasons={"*": justification},
    )
    now = clock.now()
    state = rules.offender_states([found.pk])[found.pk]
    due = sorted(state.notification_deadlines()) if state.active(now) else []
    visit = rules.visits_due([found.pk]).get(found.pk) if state.active(now) else None
    return {
        "id": found.pk,
        "person_id": found.person_id,
        "name": found.person.full_name,
        "period_years": found.period_years,
        "in_custody": state.in_custody,
        "risk": visit[1] if visit else None,
        "next_notification": due[0][1] if due else None,
        "next_notification_due": due[0][0] if due else None,
        "next_home_visit_due": visit[0] if visit else None,
        "open_breaches": found.breaches.filter(decided_at__isnull=True).count(),
    }
