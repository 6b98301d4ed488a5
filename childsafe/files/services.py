"""Attach a document or photograph to a record, read it back, withdraw it (ADR 0025). Every write audited.

Reach: a file is about a child, so attaching, reading and withdrawing are checked against that child's
need to know (people.access, PL-3), as opening the child's record is; a reading is logged (s62).
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.http import Http404

from childsafe.core import access, audit, clock
from childsafe.core.errors import AccessDenied, InvalidInput, JustificationRequired
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability
from childsafe.files import inspect
from childsafe.files.models import FileKind, FileType, PersonPhoto, PhotoSource, PublicityDecision, StoredFile
from childsafe.people.access import Decision, decide
from childsafe.people.models import Person

_UNSAFE_NAME = re.compile(r"[^\w .()-]+")

# The records a document may be attached to: each about one child, whose need to know governs it.
# A record type whose own pages need more than the child's need to know (an offender's record) is not
# here, so attaching cannot reveal it. Add a type when its app shows its documents.
ATTACHABLE = {
    "people.person",
    "missing.missingepisode",
    "missing.safeandwellcheck",
    "missing.returnhomeinterview",
    "referrals.strategymeeting",
    "referrals.ppnchild",
    "protection.protectedchild",
    "investigations.investigationperson",
    "exploitation.assessment",
}


def subject_person(subject: models.Model) -> Person:
    """The child a record is about: the person themselves, or the record's `person`."""
    if subject._meta.label_lower not in ATTACHABLE:
        raise InvalidInput({"subject": "Documents cannot be attached to this kind of record."})
    if isinstance(subject, Person):
        return subject
    person = getattr(subject, "person", None)
    if isinstance(person, Person):
        return person
    # A record of a record about a child (a safe and well check of a missing episode).
    episode = getattr(subject, "episode", None)
    if isinstance(getattr(episode, "person", None), Person):
        return episode.person  # type: ignore[union-attr]
    raise InvalidInput({"subject": "Files can only be attached to a person or a record about one person."})


def check_reach(actor: User, person: Person, justification: str) -> None:
    verdict = decide(actor, person)
    if verdict.decision is Decision.HIDDEN or verdict.partner_view:
        raise Http404("No record with that reference.")
    if verdict.decision is Decision.REASON and not justification.strip():
        raise JustificationRequired(person.pk)


def _clean_name(name: str) -> str:
    base = os.path.basename(str(name or "").replace("\\", "/")).strip()
    base = _UNSAFE_NAME.sub("_", base).strip(" .")[:150]
    return base or "file"


def _read_upload(upload: IO[bytes] | Any) -> bytes:
    """Read an upload, refusing one over the limit before reading it (its size is known from the request)."""
    if upload is None:
        raise InvalidInput({"file": "Choose a file."})
    limit = settings.CHILDSAFE_FILES_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise InvalidInput(
            {"file": f"The file is {_megabytes(size)}; the largest Childsafe takes is {_megabytes(limit)}."}
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput({"file": f"The file is bigger than {_megabytes(limit)}, the largest Childsafe takes."})
    if not data:
        raise InvalidInput({"file": "The file is empty. Choose the file again."})
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:,.0f} KB"


