from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from childsafe.core import access, audit
from childsafe.core.errors import InvalidInput, JustificationRequired
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors
from childsafe.people import search as person_search
from childsafe.people import selectors, services
from childsafe.people.access import people_visible_to, person_for_user, reach_for_write
from childsafe.people.forms import (
    EndMarkerForm,
    LinkForm,
    MarkerForm,
    PersonForm,
    SearchForm,
    UnlinkForm,
)
from childsafe.people.models import IdentityLink, Person, WarningMarker
from childsafe.people.vocabulary import HIGH_HARM_MARKERS
from childsafe.people.web import reason_checked, reasons


@access_checked
def search(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.PERSON_VIEW)
    form = SearchForm(request.GET or None)
    results = None
    if request.GET and form.is_valid():
        try:
            wanted = person_search.wanted_from(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            results = person_search.find(wanted, queryset=people_visible_to(request.user))
    return render(
        request,
        "people/search.html",
        {"form": form, "results": results, "can_create": access.can(request.user, Capability.PERSON_CREATE)},
    )


@access_checked
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.PERSON_CREATE)
    form = PersonForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["duplicates_reviewed"]:
            # PL-2: offer possible duplicates before a new record is made.
            duplicates = person_search.possible_duplicates(
                forenames=data["forenames"], surname=data["surname"], date_of_birth=data["date_of_birth"]
            )
        if not duplicates:
            address = None
            if data["line1"] or data["town"] or data["postcode"]:
                address = services.AddressInput(line1=data["line1"], town=data["town"], postcode=data["postcode"])
            try:
                created = services.person_create(
                    actor=request.user,
                    forenames=data["forenames"],
                    surname=data["surname"],
                    date_of_birth=data["date_of_birth"],
                    dob_is_approximate=data["dob_is_approximate"],
                    sex=data["sex"],
                    ethnicity_self_defined=data["ethnicity_self_defined"],
                    ethnicity_observed=data["ethnicity_observed"],
                    address=address,
                    looked_after=data["looked_after"],
                    notes=data["notes"],
                    duplicates_reviewed=True,
                )
            except InvalidInput as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{created.person.full_name} has been recorded.")
                return redirect("people:detail", pk=created.person.pk)
        else:
            form.data = form.data.copy()
            form.data["duplicates_reviewed"] = "on"
    return render(request, "people/create.html", {"form": form, "duplicates": duplicates})


@access_checked
@reason_checked
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    person, decision = person_for_user(
        request.user, pk, justification=reasons(request).get(str(pk), ""), purpose="the child's record page"
    )
    if decision.partner_view:
        return render(
            request,
            "partners/child.html",
            {
                "person": person,
                "can_return_strategy_outcome": access.can(request.user, Capability.STRATEGY_OUTCOME_RETURN),
            },
        )
    page = selectors.person_page(person, request.user)
    return render(
        request,
        "people/detail.html",
        {
            "page": page,
            "person": person,
            "can_manage_markers": access.can(request.user, Capability.MARKER_MANAGE),
            "can_link": access.can(request.user, Capability.IDENTITY_LINK),
            "high_harm_types": HIGH_HARM_MARKERS,
        },
    )


def _person_in_reach(request: HttpRequest, pk: int, event_type: str) -> Person:
    """For changes: the user must be able to open the record now. A hidden record is a 404 logged as a
    refusal; one that needs a reason sends them to the reason page first (`reason_checked`)."""
    person = get_object_or_404(Person, pk=pk)
    reach_for_write(request.user, person, reasons=reasons(request), event_type=event_type)
    return person


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def marker_add(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.MARKER_MANAGE)
    person = _person_in_reach(request, pk, "marker.add")
    form = MarkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            marker = services.marker_add(
                actor=request.user, person=person, reasons=reasons(request), **form.cleaned_data
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Warning marker added: {marker.get_type_display()}.")
            return redirect("people:detail", pk=pk)
    return render(request, "people/marker_add.html", {"form": form, "person": person})


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def marker_end(request: HttpRequest, pk: int, marker_pk: int) -> HttpResponse:
    access.require(request.user, Capability.MARKER_MANAGE)
    person = _person_in_reach(request, pk, "marker.end")
    marker = get_object_or_404(WarningMarker, pk=marker_pk, person=person)
    form = EndMarkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.marker_end(
                actor=request.user, marker=marker, reason=form.cleaned_data["reason"], reasons=reasons(request)
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Warning marker ended: {marker.get_type_display()}.")
            return redirect("people:detail", pk=pk)
    return render(request, "people/marker_end.html", {"form": form, "person": person, "marker": marker})


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.IDENTITY_LINK)
    person = _person_in_reach(request, pk, "identity.link")
    form = LinkForm(request.POST or None, initial={"other": request.GET.get("other")})
    if request.method == "POST" and form.is_valid():
        other = Person.objects.filter(pk=form.cleaned_data["other"]).first()
        if other is None:
            form.add_error("other", "There is no record with that reference. Check the number on the record.")
        else:
            try:
                services.identity_link(
                    actor=request.user,
                    person=person,
                    other=other,
                    rationale=form.cleaned_data["rationale"],
                    reasons=reasons(request),
                )
            except JustificationRequired as exc:
                # The other record is outside their reach until they say why: back here, with it chosen.
                back = f"{reverse('people:link', args=[pk])}?{urlencode({'other': other.pk})}"
                return redirect(f"{reverse('people:reason', args=[exc.person_id])}?{urlencode({'next': back})}")
            except InvalidInput as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Linked with record {other.pk}: its markers now count for this child.")
                return redirect("people:detail", pk=pk)
    candidates = person_search.possible_duplicates(
        forenames=person.forenames, surname=person.surname, date_of_birth=person.date_of_birth, exclude=[person.pk]
    )
    return render(request, "people/link.html", {"form": form, "person": person, "candidates": candidates})


@access_checked
@reason_checked
@require_http_methods(["GET", "POST"])
def unlink(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    access.require(request.user, Capability.IDENTITY_LINK)
    person = _person_in_reach(request, pk, "identity.unlink")
    # Only a link of this page's person: the link's own id must not reach two other records.
    link_row = (
        IdentityLink.objects.select_related("person_a", "person_b")
        .filter(Q(person_a=person) | Q(person_b=person), pk=link_pk, unlinked_at__isnull=True)
        .first()
    )
    if link_row is None:
        audit.refusal(
            actor=request.user,
            event_type="identity.unlink",
            why=f"link {link_pk} is not an open link of this record.",
            subject_type="people.identitylink",
            subject_id=link_pk,
            person_id=person.pk,
        )
        raise Http404("No link with that reference on this record.")
    form = UnlinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_unlink(
                actor=request.user, link=link_row, rationale=form.cleaned_data["rationale"], reasons=reasons(request)
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The records are no longer linked.")
            return redirect("people:detail", pk=pk)
    return render(request, "people/unlink.html", {"form": form, "person": person, "link": link_row})
