"""Control-room pages: the open incidents, recording one, and the incident page with its forms.

Every form posts to its own URL and calls one service. On a refusal the incident page is shown
again with that form's errors on it; on success the browser is sent back to the incident page,
which shows the prompts the service returned (CR-3, CR-5, QG-1...) once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from childsafe.core import access, approvals
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt, RuleRefusal
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors, keep_prompts, posted, take_prompts
from childsafe.incidents import selectors, services
from childsafe.incidents.forms import (
    CHILD_ROWS,
    AllocateForm,
    CallReviewForm,
    CloseForm,
    IncidentForm,
    InformationForm,
    RegradeForm,
    ThriveForm,
)
from childsafe.incidents.models import Incident, IncidentType
from childsafe.people.picker import hold, person_picker, searching
from childsafe.people.selectors import people_by_reference
from childsafe.people.web import reason_checked, reasons

FORM_CLASSES: dict[str, type[forms.Form]] = {
    "thrive": ThriveForm,
    "info": InformationForm,
    "regrade": RegradeForm,
    "allocate": AllocateForm,
    "close": CloseForm,
    "review": CallReviewForm,
}


# The incident's parts, in the order of the work (issue 16): a short summary, then one page per part with its
# own address and its form. (url name, label)
PARTS = [
    ("detail", "Summary"),
    ("intelligence_check", "Intelligence check"),
    ("thrive", "THRIVE and updates"),
    ("regrade", "Grade"),
    ("allocate", "Allocation"),
    ("close", "Close"),
    ("call_review", "Call monitoring"),
]
_OPEN_ONLY = {"allocate", "close"}  # parts with nothing to show once the incident is closed
PART_OF_FORM = {
    "thrive": "thrive",
    "info": "thrive",
    "regrade": "regrade",
    "allocate": "allocate",
    "close": "close",
    "review": "call_review",
}


def _incident(request: HttpRequest, pk: int) -> Incident:
    return selectors.incident_for_user(request.user, pk, reasons=reasons(request))


def _form(name: str, request: HttpRequest | None = None) -> forms.Form:
    kwargs: dict[str, Any] = {"prefix": name}
    if name == "allocate":
        kwargs["teams"] = selectors.teams()
    return FORM_CLASSES[name](request.POST if request is not None else None, **kwargs)


def _page(request: HttpRequest, incident: Incident, part: str, **extra: Any) -> HttpResponse:
    """One part of the incident under its sub navigation; a bound form (and its errors) in place of the
    blank one if given."""
    bound = {name: extra.pop(name) for name in FORM_CLASSES if name in extra}
    page_forms = {name: bound.get(name) or _form(name) for name in FORM_CLASSES}
    for name, form in page_forms.items():
        # Every form that edits the incident carries the version it was read at; a stale save is refused.
        if name not in bound and "version" in form.fields:
            form.initial["version"] = incident.version
    failed = next((f for f in bound.values() if f.errors), None)
    can_review = access.can(request.user, Capability.INCIDENT_SUPERVISE) and incident.created_by_id not in (
        None,
        request.user.pk,
    )
    call_reviews = incident.call_reviews.select_related("reviewer", "handler")
    parts = [(k, label) for k, label in PARTS if k not in _OPEN_ONLY or incident.is_open]
    if not (can_review or call_reviews):
        parts = [(k, label) for k, label in parts if k != "call_review"]
    if part not in dict(parts) and failed is None:
        return redirect("incidents:detail", pk=incident.pk)
    if part not in dict(parts):
        part = "detail"  # e.g. closing a closed incident: the refusal is shown on its summary
    context = {
        "parts": [(reverse(f"incidents:{k}", args=[incident.pk]), label, k == part) for k, label in parts],
        "part": part,
        "part_label": dict(parts)[part],
        "incident": incident,
        "is_online_abuse": incident.type == IncidentType.ONLINE_ABUSE,
        "forms": page_forms,
        "call_reviews": call_reviews,
        "can_review": can_review,
        "failed_form": failed,
        "prompts": take_prompts(request) if request.method == "GET" else [],
        **extra,
    }
    if part == "detail":
        context["alerts"] = selectors.open_alerts(incident)
        context["children_markers"] = selectors.children_markers(incident)
    elif part == "intelligence_check":
        context["checks"] = selectors.shown_checks("incidents.incident", incident.pk)
    elif part == "thrive":
        context["thrives"] = incident.thrives.select_related("by").order_by("-at", "-id")
        context["updates"] = incident.updates.select_related("by").order_by("-at", "-id")
    elif part == "regrade":
        context["grade_changes"] = incident.grade_changes.select_related("by", "approved_by").order_by("-at", "-id")
        context["waiting_approvals"] = approvals.waiting_on(incident)
    return render(request, "incidents/detail.html", context)


def _done(request: HttpRequest, incident: Incident, message: str, prompts: list[Prompt], part: str) -> HttpResponse:
    """Back to the part the form belongs to, with the message and the service's prompts shown once."""
    messages.success(request, message)
    keep_prompts(request, prompts)
    return redirect(f"incidents:{part}", pk=incident.pk)


