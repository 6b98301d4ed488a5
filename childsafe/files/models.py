"""Documents and photographs kept on any record (ADR 0025).

A StoredFile is the bytes as kept (checked, images re-encoded), found by an unguessable token and
attached to a record by its type and id, with the child whose need to know governs every download.
A file is never deleted: it is withdrawn with a reason and the bytes stay for the audit trail.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models

from childsafe.people.models import Person


def files_storage() -> Storage:
    """Looked up on use, so a test's or production's STORAGES setting is the one that counts."""
    return storages["childsafe_files"]


def new_token() -> str:
    return secrets.token_urlsafe(32)


class FileKind(models.TextChoices):
    PHOTOGRAPH = "photograph", "Photograph of the person"
    STRATEGY_MINUTES = "strategy_minutes", "Strategy meeting minutes"
    RHI_REPORT = "rhi_report", "Return home interview report"
    BODY_MAP = "body_map", "Body map"
    DFU_RESULT = "dfu_result", "Digital forensic result"
    PROTECTION_PAPERWORK = "protection_paperwork", "Police protection paperwork"
    ACTION_PLAN_EVIDENCE = "action_plan_evidence", "Action plan evidence"
    EVIDENCE = "evidence", "Evidence"
    OTHER = "other", "Other document"


DOCUMENT_KINDS = [(k.value, k.label) for k in FileKind if k != FileKind.PHOTOGRAPH]


class FileType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG image"
    JPEG = "image/jpeg", "JPEG image"
    TEXT = "text/plain", "Plain text"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel spreadsheet"
    PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint presentation"
    ODT = "application/vnd.oasis.opendocument.text", "OpenDocument text"
    ODS = "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet"


class PhotoSource(models.TextChoices):
    CARER = "carer", "Carer"
    CUSTODY = "custody", "Custody"
    SCHOOL = "school", "School"
    SOCIAL_MEDIA = "social_media", "Social media"
    OFFICER = "officer", "Taken by an officer"
    OTHER = "other", "Other"


class StoredFile(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # The record the file is attached to ("missing.missingepisode", "42"), and the child it concerns.
    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=64)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stored_files")
    kind = models.CharField(max_length=32, choices=FileKind.choices)
    name = models.CharField(max_length=200)  # the name shown and given to a download, cleaned
    content_type = models.CharField(max_length=100, choices=FileType.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)  # of the bytes as kept
    received_sha256 = models.CharField(max_length=64)  # of the bytes as received, before any re-encoding
    blob = models.FileField(storage=files_storage, upload_to="documents/%Y/%m/", max_length=300)
    notes = models.TextField(blank=True, default="")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "file"
        indexes = [models.Index(fields=["subject_type", "subject_id"]), models.Index(fields=["person", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_image(self) -> bool:
        return self.content_type in (FileType.PNG, FileType.JPEG)


class PersonPhoto(models.Model):
    """A photograph of a person: the image (a StoredFile, re-encoded) and its thumbnail."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="photos")
    image = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="photo")
    thumbnail = models.FileField(storage=files_storage, upload_to="thumbnails/%Y/%m/", max_length=300)
    taken_at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=PhotoSource.choices)
    description = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        verbose_name = "photograph"
        ordering = ["-taken_at", "-pk"]

    def __str__(self) -> str:
        return f"Photograph of person {self.person_id} taken {self.taken_at:%Y-%m-%d}"


class PublicityDecision(models.Model):
    """The FIM's decision on a publicity appeal for a missing child, with the carer's view (issue 18).

    The briefing sheet is marked for public release only while the latest decision says so.
    """

    episode = models.ForeignKey("missing.MissingEpisode", on_delete=models.PROTECT, related_name="+")
    release = models.BooleanField()
    carer_view = models.TextField()
    rationale = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = "publicity decision"
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"Publicity {'approved' if self.release else 'declined'} for missing episode {self.episode_id}"
