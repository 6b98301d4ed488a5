"""Offender management pages: the OMU caseload by area team, the offender's page and a form per action.

Each form calls one service. A refusal (RSO-7, RSO-8, RSO-5...) is shown on the form; on success the
browser goes to the offender's page, which shows the service's prompts (RSO-1, RSO-3, RSO-4) once.
People are picked by name: from a name search, or from those already on the offender's record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from childsafe.core import access, audit, clock
from childsafe.core.errors import InvalidInput, Prompt, RuleRefusal
from childsafe.core.forms import combine
from childsafe.core.models import Area, User
from childsafe.core.roles import Capability, Role
from childsafe.core.web import access_checked, apply_errors, keep_prompts, posted, take_prompts
from childsafe.offenders import rules, selectors, services
from childsafe.offenders.forms import (
    AbsenceForm,
    BreachDecisionForm,
    BreachForm,
    ChildContactForm,
    ConvictForm,
    CourtResultsForm,
    DeviceForm,
    DisclosureForm,
    NotificationForm,
    OrderForm,
    ReleaseForm,
    RiskForm,
    SupervisionForm,
    VisitForm,
    WelfareForm,
)
from childsafe.offenders.models import ContactChild, Offender, SupervisorAbsence
from childsafe.people import search as person_search
from childsafe.people.access import people_visible_to, person_for_user
from childsafe.people.models import Person
from childsafe.people.web import reason_checked, reasons

GET_POST = require_http_methods(["GET", "POST"])


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return access_checked(reason_checked(GET_POST(view)))


def _offender(request: HttpRequest, pk: int) -> Offender:
    return selectors.offender_for_user(request.user, pk, reasons=reasons(request))


def _done(request: HttpRequest, offender: Offender, message: str, prompts: list[Prompt] = (), anchor: str = ""):
    messages.success(request, message)
    keep_prompts(request, list(prompts))
    url = reverse("offenders:detail", args=[offender.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _form_page(request: HttpRequest, offender: Offender | None, form, *, title: str, button: str, **extra: Any):
    return render(
        request,
        "offenders/form.html",
        {"offender": offender, "form": form, "title": title, "button": button, **extra},
    )


def _name_search(request: HttpRequest) -> list[Person]:
    q = (request.GET.get("q") or "").strip()
    if not q:
        return []
    try:
        wanted = person_search.wanted_from(q=q)
    except InvalidInput:
        return []
    return [hit.person for hit in person_search.find(wanted, queryset=people_visible_to(request.user))]


def _picked(request: HttpRequest, ids: list[str]) -> list[Person]:
    wanted = [int(i) for i in ids if str(i).isdigit()]
    found = {p.pk: p for p in people_visible_to(request.user, Person.objects.filter(pk__in=wanted))}
    return [found[i] for i in wanted if i in found]


# -- caseload ------------------------------------------------------------------------------------------


@access_checked
def caseload(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.OFFENDER_VIEW)
    areas = list(Area.objects.order_by("name"))
    code = request.GET.get("area")
    area = next((a for a in areas if a.code == code), None)
    if code is None:
        area = request.user.area
    page = selectors.caseload(area)
    return render(
        request,
        "offenders/caseload.html",
        {
            "caseload": page,
            "areas": areas,
            "area": area,
            "now": clock.now(),
            "compliance": selectors.visit_compliance([r.offender.pk for r in page.rows]),
        },
    )


@access_checked
@GET_POST
def court_results(request: HttpRequest) -> HttpResponse:
    """The daily list of new notifiable court results (RSO-2), and the court results feed's import."""
    access.require(request.user, Capability.OFFENDER_MANAGE)
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() else 1
    days = min(max(days, 1), 31)
    form = CourtResultsForm(posted(request), request.FILES if request.method == "POST" else None)
    imported = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        if upload is None:
            form.add_error("file", "Choose the court results file.")
        else:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", "The file must be a CSV saved as UTF-8.")
            else:
                try:
                    imported = services.court_results_import(actor=request.user, text=text)
                except InvalidInput as exc:
                    apply_errors(form, exc)
    return render(
        request,
        "offenders/court_results.html",
        {
            "form": form,
            "imported": imported,
            "days": days,
            "results": selectors.new_court_results(since=clock.now() - timedelta(days=days)),
        },
    )


@access_checked
def briefing(request: HttpRequest) -> HttpResponse:
    """Offenders at liberty in an area, highest risk first, with photograph reference and address, for the
    shift briefing; for the roles that need to know. Opening the list is logged like opening a record."""
    access.require(request.user, Capability.OFFENDER_VIEW)
    areas = list(Area.objects.order_by("name"))
    code = request.GET.get("area") or (request.user.area.code if request.user.area else "")
    area = next((a for a in areas if a.code == code), None)
    rows = selectors.briefing(area) if area else []
    if area:
        audit.access(
            actor=request.user,
            event_type="offender.briefing",
            subject_type="offenders.briefing",
            subject_id=area.code,
            justification="Shift briefing",
        )
    return render(request, "offenders/briefing.html", {"areas": areas, "area": area, "rows": rows})


# -- the offender's page ---------------------------------------------------------------------------------


