"""PPN pages: submit (RF-1, RF-2, RF-8), the VAT queue with its age profile and demand (RF-3), an
officer's own PPNs and their team's returns (RF-4), the PPN page, and VAT's triage (RF-6).

Each form calls one service. A refusal is shown on the form; on success the browser goes to the PPN
page, which shows the service's prompts (RF-8, QG-1...) once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from childsafe.core import access, clock, policy
from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.roles import Capability, Role
from childsafe.core.web import access_checked, apply_errors, keep_prompts, posted, take_prompts
from childsafe.incidents import selectors as incident_selectors
from childsafe.missing import selectors as person_selectors
from childsafe.people.access import people_visible_to
from childsafe.people.picker import person_picker, searching
from childsafe.people.selectors import household_children
from childsafe.people.web import reason_checked, reasons
from childsafe.referrals import forms, rules, selectors, services
from childsafe.referrals.forms import ChildrenForm, PpnForm, TriageForm
from childsafe.referrals.models import Ppn, PpnDraft, PpnRequirement

GET_POST = require_http_methods(["GET", "POST"])


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every PPN page: 403 for a role that can't, reason first where one is needed, GET and POST."""
    return access_checked(reason_checked(GET_POST(view)))


def _int(value: Any) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() else None


PPN_PURPOSES = {
    "ppn.view": "{ppn}",
    "ppn.triage": "VAT triage of {ppn}",
    "ppn.review_view": "RF-5 sample review of {ppn}",
}


def _open_children(request: HttpRequest, ppn: Ppn, event_type: str) -> list[Any]:
    """The PPN's children, each opened through need to know (each view logged, with its purpose)."""
    children = selectors.ppn_children(ppn)
    purpose = PPN_PURPOSES.get(event_type, "{ppn}").format(ppn=ppn)
    for child in children:
        person_selectors.person_for_page(
            request.user, child.person_id, reasons=reasons(request), event_type=event_type, purpose=purpose
        )
    return children


