"""File pages: attach to a record, add a person's photograph, download (checked, logged), withdraw.

Nothing here is served from a guessable URL: a file is found by its token and every reading goes
through `services.file_for_user`, which checks the child's need to know and logs the consultation.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from childsafe.core import access
from childsafe.core.errors import InvalidInput
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors, posted
from childsafe.files import services
from childsafe.files.forms import AttachForm, PhotoForm, WithdrawForm
from childsafe.files.models import StoredFile
from childsafe.people.models import Person
from childsafe.people.web import reason_checked, reasons

GET_POST = require_http_methods(["GET", "POST"])


def _subject(subject_type: str, subject_id: str):  # type: ignore[no-untyped-def]
    try:
        model = apps.get_model(subject_type)
    except (LookupError, ValueError):
        raise Http404("No record with that reference.") from None
    subject = model.objects.filter(pk=subject_id).first() if subject_id.isdigit() else None
    if subject is None:
        raise Http404("No record with that reference.")
    return subject


def _back(subject) -> str:  # type: ignore[no-untyped-def]
    url = getattr(subject, "get_documents_url", None) or getattr(subject, "get_absolute_url", None)
    if url:
        return url()
    return f"/people/{services.subject_person(subject).pk}/"


def _why(request: HttpRequest, person_id: int) -> str:
    return reasons(request).get(str(person_id), "")


@access_checked
@reason_checked
@GET_POST
def attach(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    access.require(request.user, Capability.FILE_ATTACH)
    subject = _subject(subject_type, subject_id)
    try:
        person = services.subject_person(subject)
    except InvalidInput:
        raise Http404("Files can only be attached to a record about a person.") from None
    services.check_reach(request.user, person, _why(request, person.pk))
    form = AttachForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.attach(
                actor=request.user,
                subject=subject,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                notes=form.cleaned_data["notes"],
                justification=_why(request, person.pk),
            )
        except InvalidInput as exc:
            if "file" in exc.errors and form.cleaned_data["file"] is None:
                exc.errors["file"] = "Choose a file to attach."
            apply_errors(form, exc)
        else:
            messages.success(request, f"Attached: {stored.name}.")
            return redirect(_back(subject))
    return render(
        request,
        "files/attach.html",
        {"form": form, "subject": subject, "person": person, "back": _back(subject), "has_errors": bool(form.errors)},
    )


@access_checked
@reason_checked
@GET_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.FILE_ATTACH)
    person = get_object_or_404(Person, pk=pk)
    services.check_reach(request.user, person, _why(request, person.pk))
    form = PhotoForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        taken_at = form.taken_at()
        if not form.errors:
            try:
                services.photo_add(
                    actor=request.user,
                    person=person,
                    upload=form.cleaned_data["file"],
                    taken_at=taken_at,
                    source=form.cleaned_data["source"],
                    description=form.cleaned_data["description"],
                    justification=_why(request, person.pk),
                )
            except InvalidInput as exc:
                if "file" in exc.errors and form.cleaned_data["file"] is None:
                    exc.errors["file"] = "Choose the photograph to add."
                if "taken_at" in exc.errors:
                    exc.errors["taken_on"] = exc.errors.pop("taken_at")
                apply_errors(form, exc)
            else:
                messages.success(request, "Photograph added. Its location and camera details were not kept.")
                return redirect("people:detail", pk=person.pk)
    return render(request, "files/photo_add.html", {"form": form, "person": person})


def _serve(stored: StoredFile, field, filename: str, content_type: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    response = FileResponse(field.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    # Never cached, never sniffed into something else, never run even if opened as a page.
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@access_checked
@reason_checked
@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse:
    stored = services.file_for_user(request.user, token, justification=_why_for_token(request, token))
    if stored.withdrawn:
        return render(request, "files/withdrawn.html", {"stored": stored}, status=410)
    return _serve(stored, stored.blob, stored.name, stored.content_type)


@access_checked
@reason_checked
@require_GET
def thumbnail(request: HttpRequest, token: str) -> HttpResponse:
    stored = services.file_for_user(
        request.user, token, justification=_why_for_token(request, token), event_type="file.thumbnail"
    )
    photo = getattr(stored, "photo", None)
    if stored.withdrawn or photo is None:
        raise Http404("No photograph with that reference.")
    return _serve(stored, photo.thumbnail, f"thumbnail-{stored.name}", "image/jpeg")


def _why_for_token(request: HttpRequest, token: str) -> str:
    person_id = StoredFile.objects.filter(token=token).values_list("person_id", flat=True).first()
    return _why(request, person_id) if person_id else ""


@access_checked
@reason_checked
@GET_POST
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    stored = get_object_or_404(StoredFile.objects.select_related("person"), token=token, withdrawn_at__isnull=True)
    form = WithdrawForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(
                actor=request.user,
                stored=stored,
                reason=form.cleaned_data["reason"],
                justification=_why(request, stored.person_id),
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Withdrawn: {stored.name}. It is kept, but no longer offered.")
            return redirect("people:detail", pk=stored.person_id)
    return render(request, "files/withdraw.html", {"form": form, "stored": stored})


@access_checked
@reason_checked
@GET_POST
def body_map(request: HttpRequest, pk: int) -> HttpResponse:
    from childsafe.files.bodymap import REGIONS
    from childsafe.files.forms import BodyMapForm
    from childsafe.missing.models import SafeAndWellCheck

    access.require(request.user, Capability.FILE_ATTACH)
    check = get_object_or_404(SafeAndWellCheck.objects.select_related("episode__person"), pk=pk)
    person = check.episode.person
    services.check_reach(request.user, person, _why(request, person.pk))
    form = BodyMapForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.body_map_record(
                actor=request.user,
                check=check,
                regions=form.cleaned_data["regions"],
                notes=form.cleaned_data["notes"],
                justification=_why(request, person.pk),
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Body map saved with the safe and well check.")
            return redirect(check.get_documents_url())
    chosen = set(form["regions"].value() or [])
    sides = [
        (side, [(key, label, key in chosen) for key, label, s, *_ in REGIONS if s == side])
        for side in ("front", "back")
    ]
    return render(request, "files/body_map.html", {"form": form, "check": check, "person": person, "sides": sides})
