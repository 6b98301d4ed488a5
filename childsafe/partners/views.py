"""The partner portal: a school's Key Adult or a local authority sees its own Operation Encompass
notifications and shared PPNs (PL-3), each view logged as a disclosure (PL-4), and acknowledges them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from childsafe.core import access
from childsafe.core.errors import InvalidInput
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors, language_messages, posted
from childsafe.partners import selectors, services
from childsafe.partners.forms import PortalFilterForm, StrategyOutcomeForm
from childsafe.protection import selectors as protection_selectors
from childsafe.protection import services as protection_services
from childsafe.referrals import services as referral_services


@access_checked
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.PARTNER_PORTAL)
    searched = bool(set(request.GET) - {"page", "children_page"})
    form = PortalFilterForm(request.GET if searched else None)
    f = selectors.NoticeFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        f = selectors.NoticeFilter(
            name=data["name"],
            kind=data["kind"],
            acknowledged=data["acknowledged"],
            sent_from=data["sent_from"],
            sent_to=data["sent_to"],
        )
    context = selectors.portal_home(
        request.user, f, page=request.GET.get("page", 1), children_page=request.GET.get("children_page", 1)
    )
    # The pages' links keep the search: everything in the address but the page numbers.
    kept = request.GET.copy()
    for name in ("page", "children_page"):
        kept.pop(name, None)
    context.update(form=form, filtered=searched and form.is_valid(), keep=kept.urlencode())
    return render(request, "partners/home.html", context)


@access_checked
@require_GET
def encompass(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.PARTNER_PORTAL)
    return render(request, "partners/encompass.html", selectors.encompass_for_partner(request.user, pk))


@access_checked
@require_POST
def encompass_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.PARTNER_PORTAL)
    note = selectors.encompass_get(pk)
    try:
        services.encompass_acknowledge(actor=request.user, note=note)
    except InvalidInput as exc:
        messages.error(request, next(iter(exc.errors.values())))
    else:
        messages.success(request, "Notification acknowledged.")
    return redirect("partners:encompass", pk=pk)


@access_checked
@require_http_methods(["GET", "POST"])
def strategy_outcome(request: HttpRequest, person_id: int) -> HttpResponse:
    """RF-10: a local authority sends the outcome of a strategy meeting about one of its children."""
    access.require(request.user, Capability.PARTNER_PORTAL)
    child = selectors.strategy_outcome_child(request.user, person_id)
    form = StrategyOutcomeForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            referral_services.strategy_outcome_return(
                actor=request.user,
                child=child,
                held_at=form.cleaned_data["held_at"],
                attendees=form.cleaned_data["attendees"],
                decisions=form.cleaned_data["decisions"],
            )
        except InvalidInput as exc:
            if "held_at" in exc.errors:
                exc.errors["held_on"] = exc.errors.pop("held_at")
            apply_errors(form, exc)
        else:
            messages.success(request, f"Thank you: the strategy meeting outcome for {child.full_name} has been sent.")
            language_messages(request, {"decisions": form.cleaned_data["decisions"]})
            return redirect("partners:home")
    return render(request, "partners/strategy_outcome.html", {"form": form, "person": child})


@access_checked
@require_GET
def ppn(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.PARTNER_PORTAL)
    return render(request, "partners/ppn.html", selectors.ppn_for_partner(request.user, pk))


@access_checked
@require_POST
def ppn_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.PARTNER_PORTAL)
    shared = selectors.ppn_get(pk)
    try:
        referral_services.ppn_acknowledge(actor=request.user, ppn=shared)
    except InvalidInput as exc:
        messages.error(request, next(iter(exc.errors.values())))
    else:
        messages.success(request, "PPN acknowledged.")
    return redirect("partners:ppn", pk=pk)


@access_checked
@require_GET
def protection(request: HttpRequest, pk: int) -> HttpResponse:
    """PP-1: the police protection record, as the local authority it was sent to reads it."""
    access.require(request.user, Capability.PARTNER_PORTAL)
    return render(request, "partners/protection.html", protection_selectors.notice_for_partner(request.user, pk))


@access_checked
@require_POST
def protection_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.PARTNER_PORTAL)
    record = protection_selectors.protection_get(pk)
    try:
        protection_services.notice_acknowledge(actor=request.user, protection=record)
    except InvalidInput as exc:
        messages.error(request, next(iter(exc.errors.values())))
    else:
        messages.success(request, "Police protection notice acknowledged.")
    return redirect("partners:protection", pk=pk)