@page
def submit(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    incident = None
    incident_id = _int(request.GET.get("incident"))
    # RF-7: the PPN a record showing a child at risk asked for (a suspect's access to children...); it meets
    # that record's requirement whichever children it names.
    requirement = selectors.open_requirement(_int(request.GET.get("requirement")))
    # The children arrive picked by name (`child`, from the picker or the child's page) or, from links
    # elsewhere in Childsafe, as `children=12,13`; nobody types a reference number.
    linked = [int(p) for p in str(request.GET.get("children", "")).replace(" ", "").split(",") if p.isdigit()]
    picker = person_picker(
        request.GET,
        request.user,
        name="child",
        multiple=True,
        label="Which children is the PPN about?",
        hint="Search by name, tick each child, then continue. Search again to add another child.",
        initial=linked,
        return_to=request.get_full_path(),
    )
    finder = ChildrenForm(request.GET if "continue" in request.GET else None)
    people: list[Any] = []
    check = selectors.check_for_ppn(_int(request.GET.get("check")))
    if check is not None:  # from a safe and well check: its child, AWARE and voice come with it
        people = [
            person_selectors.person_for_page(
                request.user, check.episode.person_id, reasons=reasons(request), event_type="ppn.submit"
            )
        ]
    elif incident_id:
        incident = incident_selectors.incident_for_user(request.user, incident_id, reasons=reasons(request))
        people = [c.person for c in incident.children]
    elif picker.chosen and not searching(request.GET, "child"):
        people = [
            person_selectors.person_for_page(request.user, pk, reasons=reasons(request), event_type="ppn.submit")
            for pk in picker.chosen_ids
        ]
    elif finder.is_bound and finder.is_valid():
        finder.add_error("child", "Choose at least one child: search by name and tick them")
    if not people:
        context = {
            "finder": finder,
            "picker": picker,
            "incident": incident,
            "requirement": requirement,
            "form": None,
            "has_drafts": bool(selectors.my_drafts(request.user)),
        }
        return render(request, "referrals/submit.html", context)
    return _ppn_form(request, people, incident, requirement=requirement, check=check)


def _household(user: Any, people: list[Any]) -> list[Any]:
    """RF-8: the children of these children's household this user may see named in a list."""
    proposals = household_children([p.pk for p in people])
    visible = set(people_visible_to(user).filter(pk__in=[h.person.pk for h in proposals]).values_list("pk", flat=True))
    return [h for h in proposals if h.person.pk in visible]


def _ppn_form(
    request: HttpRequest,
    people: list[Any],
    incident: Any,
    draft: PpnDraft | None = None,
    requirement: PpnRequirement | None = None,
    check: Any = None,
) -> HttpResponse:
    """The PPN form, new or from a draft: "Save as draft" keeps it (no guards yet); "Submit" runs them all.

    RF-8: the form proposes the children of the household; one the officer chooses to add comes back on the
    form with its own AWARE, voice and ethnicity to fill in (kept in hidden `also` fields, no script needed)."""
    if draft:
        initial = forms.draft_initial(draft, selectors.draft_children(draft), selectors.draft_others(draft))
    else:
        initial = forms.known_initial(people, check)
    data = posted(request)
    proposals = _household(request.user, people)
    by_id = {h.person.pk: h.person for h in proposals}
    if data is not None:
        also = [_int(v) for v in data.getlist("also")]
        people = people + [by_id[pk] for pk in dict.fromkeys(also) if pk in by_id]
    chosen = {p.pk for p in people}
    proposed = [h for h in proposals if h.person.pk not in chosen]
    form = PpnForm(data, children=people, proposed=proposed, initial=initial)
    adding = form.to_add() if form.is_bound else []
    added_now: list[Any] = []
    if adding and request.POST.get("action") != "draft":
        # Added just now: show the form again with their sections to fill in, keeping what was typed.
        people = people + adding
        proposed = [h for h in proposed if h.person not in adding]
        kept = {k: v for k, v in request.POST.items() if k not in {"csrfmiddlewaretoken", "action", "also"}}
        form = PpnForm(None, children=people, proposed=proposed, initial=kept)
        added_now = adding
    elif form.is_bound and form.is_valid():
        entries = [services.PpnChildInput(p, **form.child_entry(p)) for p in people]
        entries += [services.PpnChildInput(p) for p in adding]  # a draft keeps them, still blank
        others = [services.OtherChildInput(**o) for o in form.other_entries()]
        try:
            if request.POST.get("action") == "draft":
                services.ppn_draft_save(
                    actor=request.user,
                    concern=form.cleaned_data["concern"],
                    children=entries,
                    incident=incident,
                    other_children=form.cleaned_data["other_children"],
                    other_people=others,
                    draft=draft,
                )
            elif draft is not None:
                submitted = services.ppn_draft_submit(
                    actor=request.user,
                    draft=draft,
                    concern=form.cleaned_data["concern"],
                    children=entries,
                    other_children=form.cleaned_data["other_children"],
                    other_people=others,
                )
            else:
                submitted = services.ppn_submit(
                    actor=request.user,
                    concern=form.cleaned_data["concern"],
                    children=entries,
                    incident=incident,
                    other_children=form.cleaned_data["other_children"],
                    other_people=others,
                    requirement=requirement,
                )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            if request.POST.get("action") == "draft":
                messages.success(request, "Draft saved. Only you can see it; VAT sees it once you submit it.")
                return redirect("referrals:drafts")
            messages.success(request, f"{submitted.ppn} submitted. VAT will triage it.")
            keep_prompts(request, submitted.prompts)
            return redirect("referrals:detail", pk=submitted.ppn.pk)
    context = {
        "form": form,
        "incident": incident,
        "draft": draft,
        "finder": None,
        "requirement": requirement,
        "check": check,
        "added_now": added_now,
    }
    return render(request, "referrals/submit.html", context)


@access_checked
def drafts(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    return render(request, "referrals/drafts.html", {"drafts": selectors.my_drafts(request.user)})


@page
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    found = selectors.draft_get(request.user, pk)
    if found.submitted_ppn_id is not None:
        messages.error(request, services.SUBMITTED_IS_FINAL.format(ppn=found.submitted_ppn))
        return redirect("referrals:detail", pk=found.submitted_ppn_id)
    incident = (
        incident_selectors.incident_for_user(request.user, found.incident_id, reasons=reasons(request))
        if found.incident_id
        else None
    )
    people = [
        person_selectors.person_for_page(
            request.user, c.person_id, reasons=reasons(request), event_type="ppn.draft_view"
        )
        for c in selectors.draft_children(found)
    ]
    return _ppn_form(request, people, incident, found)


@page
def draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    found = selectors.draft_get(request.user, pk)
    if found.submitted_ppn_id is not None:
        messages.error(request, services.SUBMITTED_IS_FINAL.format(ppn=found.submitted_ppn))
        return redirect("referrals:detail", pk=found.submitted_ppn_id)
    if request.method == "POST":
        services.ppn_draft_discard(actor=request.user, draft=found)
        messages.success(request, "Draft discarded.")
        return redirect("referrals:drafts")
    children = selectors.draft_children(found)
    for child in children:
        person_selectors.person_for_page(
            request.user, child.person_id, reasons=reasons(request), event_type="ppn.draft_view"
        )
    return render(request, "referrals/draft_discard.html", {"draft": found, "children": children})


@access_checked
def queue(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    user = request.user
    context: dict[str, Any] = {"is_vat": user.role == Role.VAT}
    if context["is_vat"]:
        context.update(selectors.vat_queue())
    else:
        context["mine"] = selectors.my_ppns(user)
        context["team_returns"] = selectors.team_returns(user, request.GET.get("returns_page", 1))
        context["drafts"] = selectors.my_drafts(user)
        context["is_manager"] = user.reports.exists()
        context["sample_percent"] = policy.get(rules.SAMPLE_PERCENT.key)
    return render(request, "referrals/queue.html", context)


@page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    ppn = selectors.ppn_get(pk)
    children = _open_children(request, ppn, "ppn.view")
    context = {
        "ppn": ppn,
        "children": children,
        "others": selectors.ppn_others(ppn),
        "shares": selectors.ppn_shares(ppn),
        "prompts": take_prompts(request),
        "can_triage": request.user.role == Role.VAT and ppn.status == "submitted",
    }
    return render(request, "referrals/detail.html", context)


@page
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    if request.user.role != Role.VAT:
        raise PermissionDenied("Only the Vulnerability Assessment Team triages PPNs.")
    ppn = selectors.ppn_get(pk)
    children = _open_children(request, ppn, "ppn.triage")
    shareable = selectors.shareable_organisations()
    form = TriageForm(posted(request), organisations=shareable)
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["partners"]
        partners = selectors.organisations(chosen)
        unknown = set(chosen) - {o.pk for o in partners}
        if unknown:
            form.add_error("partners", "One of the partners chosen no longer exists. Choose again.")
        else:
            try:
                services.ppn_triage(
                    actor=request.user,
                    ppn=ppn,
                    decision=form.cleaned_data["decision"],
                    partners=partners,
                    reason=form.cleaned_data["reason"],
                )
            except InvalidInput as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{ppn} triaged.")
                return redirect(reverse("referrals:detail", args=[ppn.pk]))
    suggested = selectors.suggested_partners([c.person_id for c in children])
    chosen = {str(v) for v in (form.data.getlist("partners") if form.is_bound else suggested)}
    context = {
        "ppn": ppn,
        "children": children,
        "form": form,
        "shareable": shareable,
        "chosen": chosen,
        "suggested": suggested,
    }
    return render(request, "referrals/triage.html", context)


# -- RF-5: the line manager's monthly sample ------------------------------------------------------------
def _month(request: HttpRequest, default: date) -> tuple[forms.MonthForm, date]:
    """The month asked for (?month=2022-10), else `default`; a month that can't be read is a form error."""
    form = forms.MonthForm(request.GET if "month" in request.GET else None)
    month = default
    if form.is_bound and form.is_valid() and form.cleaned_data["month"]:
        month = form.cleaned_data["month"]
    return form, month


def _month_links(month: date) -> dict[str, str]:
    return {
        "previous_month": f"{(month - timedelta(days=1)).replace(day=1):%Y-%m}",
        "next_month": f"{rules.next_month(month):%Y-%m}",
    }


@access_checked
def sample(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    if not request.user.reports.exists() and not request.user.ppn_reviews.exists():
        raise PermissionDenied("The PPN sample is for line managers: no officers have you as their line manager.")
    form, month = _month(request, rules.month_of(clock.now()))
    context = {"form": form, "month": month, **_month_links(month), **selectors.supervisor_sample(request.user, month)}
    return render(request, "referrals/sample.html", context)


@page
def sample_review(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_RECORD)
    ppn = selectors.ppn_get(pk)
    if ppn.submitted_by.line_manager_id != request.user.pk:
        raise PermissionDenied("Only the line manager of the officer who submitted a PPN reviews it for RF-5.")
    children = _open_children(request, ppn, "ppn.review_view")
    month = rules.month_of(ppn.submitted_at)
    form = forms.ReviewForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            services.ppn_review_record(
                actor=request.user, ppn=ppn, quality=form.cleaned_data["quality"], note=form.cleaned_data["note"]
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Your findings on {ppn} are recorded.")
            return redirect(f"{reverse('referrals:sample')}?month={month:%Y-%m}")
    context = {"ppn": ppn, "children": children, "others": selectors.ppn_others(ppn), "form": form, "month": month}
    return render(request, "referrals/sample_review.html", context)


@access_checked
def sampling(request: HttpRequest) -> HttpResponse:
    """RF-5 for leaders: each supervisor's sample for a month, done or not."""
    access.require(request.user, Capability.STATISTICS_VIEW)
    last_month = (rules.month_of(clock.now()) - timedelta(days=1)).replace(day=1)
    form, month = _month(request, last_month)
    rows = selectors.sampling_compliance(month)
    context = {
        "form": form,
        "month": month,
        "rows": rows,
        "short": sum(1 for r in rows if not r.done),
        "ended": rules.month_bounds(month)[1] <= clock.now(),
        "percent": policy.get(rules.SAMPLE_PERCENT.key),
        **_month_links(month),
    }
    return render(request, "referrals/sampling.html", context)


# -- RF-7: an approved delay before a PPN ----------------------------------------------------------------
@page
def delay(request: HttpRequest, check_pk: int) -> HttpResponse:
    """Where the RF-7 alert leads: submit the PPN, or (an inspector) approve a delay with a rationale."""
    user = request.user
    can_approve = services.can_approve_delay(user)
    if not can_approve:
        access.require(user, Capability.INCIDENT_RECORD)
    shown = selectors.delay_page(check_pk)
    person = person_selectors.person_for_page(
        user, shown.check.episode.person_id, reasons=reasons(request), event_type="ppn.delay_view"
    )
    form = forms.DelayForm(posted(request))
    if request.method == "POST" and not can_approve:
        raise PermissionDenied("Only an inspector (or a superintendent) approves a delay to a PPN (RF-7).")
    if form.is_bound and form.is_valid():
        until = datetime.combine(form.cleaned_data["until_on"], form.cleaned_data["until_time"], tzinfo=clock.LONDON)
        try:
            services.ppn_delay_approve(
                actor=user,
                check=shown.check,
                rationale=form.cleaned_data["rationale"],
                until=until,
                approved_by=user,
            )
        except (InvalidInput, RuleRefusal) as exc:
            if isinstance(exc, InvalidInput) and "until" in exc.errors:
                exc.errors["until_on"] = exc.errors.pop("until")
            apply_errors(form, exc)
        else:
            messages.success(
                request, f"Delay approved: the PPN for {person.full_name} may wait until {until:%d %B %Y %H:%M}."
            )
            return redirect("referrals:delay", check_pk=shown.check.pk)
    context = {"page": shown, "person": person, "form": form, "can_approve": can_approve}
    return render(request, "referrals/delay.html", context)


@page
def requirement(request: HttpRequest, pk: int) -> HttpResponse:
    """Where RF-7's alert on any record showing a child at risk leads: submit the PPN from here (it then meets
    the requirement whichever children it names), or, an inspector, approve a delay as themselves."""
    user = request.user
    can_approve = services.can_approve_delay(user)
    if not can_approve:
        access.require(user, Capability.INCIDENT_RECORD)
    shown = selectors.requirement_page(pk)
    for child in shown.children:
        person_selectors.person_for_page(user, child.pk, reasons=reasons(request), event_type="ppn.delay_view")
    form = forms.DelayForm(posted(request))
    if request.method == "POST" and not can_approve:
        raise PermissionDenied("Only an inspector (or a superintendent) approves a delay to a PPN (RF-7).")
    if form.is_bound and form.is_valid():
        until = datetime.combine(form.cleaned_data["until_on"], form.cleaned_data["until_time"], tzinfo=clock.LONDON)
        try:
            services.ppn_requirement_delay_approve(
                actor=user, requirement=shown.requirement, rationale=form.cleaned_data["rationale"], until=until
            )
        except (InvalidInput, RuleRefusal) as exc:
            if isinstance(exc, InvalidInput) and "until" in exc.errors:
                exc.errors["until_on"] = exc.errors.pop("until")
            apply_errors(form, exc)
        else:
            messages.success(request, f"Delay approved: the PPN may wait until {until:%d %B %Y %H:%M}.")
            return redirect("referrals:requirement", pk=pk)
    query = {"requirement": pk}
    if shown.children:
        query["children"] = ", ".join(str(c.pk) for c in shown.children)
    context = {
        "page": shown,
        "form": form,
        "can_approve": can_approve,
        "submit_url": f"{reverse('referrals:submit')}?{urlencode(query)}",
    }
    return render(request, "referrals/requirement.html", context)
