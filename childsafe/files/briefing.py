"""The missing person briefing sheet: one printable page from a missing episode (issue 18)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from childsafe.core import clock
from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.roles import Role
from childsafe.core.web import access_checked, apply_errors, posted
from childsafe.files import selectors, services
from childsafe.files.forms import PublicityForm
from childsafe.files.models import PublicityDecision
from childsafe.missing import selectors as missing_selectors
from childsafe.missing.models import TriggerPlan
from childsafe.people.selectors import active_markers
from childsafe.people.vocabulary import marker_labels
from childsafe.people.web import reason_checked, reasons


@access_checked
@reason_checked
@require_http_methods(["GET"])
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    episode = missing_selectors.episode_for_user(
        request.user, pk, reasons=reasons(request), event_type="missing.briefing.view"
    )
    person = episode.person
    plan = TriggerPlan.objects.filter(person=person, ended_at__isnull=True).order_by("-created_at").first()
    decision = PublicityDecision.objects.filter(episode=episode).select_related("decided_by").first()
    markers = marker_labels([m.type for m in active_markers([person.pk])])
    return render(
        request,
        "files/briefing.html",
        {
            "episode": episode,
            "person": person,
            "age": person.age_on(clock.today_london()),
            "photo": selectors.latest_photo([person.pk]),
            "plan": plan,
            "markers": markers,
            "decision": decision,
            "public": bool(decision and decision.release),
            "clothing": (episode.questionnaire or {}).get("clothing", ""),
            "officer": episode.officer_in_case,
            "printed_at": clock.now(),
            "can_decide": request.user.role == Role.FIM,  # type: ignore[union-attr]
        },
    )


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def publicity(request: HttpRequest, pk: int) -> HttpResponse:
    episode = missing_selectors.episode_for_user(
        request.user, pk, reasons=reasons(request), event_type="missing.briefing.view"
    )
    if request.user.role != Role.FIM:  # type: ignore[union-attr]
        raise AccessDenied("A publicity appeal is the force incident manager's decision.")
    form = PublicityForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.publicity_decide(actor=request.user, episode=episode, **form.cleaned_data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                "The sheet is marked for public release."
                if decision.release
                else "The sheet stays for police use only.",
            )
            return redirect("files:briefing", pk=episode.pk)
    return render(request, "files/publicity.html", {"form": form, "episode": episode})