@page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    return render(
        request,
        "offenders/detail.html",
        {
            "offender": offender,
            "page": selectors.offender_page(offender),
            "prompts": take_prompts(request),
            "can_manage": access.can(request.user, Capability.OFFENDER_MANAGE),
            "now": clock.now(),
        },
    )


# -- actions ---------------------------------------------------------------------------------------------


@page
def register(request: HttpRequest, person_pk: int) -> HttpResponse:
    """Record a court result for a person, opened from their page (picked by name in the search)."""
    access.require(request.user, Capability.OFFENDER_MANAGE)
    person, _ = person_for_user(
        request.user,
        person_pk,
        justification=reasons(request).get(str(person_pk), ""),
        event_type="offender.register.view",
    )
    existing = Offender.objects.filter(person=person).first()
    form = ConvictForm(posted(request))
    # The service runs even when the date is missing (it then refuses), so every problem shows at once.
    if request.method == "POST" and (form.is_valid() or form.cleaned_data.get("court_result_date") is None):
        data = form.cleaned_data
        when = combine(form, "court_result_date", "court_result_time", "of the court result")
        period = data.get("period", "")
        try:
            convicted = services.offender_convict(
                actor=request.user,
                person=person,
                offence=data.get("offence", ""),
                notifiable=data.get("notifiable", False),
                court_result_at=when,
                period_years=int(period) if period.isdigit() else None,
                indefinite=period == "indefinite",
                custody=data.get("custody", False),
                photo_reference=data.get("photo_reference", ""),
            )
        except (InvalidInput, RuleRefusal) as exc:
            if isinstance(exc, InvalidInput) and "court_result_at" in exc.errors:
                # Every problem at once: the service's, and the date's own (shown once, on the date).
                message = exc.errors.pop("court_result_at")
                if not form.has_error("court_result_date") and not form.has_error("court_result_time"):
                    exc.errors["court_result_date"] = message
            apply_errors(form, exc)
        else:
            return _done(request, convicted.offender, "Court result recorded.", convicted.prompts)
    return _form_page(
        request,
        existing,
        form,
        title=f"Record a court result for {person.full_name}",
        button="Record the court result",
        person=person,
    )


