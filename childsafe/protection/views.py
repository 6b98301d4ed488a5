"""Police protection pages: the worklist, start (from a child or an incident), the record with its timeline,
designate, hand over, end, and the answer to the offences question. Thin: every check is the service's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from childsafe.core import access, clock
from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.roles import Capability, Rank
from childsafe.core.web import access_checked, apply_errors, keep_prompts, posted, take_prompts
from childsafe.incidents import selectors as incident_selectors
from childsafe.people.access import people_visible_to, person_for_user
from childsafe.people.models import Person
from childsafe.people.search import find, wanted_from
from childsafe.people.web import reason_checked, reasons
from childsafe.protection import forms, rules, selectors, services
from childsafe.protection.models import PoliceProtection


def _apply(form: Any, exc: InvalidInput | RuleRefusal) -> None:
    """A service's errors on the form's own fields (the service names its arguments, the form its boxes)."""
    if isinstance(exc, InvalidInput):
        remapped: dict[str, str] = {}
        for key, message in exc.errors.items():
            if key == "child_wishes" and hasattr(form, "candidates"):
                empty = next(
                    (p for p in form.chosen() if not form.cleaned_data.get(f"wishes_{p.pk}", "").strip()), None
                )
                key = f"wishes_{empty.pk}" if empty else key
            name = forms.FIELD_FOR.get(key, key)
            if name in form.fields and form.errors.get(name):
                continue  # the box already says what is wrong (a time that is not a time, say)
            remapped[name] = message
        exc = InvalidInput(remapped)
    apply_errors(form, exc)


def _person(request: HttpRequest, pk: int, event_type: str) -> Person:
    person, _ = person_for_user(
        request.user, pk, justification=reasons(request).get(str(pk), ""), event_type=event_type
    )
    return person


@access_checked
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.PERSON_VIEW)
    now = clock.now()
    rows = [
        {
            "protection": p,
            "held_hours": int((now - p.removed_at).total_seconds() // 3600),
            "deadline": p.removed_at + rules.LEGAL_MAXIMUM,
        }
        for p in selectors.open_protections(request.user)
    ]
    return render(
        request,
        "protection/worklist.html",
        {
            "rows": rows,
            "ended": selectors.recently_ended(),
            "can_start": access.can(request.user, Capability.PROTECTION_START),
        },
    )


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Start from a child's page (?person=) or an incident (?incident=); more children are added by a name search."""
    access.require(request.user, Capability.PROTECTION_START)
    # The page's own address carries the incident and the children chosen so far, on GET and POST alike.
    params = request.GET
    incident = None
    candidates: list[Person] = []
    incident_id = _int(params.get("incident"))
    if incident_id:
        incident = incident_selectors.incident_for_user(request.user, incident_id, reasons=reasons(request))
        candidates = [c.person for c in incident.children]
    for pk in dict.fromkeys(_int(v) for v in params.getlist("person")):
        if pk and pk not in {p.pk for p in candidates}:
            candidates.append(_person(request, pk, "protection.start"))
    query = (request.GET.get("q") or "").strip()
    found: list[Person] = []
    search_error = ""
    if query:
        try:
            hits = find(wanted_from(q=query), queryset=people_visible_to(request.user), limit=10)
        except InvalidInput as exc:
            search_error = next(iter(exc.errors.values()))
        else:
            today = clock.today_london()
            found = [
                h.person for h in hits if h.person.pk not in {p.pk for p in candidates} and h.person.is_child_on(today)
            ]
            if not found:
                search_error = f"No child found called {query}. Check the spelling, or try the surname alone."
    form = forms.StartForm(posted(request), candidates=candidates)
    if form.is_bound and form.is_valid():
        removed_at, la_informed_at = form.removed_at(), form.la_informed_at()
        chosen = form.chosen()
        children = [services.ChildInput(p, form.cleaned_data.get(f"wishes_{p.pk}", "")) for p in chosen]
        if form.errors:
            # A date or time box could not be read: nothing is saved, but every other problem is listed too.
            problems = services.protection_start_problems(
                children=children,
                removed_at=removed_at,
                reason=form.cleaned_data["reason"],
                place_kind=form.cleaned_data["place_kind"],
                place_name=form.cleaned_data["place_name"],
                la_informed_at=la_informed_at,
                parents_informed=form.cleaned_data["parents_informed"],
                offences_against_child=form.cleaned_data["offences_against_child"],
            )
            _apply(form, InvalidInput(problems))
        else:
            try:
                started = services.protection_start(
                    actor=request.user,
                    children=children,
                    incident=incident,
                    removed_at=removed_at,
                    reason=form.cleaned_data["reason"],
                    place_kind=form.cleaned_data["place_kind"],
                    place_name=form.cleaned_data["place_name"],
                    place_rationale=form.cleaned_data["place_rationale"],
                    la_informed_at=la_informed_at,
                    parents_informed=form.cleaned_data["parents_informed"],
                    offences_against_child=form.cleaned_data["offences_against_child"],
                    investigation_reference=form.cleaned_data["investigation_reference"],
                    offences_reason=form.cleaned_data["offences_reason"],
                )
            except (InvalidInput, RuleRefusal) as exc:
                _apply(form, exc)
            else:
                keep_prompts(request, started.prompts)
                messages.success(
                    request,
                    f"Police protection {started.protection.reference} recorded. The local authority is being told; "
                    "an inspector who was not involved must now be named as designated officer.",
                )
                return redirect("protection:detail", pk=started.protection.pk)
    keep = [("incident", str(incident.pk))] if incident else []
    keep += [
        ("person", str(p.pk)) for p in candidates if not incident or p not in [c.person for c in incident.children]
    ]
    context = {
        "form": form,
        "incident": incident,
        "candidates": candidates,
        "keep": keep,
        "query": query,
        "found": [(p, "?" + urlencode([*keep, ("person", str(p.pk))])) for p in found],
        "search_error": search_error,
        "action": "?" + urlencode(keep),
    }
    return render(request, "protection/start.html", context)


