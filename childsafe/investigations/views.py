"""Investigation pages: the list, one investigation with its summary, allocation (INV-1's candidate list),
supervision (INV-2), activity, a suspect's access to children (INV-6, then the PPN form for those children),
bail (INV-7), DFU requests and the DFU queue with its backlog (INV-4), victim identification offers (INV-8)
and closure. Each form calls one service; a refusal is shown on the form, prompts on the next page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from childsafe.core import access
from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors, keep_prompts, posted, take_prompts
from childsafe.incidents import selectors as incident_selectors
from childsafe.investigations import forms, selectors, services
from childsafe.investigations.models import Bail, DfuRequest, Investigation, VioOffer
from childsafe.people import search
from childsafe.people.access import people_visible_to, person_for_user
from childsafe.people.models import Person, Relationship
from childsafe.people.web import reason_checked, reasons
from childsafe.referrals.services import ppn_requirement_for

GET_POST = require_http_methods(["GET", "POST"])


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return access_checked(reason_checked(GET_POST(view)))


def post_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A small form on the investigation page: POST only, then back to the page with a message."""
    return access_checked(reason_checked(require_POST(view)))


def _investigation(request: HttpRequest, pk: int) -> Investigation:
    """The investigation, with every person on it opened through need to know (each view logged)."""
    inv = selectors.investigation_for_user(request.user, pk)
    for ip in getattr(inv, "named", []):
        person_for_user(
            request.user,
            ip.person_id,
            justification=reasons(request).get(str(ip.person_id), ""),
            event_type="investigation.view",
        )
    return inv


def _done(request: HttpRequest, inv: Investigation, message: str, prompts: list | None = None) -> HttpResponse:
    messages.success(request, message)
    if prompts:
        keep_prompts(request, prompts)
    return redirect("investigations:detail", pk=inv.pk)


@page
def investigation_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.investigations_for(request.user))
    overrides = selectors.allocation_overrides() if access.can(request.user, Capability.INVESTIGATION_SUPERVISE) else []
    return render(request, "investigations/list.html", {"rows": rows, "overrides": overrides})


def _ids(request: HttpRequest, name: str) -> list[int]:
    return list(dict.fromkeys(int(v) for v in request.GET.getlist(name) if v.isdigit()))


@page
def open_investigation(request: HttpRequest) -> HttpResponse:
    """Open an investigation from an incident (its people come with it) or on its own. People are found by
    name and added as a victim or a suspect; the choices ride in the address, so nobody types a number."""
    access.require(request.user, Capability.INVESTIGATION_WORK)
    user = request.user
    incident = None
    incident_id = request.GET.get("incident", "")
    victim_ids, suspect_ids = _ids(request, "victim"), _ids(request, "suspect")
    if incident_id.isdigit():
        incident = incident_selectors.incident_for_user(user, int(incident_id), reasons=reasons(request))
        if not victim_ids and not suspect_ids:
            roles = list(incident.people.values_list("person_id", "role"))
            victim_ids = [pid for pid, role in roles if role in ("child", "victim")]
            suspect_ids = [pid for pid, role in roles if role == "suspect"]
    people = {p.pk: p for p in people_visible_to(user, Person.objects.filter(pk__in=victim_ids + suspect_ids))}
    victims = [people[i] for i in victim_ids if i in people]
    suspects = [people[i] for i in suspect_ids if i in people]
    finder = forms.FindForm(request.GET if "q" in request.GET else None)
    hits: list[Person] = []
    if finder.is_bound and finder.is_valid() and finder.cleaned_data["q"].strip():
        try:
            wanted = search.wanted_from(q=finder.cleaned_data["q"])
        except InvalidInput as exc:
            apply_errors(finder, exc)
        else:
            hits = [h.person for h in search.find(wanted, queryset=people_visible_to(user))][:20]
    base = {"incident": incident.pk if incident else None, "victim": victim_ids, "suspect": suspect_ids}

    def link(**changes: list[int]) -> str:
        query = {k: v for k, v in {**base, **changes}.items() if v}
        return f"{reverse('investigations:open')}?{urlencode(query, doseq=True)}"

    form = forms.OpenForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            opened = services.investigation_open(
                actor=user,
                type=form.cleaned_data["type"],
                victims=victims,
                suspects=suspects,
                summary=form.cleaned_data["summary"],
                incident=incident,
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, opened.record, f"Investigation {opened.record.reference} opened.", opened.prompts)
    context = {
        "form": form,
        "finder": finder,
        "incident": incident,
        "victims": [(p, link(victim=[i for i in victim_ids if i != p.pk])) for p in victims],
        "suspects": [(p, link(suspect=[i for i in suspect_ids if i != p.pk])) for p in suspects],
        "hits": [
            (p, link(victim=[*victim_ids, p.pk]), link(suspect=[*suspect_ids, p.pk]))
            for p in hits
            if p.pk not in victim_ids and p.pk not in suspect_ids
        ],
        "action": link(),
    }
    return render(request, "investigations/open.html", context)


