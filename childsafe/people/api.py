"""People in `/api/v1/people`: search, read (logged), record, add a marker."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from childsafe.core import access
from childsafe.core.api import Flag, IsoDate
from childsafe.core.roles import Capability
from childsafe.core.text import ApiText, Justification
from childsafe.people import search as person_search
from childsafe.people import selectors, services
from childsafe.people.access import people_visible_to, person_for_user
from childsafe.people.models import Person

router = Router(tags=["people"])


class MarkerOut(Schema):
    type: str
    label: str
    start_date: date
    review_date: date | None
    source: str
    on_record: int = Field(description="The record the marker is held on: this person or a linked duplicate.")


class PersonOut(Schema):
    id: int
    forenames: str
    surname: str
    date_of_birth: date | None
    dob_is_approximate: bool
    sex: str
    ethnicity_self_defined: str
    looked_after: bool
    linked_records: list[int]
    markers: list[MarkerOut]


class SearchHit(Schema):
    id: int
    forenames: str
    surname: str
    date_of_birth: date | None
    score: float
    reasons: list[str]


class AddressIn(Schema):
    line1: ApiText(200, min_length=1)  # type: ignore[valid-type]
    town: ApiText(100, min_length=1)  # type: ignore[valid-type]
    postcode: ApiText(10) = ""  # type: ignore[valid-type]


class PersonIn(Schema):
    forenames: ApiText(120, min_length=1)  # type: ignore[valid-type]
    surname: ApiText(120, min_length=1)  # type: ignore[valid-type]
    date_of_birth: IsoDate | None = None
    dob_is_approximate: Flag = False
    sex: ApiText(16) = "unknown"  # type: ignore[valid-type]
    ethnicity_self_defined: ApiText(3) = ""  # type: ignore[valid-type]
    ethnicity_observed: ApiText(3) = ""  # type: ignore[valid-type]
    address: AddressIn | None = None
    looked_after: Flag = False
    notes: ApiText(10_000) = ""  # type: ignore[valid-type]


class DuplicateOut(Schema):
    id: int
    score: float
    reasons: list[str]


class PromptOut(Schema):
    rule_id: str
    message: str


class PersonCreatedOut(Schema):
    person: PersonOut
    prompts: list[PromptOut]
    possible_duplicates: list[DuplicateOut]


class MarkerIn(Schema):
    type: ApiText(20, min_length=1)  # type: ignore[valid-type]
    source: ApiText(200, min_length=1)  # type: ignore[valid-type]
    start_date: IsoDate | None = None
    review_date: IsoDate | None = None
    notes: ApiText(10_000) = ""  # type: ignore[valid-type]


def _person_out(person: Person) -> PersonOut:
    cluster = selectors.identity_cluster(person.pk)
    return PersonOut(
        id=person.pk,
        forenames=person.forenames,
        surname=person.surname,
        date_of_birth=person.date_of_birth,
        dob_is_approximate=person.dob_is_approximate,
        sex=person.sex,
        ethnicity_self_defined=person.ethnicity_self_defined,
        looked_after=person.looked_after,
        linked_records=[pid for pid in cluster if pid != person.pk],
        markers=[
            MarkerOut(
                type=m.type,
                label=m.get_type_display(),
                start_date=m.start_date,
                review_date=m.review_date,
                source=m.source,
                on_record=m.person_id,
            )
            for m in selectors.active_markers(cluster)
        ],
    )


@router.get(
    "/",
    response=list[SearchHit],
    summary="Search for a person by any mix of name, date of birth (or year, or age range), address and school",
)
def search(
    request: HttpRequest,
    q: ApiText(200) = "",  # type: ignore[valid-type]
    dob: IsoDate | None = None,
    year: int | None = None,
    age_from: int | None = None,
    age_to: int | None = None,
    address: ApiText(200) = "",  # type: ignore[valid-type]
    school: ApiText(200) = "",  # type: ignore[valid-type]
) -> list[SearchHit]:
    """Best match first, each with its score (0 to 1) and why it matched (spelling, short forms, a
    day/month swap, a part of a double-barrelled surname, address, school)."""
    access.require(request.user, Capability.PERSON_VIEW)
    wanted = person_search.wanted_from(
        q=q, dob=dob, year=year, age_from=age_from, age_to=age_to, address=address, school=school
    )
    hits = person_search.find(wanted, queryset=people_visible_to(request.user))  # type: ignore[arg-type]
    return [
        SearchHit(
            id=h.person.pk,
            forenames=h.person.forenames,
            surname=h.person.surname,
            date_of_birth=h.person.date_of_birth,
            score=h.match.score,
            reasons=h.match.reasons,
        )
        for h in hits
    ]


@router.get("/{person_id}", response=PersonOut, summary="A person's record with every active marker")
def read(request: HttpRequest, person_id: int, justification: Justification = "") -> PersonOut:  # type: ignore[valid-type]
    person, decision = person_for_user(
        request.user,
        person_id,
        justification=justification,  # type: ignore[arg-type]
        channel="api",
        event_type="person.api_read",
    )
    if decision.partner_view:
        access.require(request.user, Capability.PERSON_VIEW)  # partners use the portal, not the police API
    return _person_out(person)


@router.post("/", response={201: PersonCreatedOut}, summary="Record a person (returns possible duplicates, PL-2)")
def create(request: HttpRequest, payload: PersonIn):
    data = payload.dict()
    address = data.pop("address")
    created = services.person_create(
        actor=request.user,
        channel="api",  # type: ignore[arg-type]
        address=services.AddressInput(**address) if address else None,
        **data,
    )
    return Status(
        201,
        PersonCreatedOut(
            person=_person_out(created.person),
            prompts=[PromptOut(rule_id=p.rule_id, message=p.message) for p in created.prompts],
            possible_duplicates=[
                DuplicateOut(id=p.pk, score=m.score, reasons=m.reasons) for p, m in created.possible_duplicates
            ],
        ),
    )


@router.post("/{person_id}/markers", response={201: MarkerOut}, summary="Add a warning marker")
def add_marker(request: HttpRequest, person_id: int, payload: MarkerIn, justification: Justification = ""):  # type: ignore[valid-type]
    access.require(request.user, Capability.MARKER_MANAGE)
    person, _ = person_for_user(
        request.user,
        person_id,
        justification=justification,
        channel="api",  # type: ignore[arg-type]
        event_type="person.api_read",
    )
    marker = services.marker_add(
        actor=request.user,  # type: ignore[arg-type]
        person=person,
        channel="api",
        reasons={str(person.pk): justification},
        **payload.dict(),
    )
    return Status(
        201,
        MarkerOut(
            type=marker.type,
            label=marker.get_type_display(),
            start_date=marker.start_date,
            review_date=marker.review_date,
            source=marker.source,
            on_record=marker.person_id,
        ),
    )