def _user_or_error(form: forms.Form, field: str) -> Any:
    """The active user named in a username field; an unknown name is an error on that field."""
    username = form.cleaned_data.get(field, "")
    if not username:
        return None
    user = selectors.user_by_username(username)
    if user is None:
        form.add_error(field, f"There is no active user with the username {username!r}. Check the spelling.")
    return user


@access_checked
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = selectors.open_incidents(request.user)
    return render(
        request,
        "incidents/list.html",
        {"incidents": incidents[: selectors.LIST_LIMIT], "total": incidents.count(), "limit": selectors.LIST_LIMIT},
    )


@access_checked
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Record an incident in two steps (CR-4): the children first (picked by name), then, with what is held
    on them in front of the handler, the grade. Changing the children after the check shows it again."""
    access.require(request.user, Capability.INCIDENT_RECORD)
    form = IncidentForm(posted(request))
    names = [f"child_{n}" for n in range(1, CHILD_ROWS + 1)]
    pickers = [
        person_picker(
            posted(request),
            request.user,
            name=name,
            label=f"Child {n}" + (" (optional)" if n > 1 else ""),
            hint="Search by name, then choose the child from the list." if n == 1 else "",
            initial=[int(request.GET["child"])] if n == 1 and request.GET.get("child", "").isdigit() else [],
            return_to=request.get_full_path(),
        )
        for n, name in enumerate(names, start=1)
    ]
    checks: list[Any] = []
    checked = False
    if request.method == "POST" and searching(request.POST, *names):
        hold(form)
    elif request.method == "POST":
        form.is_valid()
        # The children are looked up even when other fields have errors, so every error shows at once.
        rows = form.children(people_by_reference(form.references(), request.user))
        refs = sorted({p.pk for p, _pr, _re in rows})
        checked = request.POST.get("action") != "check" and form.checked_references() == refs
        if not form.errors and not checked:
            checks = selectors.check_before_grading(request.user, [p for p, _pr, _re in rows])
            copied = request.POST.copy()
            copied["checked"] = ",".join(map(str, refs))
            form = IncidentForm(copied)
            form.is_valid()  # no errors: it was valid a moment ago, and the grade is not required yet
            checked = True
        elif not form.errors and form.cleaned_data.get("grade") is None:
            form.add_error("grade", "Choose a response grade from 1 to 4")
        elif not form.errors:
            data = form.cleaned_data
            online = data["type"] == IncidentType.ONLINE_ABUSE
            try:
                recorded = services.incident_record(
                    actor=request.user,
                    type=data["type"],
                    grade=data["grade"],
                    location=data["location"],
                    summary=data["summary"],
                    children=[services.ChildOnIncident(p, present=pr, resident=re) for p, pr, re in rows],
                    evidence_advice_given=data["evidence_advice_given"] if online else None,
                    occurred_at=data["occurred"],
                )
            except (InvalidInput, RuleRefusal) as exc:
                apply_errors(form, exc)
            else:
                return _done(
                    request,
                    recorded.incident,
                    f"Incident {recorded.incident.reference} recorded.",
                    recorded.prompts,
                    "intelligence_check",
                )
        if checked and form.errors:
            # An error on the grading step: the check is shown (and its view logged) again.
            checks = selectors.check_before_grading(request.user, [p for p, _pr, _re in rows])
    children = [
        (picker, form[f"{picker.name}"], form[f"present_{n}"], form[f"resident_{n}"])
        for n, picker in enumerate(pickers, start=1)
    ]
    context = {"form": form, "children": children, "checks": checks, "checked": checked}
    return render(request, "incidents/create.html", context)


@access_checked
@reason_checked
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The incident's summary: key facts, the children and their markers, open alerts and its parts."""
    return _page(request, _incident(request, pk), "detail")


@access_checked
@reason_checked
def intelligence_check(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _incident(request, pk), "intelligence_check")


def _part(form_name: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A form's address: a GET shows the part the form is on (or goes there), a POST saves the form."""
    part = PART_OF_FORM[form_name]

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int) -> HttpResponse:
            if request.method != "POST":
                if request.resolver_match and request.resolver_match.url_name != part:
                    return redirect(f"incidents:{part}", pk=pk)
                return _page(request, _incident(request, pk), part)
            return view(request, pk)

        return access_checked(reason_checked(require_http_methods(["GET", "POST"])(wrapper)))

    return decorate


@_part("thrive")
def thrive(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = _form("thrive", request)
    if form.is_valid():
        try:
            _, prompts = services.thrive_record(actor=request.user, incident=incident, **form.cleaned_data)
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, incident, "THRIVE assessment recorded. Earlier ones are kept.", prompts, "thrive")
    return _page(request, incident, "thrive", thrive=form)