@page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    inv = _investigation(request, pk)
    user = request.user
    context = {
        "page": selectors.investigation_page(inv),
        "inv": inv,
        "victims": selectors.victims(inv),
        "suspects": selectors.suspects(inv),
        "prompts": take_prompts(request),
        "activity_form": forms.ActivityForm(),
        "dfu_form": forms.DfuSubmitForm(),
        "vio_form": forms.VioOfferForm(),
        "can_supervise": access.can(user, Capability.INVESTIGATION_SUPERVISE),
        "can_work": access.can(user, Capability.INVESTIGATION_WORK),
        "is_dfu": access.can(user, Capability.DFU_EXAMINE),
        "is_officer": user.pk == inv.officer_id,
    }
    return render(request, "investigations/detail.html", context)


@page
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INVESTIGATION_SUPERVISE)
    inv = _investigation(request, pk)
    candidates = selectors.candidates(inv)
    form = forms.AllocateForm(posted(request), candidates=candidates, initial={"version": inv.version})
    if form.is_bound and form.is_valid():
        officer = next(c.officer for c in candidates if str(c.officer.pk) == form.cleaned_data["officer"])
        try:
            services.investigation_allocate(
                actor=request.user,
                investigation=inv,
                officer=officer,
                rationale=form.cleaned_data["rationale"],
                expected_version=form.cleaned_data["version"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, inv, f"Allocated to {officer.get_full_name() or officer.username}.")
    chosen = form.data.get("officer") if form.is_bound else ""
    return render(
        request, "investigations/allocate.html", {"inv": inv, "form": form, "candidates": candidates, "chosen": chosen}
    )


@page
def supervise(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INVESTIGATION_SUPERVISE)
    inv = _investigation(request, pk)
    form = forms.SuperviseForm(posted(request))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.investigation_supervise(
                actor=request.user,
                investigation=inv,
                lines_of_enquiry=data["lines_of_enquiry"],
                safeguarding_actions=data["safeguarding_actions"],
                other_children=data["other_children"],
                next_review_at=forms.london_end_of(data["next_review_on"]),
            )
        except (InvalidInput, RuleRefusal) as exc:
            if isinstance(exc, InvalidInput) and "next_review_at" in exc.errors:
                exc.errors["next_review_on"] = exc.errors.pop("next_review_at")
            apply_errors(form, exc)
        else:
            return _done(request, inv, "Supervision review recorded.", saved.prompts)
    page_ = selectors.investigation_page(inv)
    return render(request, "investigations/supervise.html", {"inv": inv, "form": form, "reviews": page_.reviews})


@post_only
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    inv = _investigation(request, pk)
    form = forms.ActivityForm(request.POST)
    if form.is_valid():
        try:
            saved = services.investigation_activity(
                actor=request.user, investigation=inv, note=form.cleaned_data["note"]
            )
        except InvalidInput as exc:
            messages.error(request, "; ".join(exc.errors.values()))
        else:
            return _done(request, inv, "Activity recorded.", saved.prompts)
    else:
        messages.error(request, "Enter what was done.")
    return redirect("investigations:detail", pk=inv.pk)


def _children_near(suspects: list[Person], victims: list[Person]) -> list[Person]:
    """Children a user may tick: the victims and the children recorded as related to a suspect."""
    from childsafe.core import clock

    today = clock.today_london()
    ids = {p.pk for p in suspects}
    related = Relationship.objects.filter(from_person_id__in=ids).select_related("to_person")
    related_back = Relationship.objects.filter(to_person_id__in=ids).select_related("from_person")
    people = {p.pk: p for p in victims}
    people.update({r.to_person.pk: r.to_person for r in related})
    people.update({r.from_person.pk: r.from_person for r in related_back})
    return sorted((p for p in people.values() if p.is_child_on(today) and p.pk not in ids), key=lambda p: p.full_name)


@page
def access_to_children(request: HttpRequest, pk: int) -> HttpResponse:
    """INV-6: record it, then go straight to the PPN form for the children ticked (RF-7's clock is running)."""
    access.require(request.user, Capability.INVESTIGATION_WORK)
    inv = _investigation(request, pk)
    suspects, victims = selectors.suspects(inv), selectors.victims(inv)
    children = _children_near(suspects, victims)
    form = forms.AccessForm(posted(request), suspects=suspects, children=children)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        chosen = [p for p in children if str(p.pk) in data["children"]]
        try:
            saved = services.suspect_access_record(
                actor=request.user,
                investigation=inv,
                suspect=next(p for p in suspects if str(p.pk) == data["suspect"]),
                source=data["source"],
                detail=data["detail"],
                children=chosen,
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            keep_prompts(request, saved.prompts)
            requirement = ppn_requirement_for(saved.record)
            query = {"requirement": requirement.pk if requirement else ""}
            if chosen:
                query["children"] = ", ".join(str(p.pk) for p in chosen)
            messages.success(request, "Recorded. Submit the PPN now: it is due within 24 hours.")
            return redirect(f"{reverse('referrals:submit')}?{urlencode(query)}")
    return render(request, "investigations/access.html", {"inv": inv, "form": form, "children": children})


@page
def bail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INVESTIGATION_WORK)
    inv = _investigation(request, pk)
    suspects = selectors.suspects(inv)
    form = forms.BailForm(posted(request), suspects=suspects)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.bail_set(
                actor=request.user,
                investigation=inv,
                suspect=next(p for p in suspects if str(p.pk) == data["suspect"]),
                conditions=data["conditions"],
                ends_at=forms.london_end_of(data["ends_on"]),
            )
        except (InvalidInput, RuleRefusal) as exc:
            if isinstance(exc, InvalidInput) and "ends_at" in exc.errors:
                exc.errors["ends_on"] = exc.errors.pop("ends_at")
            apply_errors(form, exc)
        else:
            return _done(request, inv, "Bail recorded. You will be alerted 7 days before it ends.")
    current = [b for b in selectors.investigation_page(inv).bails if b.is_current]
    return render(request, "investigations/bail.html", {"inv": inv, "form": form, "current": current})


@page
def bail_end(request: HttpRequest, pk: int, bail_pk: int) -> HttpResponse:
    access.require(request.user, Capability.INVESTIGATION_WORK)
    inv = _investigation(request, pk)
    record = Bail.objects.select_related("suspect").filter(pk=bail_pk, investigation=inv).first()
    if record is None:
        raise Http404("No bail with that reference on this investigation.")
    form = forms.BailEndForm(posted(request))
    if form.is_bound and form.is_valid():
        ends_on = form.cleaned_data.get("ends_on")
        try:
            services.bail_end(
                actor=request.user,
                bail=record,
                outcome=form.cleaned_data["outcome"],
                ends_at=forms.london_end_of(ends_on) if ends_on else None,
            )
        except (InvalidInput, RuleRefusal) as exc:
            if isinstance(exc, InvalidInput) and "ends_at" in exc.errors:
                exc.errors["ends_on"] = exc.errors.pop("ends_at")
            apply_errors(form, exc)
        else:
            return _done(request, inv, f"Bail outcome recorded for {record.suspect.full_name}.")
    return render(request, "investigations/bail_end.html", {"inv": inv, "form": form, "bail": record})


@post_only
def dfu_submit(request: HttpRequest, pk: int) -> HttpResponse:
    inv = _investigation(request, pk)
    form = forms.DfuSubmitForm(request.POST)
    if form.is_valid():
        try:
            services.dfu_submit(
                actor=request.user,
                investigation=inv,
                devices=form.device_list(),
                priority=form.cleaned_data["priority"],
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as exc:
            messages.error(request, " ".join(exc.errors.values()))
        else:
            return _done(request, inv, "Devices submitted to the DFU.")
    else:
        messages.error(request, "List the devices being submitted.")
    return redirect("investigations:detail", pk=inv.pk)


@page
def dfu_queue(request: HttpRequest) -> HttpResponse:
    queue = list(selectors.dfu_queue(request.user))
    bands = selectors.dfu_backlog()
    context = {
        "queue": queue,
        "bands": bands,
        "waiting": sum(b.count for b in bands),
        "largest": max((b.count for b in bands), default=0) or 1,
        "is_dfu": access.can(request.user, Capability.DFU_EXAMINE),
        "complete_form": forms.DfuCompleteForm(),
    }
    return render(request, "investigations/dfu_queue.html", context)


@access_checked
@require_POST
def dfu_start(request: HttpRequest, request_pk: int) -> HttpResponse:
    record = DfuRequest.objects.filter(pk=request_pk).first()
    if record is None:
        raise Http404("No DFU request with that reference.")
    try:
        services.dfu_start(actor=request.user, request=record)
    except InvalidInput as exc:
        messages.error(request, " ".join(exc.errors.values()))
    else:
        messages.success(request, f"Examination started for {record.investigation.reference}.")
    return redirect("investigations:dfu_queue")


@access_checked
@require_POST
def dfu_complete(request: HttpRequest, request_pk: int) -> HttpResponse:
    record = DfuRequest.objects.filter(pk=request_pk).first()
    if record is None:
        raise Http404("No DFU request with that reference.")
    form = forms.DfuCompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a summary of the results.")
        return redirect("investigations:dfu_queue")
    try:
        services.dfu_complete(actor=request.user, request=record, summary=form.cleaned_data["summary"])
    except InvalidInput as exc:
        messages.error(request, " ".join(exc.errors.values()))
    else:
        messages.success(request, f"Results recorded on {record.investigation.reference}.")
    return redirect("investigations:dfu_queue")


@page
def vio_respond(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    inv = _investigation(request, pk)
    offer = VioOffer.objects.select_related("offered_by").filter(pk=offer_pk, investigation=inv).first()
    if offer is None:
        raise Http404("No offer with that reference on this investigation.")
    form = forms.VioRespondForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            services.vio_respond(
                actor=request.user,
                offer=offer,
                response=form.cleaned_data["response"],
                reason=form.cleaned_data["reason"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, inv, "Your answer to the offer of help is recorded.")
    return render(request, "investigations/vio_respond.html", {"inv": inv, "form": form, "offer": offer})


@page
def close(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INVESTIGATION_SUPERVISE)
    inv = _investigation(request, pk)
    form = forms.CloseForm(posted(request), initial={"version": inv.version})
    if form.is_bound and form.is_valid():
        try:
            services.investigation_close(
                actor=request.user,
                investigation=inv,
                outcome=form.cleaned_data["outcome"],
                rationale=form.cleaned_data["rationale"],
                expected_version=form.cleaned_data["version"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, inv, f"Investigation {inv.reference} closed.")
    context = {"inv": inv, "form": form, "unanswered": selectors.unanswered_offers(inv)}
    return render(request, "investigations/close.html", context)


@post_only
def vio_offer(request: HttpRequest, pk: int) -> HttpResponse:
    inv = _investigation(request, pk)
    form = forms.VioOfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the offer of help.")
        return redirect("investigations:detail", pk=inv.pk)
    try:
        services.vio_offer(actor=request.user, investigation=inv, message=form.cleaned_data["message"])
    except InvalidInput as exc:
        messages.error(request, " ".join(exc.errors.values()))
        return redirect("investigations:detail", pk=inv.pk)
    return _done(request, inv, "Offer of help sent. The officer in the case must answer within 7 days.")


@post_only
def forensic(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit an item, record it returned (INV-5's clock starts), or record it resubmitted."""
    inv = _investigation(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "submit":
            services.forensic_submit(actor=request.user, investigation=inv, item=request.POST.get("item", ""))
            message = "Forensic submission recorded."
        else:
            sub = inv.forensic_submissions.filter(pk=request.POST.get("submission") or 0).first()
            if sub is None:
                raise Http404("No such submission on this investigation.")
            if action == "return":
                services.forensic_return(actor=request.user, submission=sub, reason=request.POST.get("reason", ""))
                message = "Recorded as returned: resubmit within 2 working days."
            else:
                services.forensic_resubmit(actor=request.user, submission=sub)
                message = "Recorded as resubmitted."
    except InvalidInput as exc:
        messages.error(request, " ".join(exc.errors.values()))
        return redirect("investigations:detail", pk=inv.pk)
    return _done(request, inv, message)