def _store(
    *,
    actor: User,
    subject: models.Model,
    person: Person,
    kind: str,
    name: str,
    content_type: str,
    kept: bytes,
    received: bytes,
    notes: str,
) -> StoredFile:
    stored = StoredFile(
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        person=person,
        kind=kind,
        name=name,
        content_type=content_type,
        size=len(kept),
        sha256=hashlib.sha256(kept).hexdigest(),
        received_sha256=hashlib.sha256(received).hexdigest(),
        notes=notes,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    # Stored under a random name: the original name is kept only as data, never as a path.
    stored.blob.save(stored.token[:24], ContentFile(kept), save=False)
    stored.full_clean()
    stored.save()
    return stored


def _as_named(name: str, content_type: str) -> str:
    """The cleaned name, ending as its kept type does (a re-encoded image may have changed type)."""
    stem, dot, ext = name.rpartition(".")
    wanted = inspect.EXTENSIONS[content_type]
    if dot and f".{ext.lower()}" in wanted:
        return name
    return f"{stem if dot else name}{wanted[0]}"


def attach(
    *,
    actor: User,
    subject: models.Model,
    kind: str,
    upload: IO[bytes] | Any,
    name: str = "",
    notes: str = "",
    justification: str = "",
    channel: str = "web",
) -> StoredFile:
    """Keep a document on a record. The type comes from the bytes; images are re-encoded without metadata."""
    access.require(actor, Capability.FILE_ATTACH)
    person = subject_person(subject)
    check_reach(actor, person, justification)
    errors: dict[str, str] = {}
    if kind not in FileKind.values or kind == FileKind.PHOTOGRAPH:
        errors["kind"] = "Choose what kind of document this is."
    notes = str(notes or "").strip()
    if len(notes) > 2000:
        errors["notes"] = "Notes must be 2,000 characters or fewer."
    name = _clean_name(name or getattr(upload, "name", ""))
    try:
        data = _read_upload(upload)
        content_type = inspect.sniff(data, name)
        kept = data
        if content_type in (FileType.PNG, FileType.JPEG):
            encoded = inspect.reencode_image(data)
            kept, content_type = encoded.data, encoded.content_type
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    name = _as_named(name, content_type)
    with transaction.atomic():
        stored = _store(
            actor=actor,
            subject=subject,
            person=person,
            kind=kind,
            name=name,
            content_type=content_type,
            kept=kept,
            received=data,
            notes=notes,
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="file.attach",
            subject=stored,
            person_id=person.pk,
            new={
                "record": f"{stored.subject_type}:{stored.subject_id}",
                "kind": kind,
                "name": name,
                "content_type": content_type,
                "size": stored.size,
                "sha256": stored.sha256,
                "received_sha256": stored.received_sha256,
            },
            channel=channel,
        )
    return stored


def photo_add(
    *,
    actor: User,
    person: Person,
    upload: IO[bytes] | Any,
    taken_at: datetime | None,
    source: str,
    description: str = "",
    justification: str = "",
    channel: str = "web",
) -> PersonPhoto:
    """Keep a photograph of a person: re-encoded as a JPEG from its pixels alone, with a thumbnail."""
    access.require(actor, Capability.FILE_ATTACH)
    check_reach(actor, person, justification)
    errors: dict[str, str] = {}
    if source not in PhotoSource.values:
        errors["source"] = "Choose where the photograph came from."
    if taken_at is None:
        errors["taken_at"] = "Enter when the photograph was taken."
    elif taken_at > clock.now():
        errors["taken_at"] = "When the photograph was taken must be in the past."
    description = str(description or "").strip()
    if len(description) > 300:
        errors["description"] = "The description must be 300 characters or fewer."
    try:
        data = _read_upload(upload)
        # The name does not matter for a photograph: it is re-encoded as a JPEG whatever it was.
        content_type = inspect.sniff(data, "")
        if content_type not in (FileType.PNG, FileType.JPEG):
            raise InvalidInput({"file": "A photograph must be a JPEG or PNG image."})
        encoded = inspect.reencode_image(data, as_jpeg=True)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    assert taken_at is not None
    with transaction.atomic():
        stored = _store(
            actor=actor,
            subject=person,
            person=person,
            kind=FileKind.PHOTOGRAPH,
            name=f"photograph-{person.pk}-{taken_at:%Y%m%d}.jpg",
            content_type=encoded.content_type,
            kept=encoded.data,
            received=data,
            notes=description,
        )
        photo = PersonPhoto(person=person, image=stored, taken_at=taken_at, source=source, description=description)
        photo.thumbnail.save(stored.token[:24], ContentFile(inspect.thumbnail(encoded.data)), save=False)
        photo.full_clean()
        photo.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="file.photo",
            subject=stored,
            person_id=person.pk,
            new={"taken_at": taken_at, "source": source, "sha256": stored.sha256},
            channel=channel,
        )
    return photo


def file_for_user(
    user: User, token: str, *, justification: str = "", channel: str = "web", event_type: str = "file.download"
) -> StoredFile:
    """A file for reading, after the child's need-to-know check; the reading is logged (s62)."""
    stored = StoredFile.objects.select_related("person").filter(token=token).first()
    if stored is None:
        raise Http404("No file with that reference.")
    verdict = decide(user, stored.person)
    if verdict.decision is Decision.HIDDEN or verdict.partner_view:
        audit.access(
            actor=user,
            event_type=f"{event_type}.refused",
            subject=stored,
            person_id=stored.person_id,
            justification="Refused: not within this user's need to know.",
            channel=channel,
        )
        raise Http404("No file with that reference.")
    if verdict.decision is Decision.REASON and not justification.strip():
        raise JustificationRequired(stored.person_id)
    audit.access(
        actor=user,
        event_type=event_type,
        subject=stored,
        person_id=stored.person_id,
        justification=justification.strip(),
        channel=channel,
    )
    return stored


