"""Police protection in `/api/v1/protection`: start, read, designate, hand over and end, through the same
services (and so the same guards, PP-1 to PP-4) as the pages."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from childsafe.core import access
from childsafe.core.api import IsoDateTime
from childsafe.core.models import User
from childsafe.core.roles import Capability
from childsafe.core.text import Justification
from childsafe.incidents import selectors as incident_selectors
from childsafe.people.access import person_for_user
from childsafe.protection import selectors, services
from childsafe.protection.models import PoliceProtection

router = Router(tags=["protection"])


class ChildIn(Schema):
    person_id: int
    wishes: str = Field(max_length=10000, description="The child's wishes and feelings, or why not asked.")


class PlaceIn(Schema):
    kind: str = Field(description="foster_care, la_accommodation, relative, hospital or police_station")
    name: str = Field(max_length=300)
    rationale: str = Field("", max_length=10000, description="Required for a police station (PP-1).")


class StartIn(Schema):
    children: list[ChildIn]
    incident_id: int | None = None
    removed_at: IsoDateTime
    reason: str = Field(max_length=20000, description="The circumstances and why the children were removed.")
    place_of_safety: PlaceIn
    la_informed_at: IsoDateTime | None = None
    parents_informed: str = Field(max_length=10000)
    offences_against_child: str = Field(description="yes, no or unknown (PP-4)")
    investigation_reference: str = Field("", max_length=60)
    offences_reason: str = Field("", max_length=10000)


class PromptOut(Schema):
    rule_id: str
    message: str


class ProtectionOut(Schema):
    id: int
    reference: str
    open: bool
    removed_at: datetime
    legal_maximum_at: datetime
    designated_officer: str | None
    ended_at: datetime | None
    end_outcome: str
    version: int
    children: list[int]
    prompts: list[PromptOut] = []


class DesignateIn(Schema):
    officer: str = Field(description="The designated officer's username")
    rationale: str = ""
    version: int | None = None


class HandoverIn(Schema):
    to: str = Field(description="The next designated officer's username")
    rationale: str
    version: int | None = None


class EndIn(Schema):
    outcome: str = Field(
        description="returned_home, released_to_relative, emergency_protection_order, la_accommodation"
    )
    rationale: str
    ended_at: IsoDateTime | None = None
    version: int | None = None


def _out(p: PoliceProtection, prompts: list | None = None) -> ProtectionOut:
    from childsafe.protection.rules import LEGAL_MAXIMUM

    return ProtectionOut(
        id=p.pk,
        reference=p.reference,
        open=p.is_open,
        removed_at=p.removed_at,
        legal_maximum_at=p.removed_at + LEGAL_MAXIMUM,
        designated_officer=p.designated_officer.username if p.designated_officer else None,
        ended_at=p.ended_at,
        end_outcome=p.end_outcome,
        version=p.version,
        children=list(p.children.values_list("person_id", flat=True)),
        prompts=[PromptOut(rule_id=x.rule_id, message=x.message) for x in prompts or []],
    )


def _get(request: HttpRequest, pk: int, justification: str) -> PoliceProtection:
    """The protection through need to know; the one reason given counts for each of its children."""
    p = PoliceProtection.objects.filter(pk=pk).only("pk").first()
    ids = list(p.children.values_list("person_id", flat=True)) if p else []
    reasons = {str(i): justification for i in ids} if justification else {}
    return selectors.protection_for_user(request.user, pk, reasons=reasons, channel="api")  # type: ignore[arg-type]


def _officer(username: str) -> User:
    from django.http import Http404

    user = User.objects.filter(username=username, is_active=True, organisation__isnull=True).first()
    if user is None:
        raise Http404("No officer with that username.")
    return user


@router.post("", response={201: ProtectionOut}, summary="Start police protection (PP-1, PP-4)")
def start(request: HttpRequest, payload: StartIn, justification: Justification = ""):  # type: ignore[valid-type]
    user: User = request.user  # type: ignore[assignment]
    access.require(user, Capability.PROTECTION_START)
    incident = None
    if payload.incident_id is not None:
        reasons = {str(payload.incident_id): justification} if justification else {}
        incident = incident_selectors.incident_for_user(user, payload.incident_id, reasons=reasons, channel="api")
    children = [
        services.ChildInput(
            person_for_user(
                user, c.person_id, justification=justification, channel="api", event_type="protection.start"
            )[0],
            c.wishes,
        )
        for c in payload.children
    ]
    started = services.protection_start(
        actor=user,
        children=children,
        incident=incident,
        removed_at=payload.removed_at,
        reason=payload.reason,
        place_kind=payload.place_of_safety.kind,
        place_name=payload.place_of_safety.name,
        place_rationale=payload.place_of_safety.rationale,
        la_informed_at=payload.la_informed_at,
        parents_informed=payload.parents_informed,
        offences_against_child=payload.offences_against_child,
        investigation_reference=payload.investigation_reference,
        offences_reason=payload.offences_reason,
        channel="api",
    )
    return Status(201, _out(started.protection, started.prompts))


@router.get("/{pk}", response=ProtectionOut, summary="One police protection")
def read(request: HttpRequest, pk: int, justification: Justification = ""):  # type: ignore[valid-type]
    return _out(_get(request, pk, justification))


@router.post("/{pk}/designate", response=ProtectionOut, summary="Name the designated officer (PP-1)")
def designate(request: HttpRequest, pk: int, payload: DesignateIn, justification: Justification = ""):  # type: ignore[valid-type]
    p = _get(request, pk, justification)
    done = services.protection_designate(
        actor=request.user,  # type: ignore[arg-type]
        protection=p,
        officer=_officer(payload.officer),
        rationale=payload.rationale,
        version=payload.version,
        channel="api",
    )
    return _out(done)


@router.post("/{pk}/handover", response=ProtectionOut, summary="Hand over to another designated officer (PP-3)")
def handover(request: HttpRequest, pk: int, payload: HandoverIn, justification: Justification = ""):  # type: ignore[valid-type]
    p = _get(request, pk, justification)
    done = services.protection_handover(
        actor=request.user,  # type: ignore[arg-type]
        protection=p,
        to=_officer(payload.to),
        rationale=payload.rationale,
        version=payload.version,
        channel="api",
    )
    return _out(done)


@router.post("/{pk}/end", response=ProtectionOut, summary="End police protection (PP-3)")
def end(request: HttpRequest, pk: int, payload: EndIn, justification: Justification = ""):  # type: ignore[valid-type]
    p = _get(request, pk, justification)
    done = services.protection_end(
        actor=request.user,  # type: ignore[arg-type]
        protection=p,
        outcome=payload.outcome,
        rationale=payload.rationale,
        ended_at=payload.ended_at,
        version=payload.version,
        channel="api",
    )
    return _out(done)
