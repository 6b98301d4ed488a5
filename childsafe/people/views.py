from __future__ import annotations

import contextlib
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from childsafe.core import access, audit
from childsafe.core.errors import InvalidInput, JustificationRequired
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked, apply_errors
from childsafe.people import picker as pickers
from childsafe.people import search as person_search
from childsafe.people import selectors, services
from childsafe.people.access import people_visible_to, person_for_user, reach_for_write
from childsafe.people.actions import actions_for
from childsafe.people.chronology import FILTERS
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

# The child's page shows the latest entries; earlier ones on demand, a step at a time or all (ADR 0036).
CHRONOLOGY_PAGE = 30
CHRONOLOGY_STEP = 200
CHRONOLOGY_MAX = 20_000


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
def pick(request: HttpRequest) -> HttpResponse:
    """The picker's matches alone, for its script (the same as the picker's "Search" button)."""
    access.require(request.user, Capability.PERSON_VIEW)
    name = request.GET.get("name", "")
    if not name.isidentifier():
        raise Http404("No such picker.")
    picker = pickers.person_picker(
        request.GET,
        request.user,
        name=name,
        label="",
        multiple=bool(request.GET.get("multiple")),
        return_to=_safe_next(request, request.GET.get("next", "")),
    )
    picker.chosen = []  # the form the picker sits in already shows who is chosen
    return render(request, "people/_picker_results.html", {"picker": picker})


def _safe_next(request: HttpRequest, url: str) -> str:
    ok = url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    return url if ok else ""


def _back_to_form(request: HttpRequest, person: Person) -> str | None:
    """After "Record a new person" from a picker: back to the form, with the new person chosen."""
    url = _safe_next(request, request.GET.get("next", ""))
    name = request.GET.get("pick", "")
    if not url or not name.isidentifier():
        return None
    return f"{url}{'&' if '?' in url else '?'}{urlencode({name: person.pk})}"


def _initial_from_picker(request: HttpRequest) -> dict[str, object]:
    """What was typed in the picker, so the new person's form starts with it."""
    initial: dict[str, object] = {k: request.GET[k][:120] for k in ("forenames", "surname") if request.GET.get(k)}
    with contextlib.suppress(ValueError):
        initial["date_of_birth"] = date.fromisoformat(request.GET.get("dob", ""))
    return initial


@access_checked
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.PERSON_CREATE)
    form = PersonForm(request.POST or None, initial=_initial_from_picker(request))
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
                back = _back_to_form(request, created.person)
                return redirect(back) if back else redirect("people:detail", pk=created.person.pk)
        else:
            form.data = form.data.copy()
            form.data["duplicates_reviewed"] = "on"
    # From a picker, a possible match can be chosen for the form straight away, instead of a new record.
    duplicates = [(person, match, _back_to_form(request, person)) for person, match in duplicates]
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
    kind = request.GET.get("kind") or None
    if kind not in FILTERS:
        kind = None
    try:
        shown = min(max(int(request.GET.get("show", CHRONOLOGY_PAGE)), CHRONOLOGY_PAGE), CHRONOLOGY_MAX)
    except ValueError:
        shown = CHRONOLOGY_PAGE
    page = selectors.person_page(person, request.user, chronology_limit=shown, chronology_kind=kind)
    return render(
        request,
        "people/detail.html",
        {
            "page": page,
            "person": person,
            "chronology_filters": FILTERS.items(),
            "chronology_next": shown + CHRONOLOGY_STEP,
            "can_manage_markers": access.can(request.user, Capability.MARKER_MANAGE),
            "can_link": access.can(request.user, Capability.IDENTITY_LINK),
            "high_harm_types": HIGH_HARM_MARKERS,
            "actions": actions_for(request.user, person, page.age),
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
    data = request.POST if request.method == "POST" else None  # an empty submission is still one
    form = LinkForm(data)
    candidates = person_search.possible_duplicates(
        forenames=person.forenames, surname=person.surname, date_of_birth=person.date_of_birth, exclude=[person.pk]
    )
    picker = pickers.person_picker(
        data,
        request.user,
        name="other",
        label="Which record is the same person?",
        hint="Possible duplicates are listed first. Search by name for another record.",
        initial=[int(request.GET["other"])] if request.GET.get("other", "").isdigit() else [],
        suggested=[p for p, _ in candidates],
        exclude=[person.pk],
    )
    if request.method == "POST" and pickers.searching(request.POST, "other"):
        pickers.hold(form)
    elif request.method == "POST" and form.is_valid():
        # Reach to the other record is the service's to check (a reason first where a read would ask one).
        other = Person.objects.exclude(pk=person.pk).filter(pk=form.cleaned_data["other"]).first()
        if other is None:
            form.add_error("other", "Choose the other record: search by name and choose it")
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
                messages.success(
                    request, f"Linked with {other.full_name}'s record: its markers now count for this child."
                )
                return redirect("people:detail", pk=pk)
    return render(request, "people/link.html", {"form": form, "person": person, "picker": picker})


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
