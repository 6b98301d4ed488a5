"""Reads: the latest photograph of a child and the files on a record, in a fixed number of queries."""

from __future__ import annotations

from django.db import models

from childsafe.core import compiled
from childsafe.files.models import FileKind, PersonPhoto, StoredFile


def latest_photo(person_ids: list[int]) -> PersonPhoto | None:
    # On every child's page and intelligence check that has one: a statement built once (ADR 0067).
    found = compiled.where_one_of(
        PersonPhoto,
        "t0.person_id",
        person_ids,
        also="t1.id IS NOT NULL AND t1.withdrawn_at IS NULL",  # t1: the image
        related=("image",),
        order="t0.taken_at DESC, t0.id DESC",
        limit=1,
    )
    return found[0] if found else None


def files_on(subject: models.Model) -> list[StoredFile]:
    return list(
        StoredFile.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
        .exclude(kind=FileKind.PHOTOGRAPH)
        .select_related("uploaded_by", "withdrawn_by")
        .order_by("-uploaded_at")
    )


def files_about(person_ids: list[int]) -> list[StoredFile]:
    """Every document about the child, on any of their records, newest first (withdrawn ones shown as such)."""
    return compiled.where_one_of(
        StoredFile,
        "t0.person_id",
        person_ids,
        also="t0.kind <> %s",
        params=[FileKind.PHOTOGRAPH.value],
        related=("uploaded_by",),
        order="t0.uploaded_at DESC",
        limit=50,
    )