@page
def release(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    form = ReleaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        when = combine(form, "released_date", "released_time", "of release")
        if when is None and not form.errors:
            form.add_error("released_date", "Enter the date of release.")
        if not form.errors:
            try:
                services.offender_release(actor=request.user, offender=offender, at=when)
            except (InvalidInput, RuleRefusal) as exc:
                apply_errors(form, exc)
            else:
                return _done(request, offender, "Release recorded: the initial notification is due within 3 days.")
    return _form_page(request, offender, form, title="Record release from custody", button="Record the release")


@page
def notify(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    form = NotificationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        event = data.get("event_date")
        try:
            _, prompts = services.notification_record(
                actor=request.user,
                offender=offender,
                kind=data["kind"],
                where=data["where"],
                detail=data["detail"],
                event_at=datetime.combine(event, time(0), tzinfo=clock.LONDON) if event else None,
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Notification recorded.", prompts, "notifications")
    return _form_page(request, offender, form, title="Record a notification", button="Record the notification")


@page
def risk(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    form = RiskForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_assess(actor=request.user, offender=offender, **form.cleaned_data)
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Risk assessment and plan recorded.", anchor="risk")
    return _form_page(request, offender, form, title="Record risk and the risk management plan", button="Record")


def _officers(request: HttpRequest) -> list[User]:
    colleagues = User.objects.filter(is_active=True, role__in=[Role.OMU, Role.SUPERVISOR])
    if request.user.area_id:
        colleagues = colleagues.filter(area_id=request.user.area_id)
    return sorted(set(colleagues) | {request.user}, key=lambda u: u.display_name)


@page
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    officers = _officers(request)
    devices = list(offender.devices.filter(removed_at=None))
    form = VisitForm(posted(request), officers=officers, devices=devices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {str(u.pk): u for u in officers}
        known = {str(d.pk): d for d in devices}
        try:
            _, prompts = services.visit_record(
                actor=request.user,
                offender=offender,
                kind=data["kind"],
                announced=data["announced"],
                officers=[chosen[i] for i in data["officers"]],
                devices_checked=[known[i] for i in data["devices_checked"]],
                notes=data["notes"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Visit recorded.", prompts, "visits")
    return _form_page(request, offender, form, title="Record a visit", button="Record the visit")


@page
def device(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    form = DeviceForm(posted(request), initial={"declared": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.device_add(actor=request.user, offender=offender, **form.cleaned_data)
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Device recorded.", anchor="devices")
    return _form_page(request, offender, form, title="Record a device", button="Record the device")


@page
def breach(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    form = BreachForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.breach_record(actor=request.user, offender=offender, **form.cleaned_data)
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(
                request,
                offender,
                "Breach recorded. Record it as a crime within 24 hours, or a supervisor records why not.",
                anchor="breaches",
            )
    return _form_page(request, offender, form, title="Record a breach", button="Record the breach")


@page
def breach_decision(request: HttpRequest, pk: int, breach_pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    found = selectors.open_breach(offender, breach_pk)
    form = BreachDecisionForm(posted(request), initial={"expected_version": found.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.breach_decide(
                actor=request.user,
                breach=found,
                decision=data["decision"],
                rationale=data["rationale"],
                expected_version=data["expected_version"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Decision on the breach recorded.", anchor="breaches")
    return _form_page(request, offender, form, title="Decide on a breach", button="Record the decision", subject=found)


@page
def child_contact(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    results = [p for p in _name_search(request) if p.pk != offender.person_id]
    picked = _picked(request, request.POST.getlist("children")) if request.method == "POST" else []
    form = ChildContactForm(posted(request), people=list(dict.fromkeys(picked + results)))
    if request.method == "POST" and form.is_valid():
        try:
            services.child_contact_record(
                actor=request.user, offender=offender, children=picked, detail=form.cleaned_data["detail"]
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(
                request,
                offender,
                "Contact recorded. A PPN about each child is due within 24 hours and a disclosure decision within 48.",
                anchor="contacts",
            )
    return _form_page(
        request,
        offender,
        form,
        title="Record contact with children",
        button="Record the contact",
        search=True,
        q=request.GET.get("q", ""),
    )


@page
def welfare(request: HttpRequest, pk: int, child_pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    child = (
        ContactChild.objects.filter(pk=child_pk, contact__offender=offender).select_related("person", "contact").first()
    )
    if child is None:
        raise Http404("No such child on this offender's record.")
    form = WelfareForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.welfare_check_record(actor=request.user, child=child, note=form.cleaned_data["note"])
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, f"Welfare check on {child.person.full_name} recorded.", anchor="contacts")
    return _form_page(
        request, offender, form, title=f"Record a welfare check on {child.person.full_name}", button="Record"
    )


@page
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    results = [p for p in _name_search(request) if p.pk != offender.person_id]
    picked = _picked(request, [request.POST.get("to", "")]) if request.method == "POST" else []
    form = DisclosureForm(posted(request), people=list(dict.fromkeys(picked + results)))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.disclosure_decide(
                actor=request.user,
                offender=offender,
                decision=data["decision"],
                to=picked[0] if picked else None,
                rationale=data["rationale"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Disclosure decision recorded.", anchor="contacts")
    return _form_page(
        request,
        offender,
        form,
        title="Record a disclosure decision",
        button="Record the decision",
        search=True,
        q=request.GET.get("q", ""),
    )


@page
def supervise(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    form = SupervisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.supervision_add(actor=request.user, offender=offender, note=form.cleaned_data["note"])
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Supervision entry recorded.", anchor="supervision")
    return _form_page(request, offender, form, title="Add a supervision entry", button="Record the entry")


@access_checked
@GET_POST
def cover(request: HttpRequest) -> HttpResponse:
    """A supervisor records their absence and names their cover (RSO-7)."""
    access.require(request.user, Capability.OFFENDER_MANAGE)
    covers = [
        u
        for u in User.objects.filter(is_active=True, role__in=[Role.OMU, Role.SUPERVISOR]).exclude(pk=request.user.pk)
        if rules.is_supervisor(u)
    ]
    covers.sort(key=lambda u: u.display_name)
    form = AbsenceForm(posted(request), covers=covers)
    if request.method == "POST":
        valid = form.is_valid()
        chosen = {str(u.pk): u for u in covers}.get(form.cleaned_data.get("cover", ""))
        if valid and chosen is not None:
            try:
                services.absence_record(
                    actor=request.user,
                    cover=chosen,
                    starts_on=form.cleaned_data.get("starts_on"),
                    ends_on=form.cleaned_data.get("ends_on"),
                    reason=form.cleaned_data.get("reason", ""),
                )
            except InvalidInput as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Absence recorded: {chosen.display_name} covers your work.")
                return redirect("offenders:cover")
    absences = SupervisorAbsence.objects.filter(supervisor=request.user, ends_on__gte=clock.today_london())
    return _form_page(
        request,
        None,
        form,
        title="Record an absence and your cover",
        button="Record the absence",
        absences=absences.select_related("cover"),
    )


@page
def order(request: HttpRequest, pk: int) -> HttpResponse:
    offender = _offender(request, pk)
    form = OrderForm(posted(request))
    if request.method == "POST":
        valid = form.is_valid()
        data = form.cleaned_data
        try:
            # Called even when a date could not be read, so every problem shows at once; nothing is saved
            # then, because the service refuses an order without the date it was made.
            services.order_record(
                actor=request.user,
                offender=offender,
                kind=data.get("kind", ""),
                made_on=data.get("made_on") if valid else None,
                ends_on=data.get("ends_on"),
                prohibitions=data.get("prohibitions", ""),
            )
        except (InvalidInput, RuleRefusal) as exc:
            if isinstance(exc, InvalidInput):
                exc.errors = {k: v for k, v in exc.errors.items() if not form.has_error(k)}
            apply_errors(form, exc)
        else:
            return _done(request, offender, "Order recorded.", anchor="orders")
    return _form_page(request, offender, form, title="Record an order", button="Record the order")
