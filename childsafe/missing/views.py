"""Missing-children pages: the MHET worklist (MP-13), report, the episode page and a page per step.

Each form calls one service. A refusal (MP-1, MP-11, a stale version...) is shown on the form; on
success the browser goes to the episode page, which shows the service's prompts (MP-3, MP-4, MP-8,
QG-1...) once, in a notification banner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from childsafe.core import access
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt, RuleRefusal
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors, keep_prompts, language_messages, posted, take_prompts
from childsafe.incidents import selectors as incident_selectors
from childsafe.missing import selectors, services
from childsafe.missing.forms import (
    ActionForm,
    ActionUpdateForm,
    AssignForm,
    BelievedForm,
    CloseForm,
    FilterForm,
    FoundForm,
    GradeForm,
    LocationPlanForm,
    ReportForm,
    ReviewForm,
    RhiForm,
    SafeAndWellForm,
    TriggerPlanForm,
)
from childsafe.missing.models import MissingEpisode
from childsafe.people.picker import hold, person_picker, searching
from childsafe.people.selectors import people_by_reference
from childsafe.people.web import reason_checked, reasons

GET_POST = require_http_methods(["GET", "POST"])


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every missing page: 403 for a role that can't, reason first where one is needed, GET and POST."""
    return access_checked(reason_checked(GET_POST(view)))


def _episode(request: HttpRequest, pk: int, event_type: str = "missing.episode.view") -> MissingEpisode:
    return selectors.episode_for_user(request.user, pk, reasons=reasons(request), event_type=event_type)


def _done(
    request: HttpRequest, episode: MissingEpisode, message: str, prompts: list[Prompt] = (), part: str = "detail"
):
    """Back to the episode's part the form belongs to (its own page), with the message and the prompts."""
    messages.success(request, message)
    keep_prompts(request, list(prompts))
    return redirect(f"missing:{part}", pk=episode.pk)


# The episode's parts, in the order of the work (issue 16): a short summary, then one page per part, each
# with its own form. A part is shown in the sub navigation when the role can use it and the episode's
# state makes it useful (url name, label, shown?).
def _parts(request: HttpRequest, episode: MissingEpisode) -> list[tuple[str, str]]:
    user = request.user
    is_open = episode.closed_at is None
    parts = [
        ("detail", "Summary", True),
        ("intelligence", "Intelligence check", True),
        ("grade", "Risk grade", access.can(user, Capability.MISSING_GRADE)),
        ("assign", "Officer in the case", is_open),
        ("action", "Lines of enquiry", True),
        ("review", "Reviews", True),
        ("believed", "Where they may be", is_open and not episode.found_at),
        ("found", "Return", is_open and not episode.found_at),
        ("safe_and_well", "Safe and well", bool(episode.found_at)),
        ("rhi", "Return home interview", bool(episode.found_at) and access.can(user, Capability.RHI_RECORD)),
        ("documents", "Documents", True),
        ("close", "Close", is_open),
    ]
    return [(name, label) for name, label, shown in parts if shown]


def _user_or_error(form, field: str) -> Any:
    username = form.cleaned_data.get(field, "")
    if not username:
        return None
    user = selectors.user_by_username(username)
    if user is None:
        form.add_error(field, f"There is no active user with the username {username!r}. Check the spelling.")
    return user


def _render(request: HttpRequest, template: str, episode: MissingEpisode, form, **extra: Any) -> HttpResponse:
    """One part of the episode, under the episode's sub navigation (the current part marked)."""
    current = request.resolver_match.url_name if request.resolver_match else ""
    partner = getattr(request.user, "is_partner", False)
    parts = [] if partner else _parts(request, episode)
    links = [(reverse(f"missing:{name}", args=[episode.pk]), label, name == current) for name, label in parts]
    return render(
        request,
        f"missing/{template}",
        {"episode": episode, "form": form, "parts": links, **extra},
    )


# -- Worklist ------------------------------------------------------------------------------------------