def withdraw(
    *, actor: User, stored: StoredFile, reason: str, justification: str = "", channel: str = "web"
) -> StoredFile:
    """Take a file out of use, with a reason. The bytes stay (nothing is deleted) and the act is audited."""
    if stored.uploaded_by_id != actor.pk and not access.can(actor, Capability.FILE_WITHDRAW):
        raise AccessDenied("Only the person who attached a file, or a supervisor, can withdraw it.")
    check_reach(actor, stored.person, justification)
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Enter why the file is being withdrawn."})
    if len(reason) > 2000:
        raise InvalidInput({"reason": "The reason must be 2,000 characters or fewer."})
    with transaction.atomic():
        locked = StoredFile.objects.select_for_update().get(pk=stored.pk)
        if locked.withdrawn_at is not None:
            raise InvalidInput({"reason": "This file was withdrawn a moment ago by someone else."})
        locked.withdrawn_at = clock.now()
        locked.withdrawn_by = actor
        locked.withdrawal_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="file.withdraw",
            subject=locked,
            person_id=locked.person_id,
            old={"withdrawn": False},
            new={"withdrawn": True, "reason": reason},
            channel=channel,
        )
    return locked


def publicity_decide(
    *, actor: User, episode: Any, release: bool | None, carer_view: str, rationale: str, channel: str = "web"
) -> PublicityDecision:
    """The FIM's own decision on a publicity appeal, with the carer's view; audited. Only a FIM decides."""
    from childsafe.core.roles import Role

    if actor.role != Role.FIM:
        raise AccessDenied("A publicity appeal is the force incident manager's decision.")
    check_reach(actor, episode.person, "")
    errors: dict[str, str] = {}
    if release is None:
        errors["release"] = "Choose whether the sheet may be released to the public."
    carer_view = str(carer_view or "").strip()
    rationale = str(rationale or "").strip()
    if not carer_view:
        errors["carer_view"] = "Enter what the parent or carer said about a public appeal."
    if not rationale:
        errors["rationale"] = "Enter the reason for the decision."
    for name, value in (("carer_view", carer_view), ("rationale", rationale)):
        if len(value) > 5000 and name not in errors:
            errors[name] = "This must be 5,000 characters or fewer."
    if errors:
        raise InvalidInput(errors)
    assert release is not None
    with transaction.atomic():
        decision = PublicityDecision(
            episode=episode,
            release=release,
            carer_view=carer_view,
            rationale=rationale,
            decided_by=actor,
            decided_at=clock.now(),
        )
        decision.full_clean()
        decision.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="missing.publicity_decide",
            subject=episode,
            person_id=episode.person_id,
            new={"release": release, "carer_view": carer_view, "rationale": rationale},
            channel=channel,
        )
    return decision


def body_map_record(
    *, actor: User, check: models.Model, regions: list[str], notes: str, justification: str = "", channel: str = "web"
) -> StoredFile:
    """A body map on a safe and well check: the ticked places drawn on a front and back outline, as a PNG."""
    from childsafe.files import bodymap

    access.require(actor, Capability.FILE_ATTACH)
    person = subject_person(check)
    check_reach(actor, person, justification)
    errors: dict[str, str] = {}
    marked = {r for r in regions if r in bodymap.REGION_LABELS}
    if not marked or len(marked) != len(set(regions)):
        errors["regions"] = "Tick where on the body each injury or mark is."
    notes = str(notes or "").strip()
    if not notes:
        errors["notes"] = "Describe each injury or mark: where, its size, colour and shape, and what the child said."
    elif len(notes) > 2000:
        errors["notes"] = "Notes must be 2,000 characters or fewer."
    if errors:
        raise InvalidInput(errors)
    picture = bodymap.draw(marked)
    places = ", ".join(label for key, label, *_ in bodymap.REGIONS if key in marked)
    with transaction.atomic():
        stored = _store(
            actor=actor,
            subject=check,
            person=person,
            kind=FileKind.BODY_MAP,
            name=f"body-map-{clock.now():%Y%m%d-%H%M}.png",
            content_type=FileType.PNG,
            kept=picture,
            received=picture,
            notes=f"{places}. {notes}",
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="file.body_map",
            subject=stored,
            person_id=person.pk,
            new={"record": f"{stored.subject_type}:{stored.subject_id}", "places": places, "notes": notes},
            channel=channel,
        )
    return stored
