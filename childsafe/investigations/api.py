"""Investigations in `/api/v1/investigations`: read one, open, allocate (INV-1), DFU requests (INV-4) and bail
(INV-7), through the same services and guards as the pages. A guard's refusal is problem+json with its rule ID."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from childsafe.core.api import Flag, IsoDateTime
from childsafe.core.models import User
from childsafe.core.text import Justification
from childsafe.investigations import selectors, services
from childsafe.investigations.models import Bail, DfuRequest, Investigation
from childsafe.people.access import person_for_user

router = Router(tags=["investigations"])


class InvestigationPersonOut(Schema):
    id: int
    name: str
    role: str


class InvestigationOut(Schema):
    id: int
    reference: str
    type: str
    status: str
    summary: str
    officer: str | None
    supervisor: str | None
    review_due_at: datetime | None
    last_activity_at: datetime
    version: int
    people: list[InvestigationPersonOut]


class PromptOut(Schema):
    rule_id: str
    message: str


class OpenedOut(Schema):
    investigation: InvestigationOut
    prompts: list[PromptOut]


class OpenIn(Schema):
    type: str = Field(description="child_sexual_abuse, cse, cce, online_child_abuse, complex_child_abuse, ...")
    victim_ids: list[int] = []
    suspect_ids: list[int] = []
    summary: str = Field(max_length=10000)


class AllocateIn(Schema):
    officer: str = Field(description="The officer's username.")
    rationale: str = Field("", max_length=10000, description="Needed for an override (INV-1) or another area.")
    version: int | None = Field(None, description="The version you read; a stale one is refused.")


class AllocationOut(Schema):
    id: int
    officer: str
    at: datetime
    override_accreditation: str


class DfuIn(Schema):
    devices: list[str]
    priority: Flag = False
    reason: str = Field("", max_length=10000)


class DfuOut(Schema):
    id: int
    devices: list[str]
    priority: bool
    submitted_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    results: str


class BailIn(Schema):
    suspect_id: int
    conditions: str = Field(max_length=10000)
    ends_at: IsoDateTime


class BailOut(Schema):
    id: int
    suspect_id: int
    conditions: str
    ends_at: datetime
    outcome: str


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _out(inv: Investigation) -> InvestigationOut:
    named = getattr(inv, "named", None) or list(inv.people.select_related("person"))
    return InvestigationOut(
        id=inv.pk,
        reference=inv.reference,
        type=inv.type,
        status=inv.status,
        summary=inv.summary,
        officer=inv.officer.username if inv.officer else None,
        supervisor=inv.supervisor.username if inv.supervisor else None,
        review_due_at=inv.review_due_at,
        last_activity_at=inv.last_activity_at,
        version=inv.version,
        people=[InvestigationPersonOut(id=ip.person_id, name=ip.person.full_name, role=ip.role) for ip in named],
    )


def _investigation(request: HttpRequest, pk: int, justification: str) -> Investigation:
    inv = selectors.investigation_for_user(_user(request), pk)
    for ip in getattr(inv, "named", []):
        person_for_user(
            _user(request), ip.person_id, justification=justification, channel="api", event_type="investigation.view"
        )
    return inv


def _dfu_out(r: DfuRequest) -> DfuOut:
    return DfuOut(
        id=r.pk,
        devices=list(r.devices),
        priority=r.priority,
        submitted_at=r.submitted_at,
        started_at=r.started_at,
        completed_at=r.completed_at,
        results=r.results,
    )


def _bail_out(b: Bail) -> BailOut:
    return BailOut(id=b.pk, suspect_id=b.suspect_id, conditions=b.conditions, ends_at=b.ends_at, outcome=b.outcome)


@router.get("/{pk}", response=InvestigationOut, summary="One investigation")
def read(request: HttpRequest, pk: int, justification: Justification = ""):  # type: ignore[valid-type]
    return _out(_investigation(request, pk, justification))


@router.post("", response={201: OpenedOut}, summary="Open an investigation")
def open_(request: HttpRequest, payload: OpenIn, justification: Justification = ""):  # type: ignore[valid-type]
    def people(ids: list[int]):
        return [
            person_for_user(
                _user(request), i, justification=justification, channel="api", event_type="investigation.open"
            )[0]
            for i in ids
        ]

    opened = services.investigation_open(
        actor=_user(request),
        type=payload.type,
        victims=people(payload.victim_ids),
        suspects=people(payload.suspect_ids),
        summary=payload.summary,
        channel="api",
    )
    inv = opened.record
    return Status(
        201,
        OpenedOut(
            investigation=_out(inv), prompts=[PromptOut(rule_id=p.rule_id, message=p.message) for p in opened.prompts]
        ),
    )


@router.post("/{pk}/allocations", response={201: AllocationOut}, summary="Allocate (INV-1)")
def allocate(request: HttpRequest, pk: int, payload: AllocateIn, justification: Justification = ""):  # type: ignore[valid-type]
    inv = _investigation(request, pk, justification)
    officer = User.objects.filter(username=payload.officer, is_active=True).first()
    if officer is None:
        raise Http404("No such officer.")
    allocation = services.investigation_allocate(
        actor=_user(request),
        investigation=inv,
        officer=officer,
        rationale=payload.rationale,
        expected_version=payload.version,
        channel="api",
    )
    return Status(
        201,
        AllocationOut(
            id=allocation.pk,
            officer=officer.username,
            at=allocation.at,
            override_accreditation=allocation.override_accreditation,
        ),
    )


@router.get("/{pk}/dfu-requests", response=list[DfuOut], summary="The investigation's DFU requests")
def dfu_list(request: HttpRequest, pk: int, justification: Justification = ""):  # type: ignore[valid-type]
    inv = _investigation(request, pk, justification)
    return [_dfu_out(r) for r in inv.dfu_requests.all()]


@router.post("/{pk}/dfu-requests", response={201: DfuOut}, summary="Submit devices to the DFU (INV-4)")
def dfu_submit(request: HttpRequest, pk: int, payload: DfuIn, justification: Justification = ""):  # type: ignore[valid-type]
    inv = _investigation(request, pk, justification)
    made = services.dfu_submit(
        actor=_user(request),
        investigation=inv,
        devices=payload.devices,
        priority=payload.priority,
        reason=payload.reason,
        channel="api",
    )
    return Status(201, _dfu_out(made))


@router.get("/{pk}/bail", response=list[BailOut], summary="The investigation's bail")
def bail_list(request: HttpRequest, pk: int, justification: Justification = ""):  # type: ignore[valid-type]
    inv = _investigation(request, pk, justification)
    return [_bail_out(b) for b in inv.bails.all()]


@router.post("/{pk}/bail", response={201: BailOut}, summary="Record bail (INV-7)")
def bail_set(request: HttpRequest, pk: int, payload: BailIn, justification: Justification = ""):  # type: ignore[valid-type]
    inv = _investigation(request, pk, justification)
    suspect = next((ip.person for ip in getattr(inv, "named", []) if ip.person_id == payload.suspect_id), None)
    if suspect is None:
        raise Http404("That person is not on this investigation.")
    made = services.bail_set(
        actor=_user(request),
        investigation=inv,
        suspect=suspect,
        conditions=payload.conditions,
        ends_at=payload.ends_at,
        channel="api",
    )
    return Status(201, _bail_out(made))