@_part("info")
def add_information(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = _form("info", request)
    if form.is_valid():
        try:
            prompts = services.incident_add_information(
                actor=request.user, incident=incident, text=form.cleaned_data["text"]
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, incident, "New information added to the incident.", prompts, "thrive")
    return _page(request, incident, "thrive", info=form)


@_part("regrade")
def regrade(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = _form("regrade", request)
    if form.is_valid():
        data = form.cleaned_data
        needs_approval = data["grade"] > incident.grade and services.concerns_children(incident)
        try:
            if not needs_approval:
                incident = services.incident_regrade(
                    actor=request.user,
                    incident=incident,
                    grade=data["grade"],
                    rationale=data["rationale"],
                    version=data["version"],
                )
                return _done(request, incident, f"The incident is now {incident.get_grade_display()}.", [], "regrade")
            if _approved_beside(
                request,
                form,
                lambda: services.incident_regrade_request(
                    actor=request.user,
                    incident=incident,
                    grade=data["grade"],
                    rationale=data["rationale"],
                    version=data["version"],
                ),
            ):
                incident.refresh_from_db()
                return _done(
                    request, incident, f"Approved: the incident is now {incident.get_grade_display()}.", [], "regrade"
                )
            if not form.errors:
                return _done(
                    request,
                    incident,
                    "Sent for a supervisor's approval. The grade changes when they approve it.",
                    [],
                    "regrade",
                )
        except (InvalidInput, RuleRefusal, AccessDenied) as exc:
            apply_errors(form, exc)
    return _page(request, incident, "regrade", regrade=form)


def _approved_beside(request: HttpRequest, form: forms.Form, ask: Any) -> bool:
    """Ask for the approval; if the supervisor is beside the user and signed in here, decide it now.

    Both in one transaction: a wrong password leaves no request behind, so the user can try again or
    send it to the list. Returns True when it was approved on the spot.
    """
    username = form.cleaned_data.get("approver_username", "")
    password = form.cleaned_data.get("approver_password", "")
    if not username and not password:
        ask()
        return False
    if not username or not password:
        form.add_error(
            "approver_username" if not username else "approver_password",
            "Enter the supervisor's username and password, or leave both empty to send it to their list.",
        )
        return False
    with transaction.atomic():
        request_ = ask()
        approvals.approval_decide_beside(
            username=username,
            password=password,
            approval=request_,
            approve=True,
            reason=f"Approved beside {request.user.display_name}: " + (request_.reason or ""),
            request=request,
        )
    return True


@_part("allocate")
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = _form("allocate", request)
    if form.is_valid():
        officer = _user_or_error(form, "user")
        team_id = form.cleaned_data["team"]
        team = selectors.teams().filter(pk=team_id).first() if team_id else None
        if not form.errors:
            try:
                incident = services.incident_allocate(
                    actor=request.user,
                    incident=incident,
                    team=team,
                    user=officer,
                    version=form.cleaned_data["version"],
                )
            except (InvalidInput, RuleRefusal) as exc:
                apply_errors(form, exc)
            else:
                to = incident.allocated_team or incident.allocated_user
                return _done(request, incident, f"Incident allocated to {to}.", [], "allocate")
    return _page(request, incident, "allocate", allocate=form)


@_part("close")
def close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = _form("close", request)
    not_recorded_missing = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            if not data["reason"]:
                incident = services.incident_close(
                    actor=request.user, incident=incident, outcome=data["outcome"], version=data["version"]
                )
                return _done(request, incident, f"Incident {incident.reference} closed.", [], "close")
            if _approved_beside(
                request,
                form,
                lambda: services.incident_close_request(
                    actor=request.user, incident=incident, outcome=data["outcome"], reason=data["reason"]
                ),
            ):
                return _done(request, incident, f"Approved: incident {incident.reference} closed.", [], "close")
            if not form.errors:
                return _done(
                    request,
                    incident,
                    "Sent for a supervisor's approval. The incident closes when they approve it.",
                    [],
                    "close",
                )
        except (InvalidInput, RuleRefusal, AccessDenied) as exc:
            apply_errors(form, exc)
            if isinstance(exc, RuleRefusal) and exc.rule_id == "MP-7":
                # The children reported as not where they should be: each gets a way to record the
                # missing episode, linked to this incident (the guard names them).
                not_recorded_missing = [c for c in incident.children if c.present is False]
    return _page(request, incident, "close", close=form, not_recorded_missing=not_recorded_missing)


@_part("review")
def call_review(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    form = _form("review", request)
    if form.is_valid():
        try:
            services.call_review_record(actor=request.user, incident=incident, findings=form.cleaned_data["findings"])
        except (InvalidInput, RuleRefusal, AccessDenied) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, incident, "Your review of the call is recorded.", [], "call_review")
    return _page(request, incident, "call_review", review=form)
