"""Verbs for photographs of people and documents on records (ADR 0025), through the same services.

The replay has no real files: `person.photo` stores a small generated JPEG (carrying a GPS position, so
a scenario exercises the stripping) and `record.attach` a short text file with the given name.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from childsafe.core.errors import AccessDenied, JustificationRequired
from childsafe.files import services
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb


@contextmanager
def _reach() -> Iterator[None]:
    """Outside the user's need to know, the replay reports a refusal as a page would show one."""
    try:
        yield
    except JustificationRequired:
        raise AccessDenied("This child is outside the user's area: give a `reason` for the record.") from None
    except Http404:
        raise AccessDenied("This record is not within the user's need to know.") from None


def _generated_photo() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (120, 160), (150, 120, 100))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (54.0, 0.0, 1.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@verb("person.photo", fields={"child", "taken_at", "source", "description", "reason"}, required={"child", "source"})
def person_photo(ctx: Context, args: dict[str, Any]) -> StepResult:
    """A photograph of the child, taken `taken_at` (default: now), from `source` (carer, custody, school...)."""
    person = ctx.person(args["child"])
    with _reach():
        photo = services.photo_add(
            actor=ctx.actor,
            person=person,
            upload=SimpleUploadedFile("photograph.jpg", _generated_photo()),
            taken_at=ctx.time(args["taken_at"]) if args.get("taken_at") is not None else ctx.now,
            source=str(args["source"]),
            description=str(args.get("description", "") or ""),
            justification=str(args.get("reason", "") or ""),
            channel="replay",
        )
    return StepResult(record=photo, person_ids=[person.pk])


@verb("record.attach", fields={"subject", "kind", "name", "notes", "reason"}, required={"subject", "kind", "name"})
def record_attach(ctx: Context, args: dict[str, Any]) -> StepResult:
    """A document on a saved record or a person (`subject`: a `save` name or a person key)."""
    key = args["subject"]
    subject = ctx.people[key] if key in ctx.people else ctx.record(key)
    name = str(args["name"])
    body = f"{name}\nA document attached in a scenario replay.\n".encode()
    with _reach():
        stored = services.attach(
            actor=ctx.actor,
            subject=subject,
            kind=str(args["kind"]),
            upload=SimpleUploadedFile(name, body),
            notes=str(args.get("notes", "") or ""),
            justification=str(args.get("reason", "") or ""),
            channel="replay",
        )
    return StepResult(record=stored, person_ids=[stored.person_id])
