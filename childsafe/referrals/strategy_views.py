"""RF-10 pages: record a strategy meeting from the child's page, and mark one of its actions done.

Each form calls one service; its refusals are shown on the matching fields (`actions.N` on action N).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from childsafe.core import access
from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors, posted
from childsafe.people.access import person_for_user
from childsafe.people.web import reason_checked, reasons
from childsafe.referrals import services
from childsafe.referrals.forms import StrategyMeetingForm
from childsafe.referrals.models import StrategyAction
from childsafe.referrals.views import page


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _actions(form: StrategyMeetingForm, held_at: datetime) -> list[services.ActionInput] | None:
    """The actions typed, with owners looked up by username; None (errors on the form) if any can't be read."""
    users = get_user_model().objects
    actions: list[services.ActionInput] = []
    for n in range(1, form.ACTIONS + 1):
        text = form.cleaned_data.get(f"actions.{n}", "").strip()
        username = form.cleaned_data.get(f"owner_{n}", "").strip()
        due = form.cleaned_data.get(f"due_{n}")
        if not (text or username or due):
            continue
        owner = users.filter(username=username).first() if username else None
        if owner is None:
            form.add_error(
                f"owner_{n}",
                f"There is no user with the username {username}." if username else f"Enter who owns action {n}.",
            )
        if due is None and f"due_{n}" not in form.errors:
            form.add_error(f"due_{n}", f"Enter when action {n} is due.")
        if owner is not None and due is not None:
            actions.append(services.ActionInput(text, owner, _aware(due, time(23, 59))))
    return None if form.errors else actions


@page
def strategy_meeting(request: HttpRequest, person_id: int) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    child, _ = person_for_user(
        request.user,
        person_id,
        justification=reasons(request).get(str(person_id), ""),
        event_type="strategy_meeting.form",
    )
    form = StrategyMeetingForm(posted(request))
    if form.is_bound and form.is_valid():
        held_at = _aware(form.cleaned_data["held_on"], form.cleaned_data["held_time"])
        actions = _actions(form, held_at)
        if actions is not None:
            try:
                services.strategy_meeting_record(
                    actor=request.user,
                    child=child,
                    held_at=held_at,
                    attendees=form.cleaned_data["attendees"],
                    decisions=form.cleaned_data["decisions"],
                    actions=actions,
                    reasons=reasons(request),
                )
            except InvalidInput as exc:
                if "held_at" in exc.errors:
                    exc.errors["held_on"] = exc.errors.pop("held_at")
                apply_errors(form, exc)
            else:
                messages.success(request, "Strategy meeting recorded.")
                return redirect("people:detail", child.pk)
    return render(request, "referrals/strategy_meeting.html", {"form": form, "person": child})


@access_checked
@reason_checked
@require_POST
def strategy_action_done(request: HttpRequest, pk: int) -> HttpResponse:
    # Anyone who may open the child's record may ask; the service says whether they may (owner or supervisor).
    access.require(request.user, Capability.PERSON_VIEW)
    action = get_object_or_404(StrategyAction.objects.select_related("meeting", "owner"), pk=pk)
    person_id = action.meeting.person_id
    person_for_user(
        request.user,
        person_id,
        justification=reasons(request).get(str(person_id), ""),
        event_type="strategy_action.done",
    )
    try:
        services.strategy_action_done(actor=request.user, action=action, reasons=reasons(request))
    except InvalidInput as exc:
        messages.error(request, " ".join(exc.errors.values()))
    except RuleRefusal as exc:
        messages.error(request, f"{exc.message} ({exc.rule_id})")
    else:
        messages.success(request, f"Action marked done: {action.action}")
    return redirect("people:detail", person_id)
