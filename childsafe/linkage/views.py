"""The duplicate review queue (PL-2): analysts confirm or reject the linkage's suggestions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from childsafe.core import access
from childsafe.core.errors import InvalidInput
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors
from childsafe.linkage import selectors, services
from childsafe.linkage.forms import RejectForm
from childsafe.linkage.models import LinkSuggestion
from childsafe.people.web import reason_checked, reasons


@access_checked
@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.IDENTITY_LINK)
    page = selectors.review_page(request.user, request.GET.get("page"))
    return render(request, "linkage/queue.html", {"page": page})


def _suggestion(request: HttpRequest, pk: int) -> LinkSuggestion:
    access.require(request.user, Capability.IDENTITY_LINK)
    return get_object_or_404(LinkSuggestion.objects.select_related("run", "decided_by"), pk=pk)


def _review(
    request: HttpRequest, suggestion: LinkSuggestion, form: RejectForm, status: int = 200, problem: str = ""
) -> HttpResponse:
    records = selectors.side_by_side(request.user, suggestion, reasons(request))
    context = {"suggestion": suggestion, "records": records, "form": form, "problem": problem}
    return render(request, "linkage/review.html", context, status=status)


@access_checked
@reason_checked
@require_http_methods(["GET"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, _suggestion(request, pk), RejectForm())


@access_checked
@reason_checked
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _suggestion(request, pk)
    selectors.side_by_side(request.user, suggestion, reasons(request))  # the same need to know as the page
    try:
        services.suggestion_confirm(actor=request.user, suggestion=suggestion, reasons=reasons(request))
    except InvalidInput as exc:
        suggestion.refresh_from_db()
        return _review(request, suggestion, RejectForm(), status=400, problem=" ".join(exc.errors.values()))
    messages.success(
        request,
        f"Records {suggestion.person_a_id} and {suggestion.person_b_id} are linked as the same child: "
        "markers on either now show on both. You can unlink them from either record.",
    )
    return redirect("linkage:queue")


@access_checked
@reason_checked
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _suggestion(request, pk)
    selectors.side_by_side(request.user, suggestion, reasons(request))
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.suggestion_reject(actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"Recorded: records {suggestion.person_a_id} and {suggestion.person_b_id} are different people. "
                "They will not be suggested again.",
            )
            return redirect("linkage:queue")
    return _review(request, suggestion, form, status=400)