@access_checked
def worklist(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    form = FilterForm(request.GET or None, areas=selectors.areas(), risks=selectors.RISK_FILTERS)
    area, risk = form.value("area"), form.value("risk")
    daily = request.GET.get("view") == "daily"
    context: dict[str, Any] = {"form": form, "daily": daily, "area": area, "risk": risk}
    if daily:
        context["changes"] = selectors.daily_changes(area=area)
        context["hours"] = selectors.DAILY_HOURS
    else:
        context["worklist"] = selectors.worklist(area=area, risk=risk)
    return render(request, "missing/worklist.html", context)


# -- Report --------------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() else None


@page
def report(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    initial = {
        "child": _int(request.GET.get("child")),
        "incident": _int(request.GET.get("incident")),
        "returned_before_report": request.GET.get("returned") == "1",
    }
    form = ReportForm(posted(request), initial=initial)
    incident_id = _int(form.data.get("incident")) if form.is_bound else initial["incident"]
    incident = incident_selectors.incident_get(incident_id)
    picker = person_picker(
        posted(request),
        request.user,
        name="child",
        label="Which child is missing?",
        initial=[initial["child"]] if initial["child"] else [],
        return_to=request.get_full_path(),
    )
    if form.is_bound and searching(request.POST, "child"):
        hold(form)
    elif form.is_bound:
        form.is_valid()
        # Every check runs even when another field has an error, so every error shows at once.
        if incident_id and incident is None:
            form.add_error(None, f"Incident {incident_id} is closed or does not exist: report without it.")
        ref = form.cleaned_data.get("child")
        child = people_by_reference([ref], request.user).get(ref) if ref else None
        if ref and child is None:
            form.add_error("child", "Choose the missing child: search by name and choose them")
        if not form.errors and child is not None:
            child = selectors.person_for_page(
                request.user, child.pk, reasons=reasons(request), event_type="missing.report"
            )
            data = form.cleaned_data
            try:
                reported = services.missing_report(
                    actor=request.user,
                    child=child,
                    reported_by=data["reported_by"],
                    last_seen_at=data["last_seen"],
                    last_seen_place=data["last_seen_place"],
                    circumstances=data["circumstances"],
                    incident=incident,
                    returned_before_report=data["returned_before_report"],
                )
            except (InvalidInput, RuleRefusal) as exc:
                apply_errors(form, exc)
            else:
                return _done(
                    request,
                    reported.episode,
                    f"Missing episode recorded for {child.full_name}. Check what Childsafe holds on them below.",
                    reported.prompts,
                    "intelligence",
                )
    return render(
        request,
        "missing/report.html",
        {"form": form, "incident": incident, "incident_id": incident_id, "picker": picker},
    )


# -- The episode ---------------------------------------------------------------------------------------


@page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The episode's summary: key facts, markers, open alerts and the list of its parts with their state."""
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    return _render(
        request,
        "detail.html",
        episode,
        None,
        page=selectors.episode_page(episode),
        markers=selectors.markers_to_address(episode.person),
        prompts=take_prompts(request),
        can_grade=access.can(request.user, Capability.MISSING_GRADE),
        rhi_url=reverse("missing:rhi", args=[episode.pk]) if access.can(request.user, Capability.RHI_RECORD) else "",
    )


@page
def intelligence(request: HttpRequest, pk: int) -> HttpResponse:
    """What Childsafe showed when the child was reported, and the current trigger plan (MP-5)."""
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    return _render(
        request,
        "intelligence.html",
        episode,
        None,
        page=selectors.episode_page(episode),
        prompts=take_prompts(request),
        can_trigger_plan=access.can(request.user, Capability.TRIGGER_PLAN_MANAGE),
    )


@page
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    return _render(request, "documents.html", episode, None)


@page
def grade(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MISSING_GRADE)
    episode = _episode(request, pk)
    markers = selectors.markers_to_address(episode.person)
    duplicates = selectors.possible_duplicates_to_address(episode.person)
    earlier = episode.markers_acknowledged or {}
    initial = {"expected_version": episode.version}
    initial.update({GradeForm.note_name(m.type): earlier.get(m.type, "") for m in markers})
    form = GradeForm(
        posted(request), markers=markers, duplicates=duplicates, labels=selectors.marker_labels(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            graded = services.episode_grade(
                actor=request.user,
                episode=episode,
                grade=data["grade"],
                rationale=data["rationale"],
                markers_acknowledged=form.markers_acknowledged(),
                duplicates=form.duplicate_decisions(),
                expected_version=data["expected_version"],
            )
        except (InvalidInput, RuleRefusal, AccessDenied) as exc:
            apply_errors(form, exc)
            if isinstance(exc, InvalidInput) and "episode" in exc.errors:
                # Someone else changed it: the page now shows their change, and the next submit is
                # against the version on the screen.
                form.data = form.data.copy()
                form.data["expected_version"] = str(episode.version)
        else:
            e = graded.episode
            owner = "the FIM keeps it" if e.grade == "high" else f"it goes to the {e.owner_area or 'area'} CII"
            return _done(request, e, f"Graded {e.get_grade_display().lower()} risk: {owner}.", graded.prompts, "grade")
    return _render(request, "grade.html", episode, form, markers=markers, prompts=take_prompts(request))


@page
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    form = AssignForm(posted(request))
    if request.method == "POST" and form.is_valid():
        officer = _user_or_error(form, "to")
        if not form.errors:
            try:
                episode = services.episode_assign(actor=request.user, episode=episode, to=officer)
            except (InvalidInput, RuleRefusal) as exc:
                apply_errors(form, exc)
            else:
                name = episode.officer_in_case.get_full_name() or episode.officer_in_case.username
                return _done(request, episode, f"Assigned to {name}.", (), "assign")
    return _render(request, "assign.html", episode, form)


@page
def action(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a line of enquiry (MP-6), or mark one done or give the reason it is late."""
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    lines = selectors.lines_of(episode)
    posted = request.POST.get("which", "") if request.method == "POST" else ""
    add_form = ActionForm(request.POST if posted == "add" else None, prefix="add")
    update_forms = {
        line.pk: ActionUpdateForm(request.POST if posted == str(line.pk) else None, prefix=f"line-{line.pk}")
        for line in lines
    }
    if posted == "add" and add_form.is_valid():
        owner = _user_or_error(add_form, "owner")
        if not add_form.errors:
            data = add_form.cleaned_data
            try:
                _, prompts = services.episode_action_add(
                    actor=request.user,
                    episode=episode,
                    action=data["action"],
                    owner=owner,
                    done=data["done"],
                    due_at=data["due"],
                    delay_reason=data["delay_reason"],
                )
            except (InvalidInput, RuleRefusal) as exc:
                apply_errors(add_form, exc)
            else:
                return _done(request, episode, "Line of enquiry added.", prompts, "action")
    elif posted.isdigit() and int(posted) in update_forms:
        form = update_forms[int(posted)]
        if form.is_valid():
            line = selectors.line_of(episode, int(posted))
            try:
                services.action_update(
                    actor=request.user,
                    line=line,
                    done=form.cleaned_data["done"],
                    delay_reason=form.cleaned_data["delay_reason"],
                )
            except (InvalidInput, RuleRefusal) as exc:
                apply_errors(form, exc)
            else:
                return _done(request, episode, "Line of enquiry updated.", (), "action")
    elif request.method == "POST":
        raise Http404("No line of enquiry with that reference on this episode.")
    failed = next((f for f in [add_form, *update_forms.values()] if f.errors), None)
    return _render(
        request,
        "action.html",
        episode,
        add_form,
        rows=[(line, update_forms[line.pk]) for line in lines],
        failed_form=failed,
        prompts=take_prompts(request),
    )


@page
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisory reviews: read by everyone on the episode, written by a supervisor, FIM or CII."""
    access.require(request.user, Capability.MISSING_WORK)
    can_sign_off = access.can(request.user, Capability.MISSING_SIGN_OFF)
    if request.method == "POST":
        access.require(request.user, Capability.MISSING_SIGN_OFF)
    episode = _episode(request, pk)
    form = ReviewForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            _, prompts = services.episode_review(actor=request.user, episode=episode, note=form.cleaned_data["note"])
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, episode, "Supervisory review recorded.", prompts, "review")
    return _render(
        request,
        "review.html",
        episode,
        form,
        reviews=selectors.episode_page(episode).reviews,
        can_sign_off=can_sign_off,
        prompts=take_prompts(request),
    )


@page
def found(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    form = FoundForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            episode = services.episode_found(
                actor=request.user,
                episode=episode,
                place=data["place"],
                self_returned=data["self_returned"],
                found_at=data["when"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            la = episode.person.local_authority
            told = f" {la.name} will be told automatically (MP-9)." if la else ""
            messages.success(request, f"{episode.person.full_name}'s return is recorded.{told}")
            return redirect("missing:safe_and_well", pk=episode.pk)
    return _render(request, "found.html", episode, form)


@page
def believed(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    form = BelievedForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            where = services.episode_place_believed(
                actor=request.user, episode=episode, place=form.cleaned_data["place"]
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Recorded: {episode.person.full_name} is believed to be at {where.location}.")
            return redirect("missing:believed", pk=episode.pk)
    return _render(request, "believed.html", episode, form, places=selectors.episode_page(episode).places)


@page
def safe_and_well(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    form = SafeAndWellForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _, prompts = services.episode_safe_and_well(
                actor=request.user,
                episode=episode,
                where=data["where"],
                with_whom=data["with_whom"],
                harm=data["harm"],
                disclosures=data["disclosures"],
                voice=data["voice"],
                aware=form.aware(),
                new_concerns=data["new_concerns"] == "yes",
            )
        except InvalidInput as exc:
            # The service names AWARE sections "aware.<section>"; the form's fields are "aware_<section>".
            apply_errors(form, InvalidInput({k.replace("aware.", "aware_"): v for k, v in exc.errors.items()}))
        except RuleRefusal as exc:
            apply_errors(form, exc)
        else:
            return _done(request, episode, "Safe and well check recorded.", prompts, "safe_and_well")
    episode_page = selectors.episode_page(episode)
    return _render(
        request,
        "safe_and_well.html",
        episode,
        form,
        page=episode_page,
        check=episode_page.safe_and_well,
        prompts=take_prompts(request),
    )


@page
def close(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MISSING_WORK)
    episode = _episode(request, pk)
    form = CloseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.episode_close(actor=request.user, episode=episode)
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, episode, "The missing episode is closed.")  # the summary shows it closed
    check = selectors.episode_page(episode).safe_and_well
    return _render(
        request,
        "close.html",
        episode,
        form,
        check=check,
        can_sign_off=access.can(request.user, Capability.MISSING_SIGN_OFF),
    )


@page
def rhi(request: HttpRequest, pk: int) -> HttpResponse:
    """A return home interview's findings: recorded by MHET, or sent by the child's own local authority."""
    access.require(request.user, Capability.RHI_RECORD)
    # A partner from another authority: the episode does not exist for them (404, and the attempt is logged).
    episode = _episode(request, pk, event_type="missing.rhi.view")
    form = RhiForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.rhi_receive(
                actor=request.user,
                episode=episode,
                summary=form.cleaned_data["summary"],
                received_from="" if request.user.is_partner else form.cleaned_data["received_from"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            language_messages(request, {"summary": form.cleaned_data["summary"]})
            if request.user.is_partner:
                messages.success(request, "Thank you: the return home interview has been sent to the police.")
                return redirect("partners:home")
            return _done(request, episode, "Return home interview recorded.", (), "rhi")
    rhis = [] if request.user.is_partner else selectors.episode_page(episode).rhis
    return _render(request, "rhi.html", episode, form, partner=request.user.is_partner, rhis=rhis)


# -- Trigger plans and places --------------------------------------------------------------------------


@page
def trigger_plan(request: HttpRequest, person_pk: int) -> HttpResponse:
    access.require(request.user, Capability.TRIGGER_PLAN_MANAGE)
    person = selectors.person_for_page(
        request.user, person_pk, reasons=reasons(request), event_type="trigger_plan.view"
    )
    episode_id = _int(request.GET.get("episode"))
    form = TriggerPlanForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.trigger_plan_create(actor=request.user, child=person, **form.cleaned_data)
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Trigger plan recorded for {person.full_name}.")
            if episode_id:
                return redirect("missing:intelligence", pk=episode_id)
            return redirect("people:detail", pk=person.pk)
    return render(
        request,
        "missing/trigger_plan.html",
        {
            "form": form,
            "person": person,
            "current": selectors.current_trigger_plan(person),
            "episode_id": episode_id,
        },
    )


@page
def place(request: HttpRequest, location_id: int) -> HttpResponse:
    if not (access.can(request.user, Capability.MISSING_WORK) or access.can(request.user, Capability.HOTSPOT_MANAGE)):
        access.require(request.user, Capability.MISSING_WORK)
    can_plan = access.can(request.user, Capability.HOTSPOT_MANAGE)
    place_page = selectors.place_page(location_id)
    form = LocationPlanForm(posted(request))
    if request.method == "POST":
        access.require(request.user, Capability.HOTSPOT_MANAGE)
        if form.is_valid():
            owner = _user_or_error(form, "owner")
            if not form.errors:
                try:
                    services.location_plan(
                        actor=request.user, location=place_page.location, owner=owner, plan=form.cleaned_data["plan"]
                    )
                except (InvalidInput, RuleRefusal) as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, f"Problem-solving plan recorded for {place_page.location}.")
                    return redirect("missing:place", location_id=location_id)
    return render(request, "missing/place.html", {"page": place_page, "form": form, "can_plan": can_plan})
