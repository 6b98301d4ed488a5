"""PPNs in `/api/v1/referrals`: submit a PPN from another system (RF-1, RF-2, RF-8), as the PPN form does."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from childsafe.core import access, audit
from childsafe.core.errors import InvalidInput
from childsafe.core.roles import Capability
from childsafe.core.text import Justification
from childsafe.incidents import selectors as incident_selectors
from childsafe.incidents.models import IncidentPerson
from childsafe.people.access import person_for_user
from childsafe.referrals import selectors, services

router = Router(tags=["referrals"])


class AwareIn(Schema):
    appearance: str = Field("", max_length=5000)
    words: str = Field("", max_length=5000)
    activity: str = Field("", max_length=5000)
    relationships: str = Field("", max_length=5000)
    environment: str = Field("", max_length=5000)


class PpnChildIn(Schema):
    person_id: int
    aware: AwareIn
    voice: str = Field(max_length=10000, description="The child's words, or why they were not spoken to (RF-1).")
    ethnicity: str = Field(max_length=2, description="Self-defined 18+1 code, or NS for not stated (RF-2).")


class OtherChildIn(Schema):
    person_id: int
    reason: str = Field("", max_length=10000, description="Why this child is not referred on the PPN (RF-8).")


class PpnIn(Schema):
    concern: str = Field(max_length=20000)
    children: list[PpnChildIn] = Field(min_length=1, max_length=services.MAX_CHILDREN)
    incident_id: int | None = None
    other_people: list[OtherChildIn] = Field(
        [], description="Other children of the household on police records not referred, each with why not (RF-8)."
    )
    other_children: str = Field(
        "", max_length=10000, description="Other children not known to police: household, access, friends (RF-8)."
    )
    requirement_id: int | None = Field(
        None, description="The RF-7 requirement this PPN answers (a record that showed a child at risk), if any."
    )


class PromptOut(Schema):
    rule_id: str
    message: str


class PpnOut(Schema):
    id: int
    reference: str
    status: str
    prompts: list[PromptOut]


@router.post("/ppns", response={201: PpnOut}, summary="Submit a PPN (AWARE, the child's voice, ethnicity)")
def submit(request: HttpRequest, payload: PpnIn, justification: Justification = ""):  # type: ignore[valid-type]
    access.require(request.user, Capability.INCIDENT_RECORD)
    incident = None
    if payload.incident_id is not None:
        # The reason is for the children on the incident, which is how the incident's need to know is judged.
        on_incident = IncidentPerson.objects.filter(incident_id=payload.incident_id).values_list("person_id", flat=True)
        reasons = {str(pid): justification for pid in on_incident} if justification else {}
        incident = incident_selectors.incident_for_user(
            request.user,  # type: ignore[arg-type]
            payload.incident_id,
            reasons=reasons,
            channel="api",
        )
    # The children's views are logged with the PPN, in its transaction (one lock of the audit chain), or
    # on their own if the submission is refused.
    viewed = audit.Batch()
    children = []
    for child in payload.children:
        # Each child opened through need to know, and the view logged, as on the PPN form.
        person, _ = person_for_user(
            request.user,
            child.person_id,
            justification=justification,  # type: ignore[arg-type]
            channel="api",
            event_type="ppn.submit",
            log=viewed,
        )
        children.append(
            services.PpnChildInput(person, aware=child.aware.dict(), voice=child.voice, ethnicity=child.ethnicity)
        )
    others = []
    for other in payload.other_people:
        # Named on the PPN, so opened through need to know like a referred child.
        person, _ = person_for_user(
            request.user,
            other.person_id,
            justification=justification,  # type: ignore[arg-type]
            channel="api",
            event_type="ppn.submit",
            log=viewed,
        )
        others.append(services.OtherChildInput(person, reason=other.reason))
    try:
        requirement = None
        if payload.requirement_id is not None:
            requirement = selectors.open_requirement(payload.requirement_id)
            if requirement is None:
                raise InvalidInput({"requirement_id": "There is no PPN still due with that number."})
        submitted = services.ppn_submit(
            actor=request.user,  # type: ignore[arg-type]
            concern=payload.concern,
            children=children,
            incident=incident,
            other_children=payload.other_children,
            other_people=others,
            channel="api",
            requirement=requirement,
            viewed=viewed,
        )
    except Exception:
        viewed.write()  # the records were opened, whatever became of the PPN
        raise
    ppn = submitted.ppn
    return Status(
        201,
        PpnOut(
            id=ppn.pk,
            reference=ppn.reference,
            status=ppn.status,
            prompts=[PromptOut(rule_id=p.rule_id, message=p.message) for p in submitted.prompts],
        ),
    )