@access_checked
@reason_checked
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    protection = selectors.protection_for_user(request.user, pk, reasons=reasons(request))
    user = request.user
    now = clock.now()
    context = {
        "p": protection,
        "children": list(protection.children.all()),
        "timeline": selectors.timeline(protection),
        "deadline": protection.removed_at + rules.LEGAL_MAXIMUM,
        "held_hours": int(((protection.ended_at or now) - protection.removed_at).total_seconds() // 3600),
        # The designated officer's acts are an inspector's (PP-1, PP-3): nobody else is offered them.
        "can_decide": protection.is_open
        and access.can(user, Capability.PROTECTION_DECIDE)
        and (user.pk == protection.designated_officer_id or user.has_rank(Rank.INSPECTOR)),
        "prompts": take_prompts(request),
    }
    return render(request, "protection/detail.html", context)


def _decision_page(
    request: HttpRequest,
    pk: int,
    *,
    form_class: Any,
    template: str,
    act: Callable[[HttpRequest, PoliceProtection, Any], None],
    done: str,
    form_kwargs: Callable[[PoliceProtection], dict[str, Any]],
) -> HttpResponse:
    access.require(request.user, Capability.PROTECTION_DECIDE)
    protection = selectors.protection_for_user(request.user, pk, reasons=reasons(request))
    form = form_class(posted(request), initial={"version": protection.version}, **form_kwargs(protection))
    if form.is_bound and form.is_valid():
        try:
            act(request, protection, form)
        except (InvalidInput, RuleRefusal) as exc:
            _apply(form, exc)
        else:
            messages.success(request, done)
            return redirect("protection:detail", pk=pk)
    return render(request, template, {"form": form, "p": protection, "children": list(protection.children.all())})


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def designate(request: HttpRequest, pk: int) -> HttpResponse:
    def act(request: HttpRequest, p: PoliceProtection, form: Any) -> None:
        services.protection_designate(
            actor=request.user,
            protection=p,
            officer=form.cleaned_data["officer"],
            rationale=form.cleaned_data["rationale"],
            version=form.cleaned_data["version"],
        )

    return _decision_page(
        request,
        pk,
        form_class=forms.DesignateForm,
        template="protection/designate.html",
        act=act,
        done="Designated officer recorded.",
        form_kwargs=lambda p: {"exclude": [p.initiated_by_id]},
    )


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    def act(request: HttpRequest, p: PoliceProtection, form: Any) -> None:
        services.protection_handover(
            actor=request.user,
            protection=p,
            to=form.cleaned_data["to"],
            rationale=form.cleaned_data["rationale"],
            version=form.cleaned_data["version"],
        )

    return _decision_page(
        request,
        pk,
        form_class=forms.HandoverForm,
        template="protection/handover.html",
        act=act,
        done="Handover recorded.",
        form_kwargs=lambda p: {"exclude": [p.initiated_by_id, p.designated_officer_id]},
    )


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def end(request: HttpRequest, pk: int) -> HttpResponse:
    def act(request: HttpRequest, p: PoliceProtection, form: Any) -> None:
        ended_at = form.ended_at()
        if form.errors:
            raise InvalidInput({})  # the date and time boxes already carry their errors
        services.protection_end(
            actor=request.user,
            protection=p,
            outcome=form.cleaned_data["outcome"],
            rationale=form.cleaned_data["rationale"],
            ended_at=ended_at,
            version=form.cleaned_data["version"],
        )

    return _decision_page(
        request,
        pk,
        form_class=forms.EndForm,
        template="protection/end.html",
        act=act,
        done="Police protection ended.",
        form_kwargs=lambda p: {},
    )


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def offences(request: HttpRequest, pk: int) -> HttpResponse:
    def act(request: HttpRequest, p: PoliceProtection, form: Any) -> None:
        services.protection_offences_answer(
            actor=request.user,
            protection=p,
            investigation_reference=form.cleaned_data["investigation_reference"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )

    return _decision_page(
        request,
        pk,
        form_class=forms.OffencesForm,
        template="protection/offences.html",
        act=act,
        done="Answer recorded.",
        form_kwargs=lambda p: {},
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
