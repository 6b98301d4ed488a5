"""Reads: the latest photograph of a child and the files on a record, in a fixed number of queries."""

from __future__ import annotations

from django.db import models

from childsafe.files.models import FileKind, PersonPhoto, StoredFile


def latest_photo(person_ids: list[int]) -> PersonPhoto | None:
    return (
        PersonPhoto.objects.filter(person_id__in=person_ids, image__withdrawn_at__isnull=True)
        .select_related("image")
        .order_by("-taken_at", "-pk")
        .first()
    )


def files_on(subject: models.Model) -> list[StoredFile]:
    return list(
        StoredFile.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
        .exclude(kind=FileKind.PHOTOGRAPH)
        .select_related("uploaded_by", "withdrawn_by")
        .order_by("-uploaded_at")
    )


def files_about(person_ids: list[int]) -> list[StoredFile]:
    """Every document about the child, on any of their records, newest first (withdrawn ones shown as such)."""
    return list(
        StoredFile.objects.filter(person_id__in=person_ids)
        .exclude(kind=FileKind.PHOTOGRAPH)
        .select_related("uploaded_by")
        .order_by("-uploaded_at")[:50]
    )
