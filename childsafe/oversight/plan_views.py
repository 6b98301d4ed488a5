"""Case audits (QG-2) and the action plan with its evidence (QG-4). Thin: each form calls one service."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from childsafe.core import access, audit, clock
from childsafe.core.errors import InvalidInput, RuleRefusal
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability, Role
from childsafe.core.web import access_checked, apply_errors, posted
from childsafe.oversight import services
from childsafe.oversight.forms import ActionForm, AuditResponseForm, CaseAuditForm, CriterionForm, EvidenceForm
from childsafe.oversight.models import (
    Action,
    AuditCriterion,
    CaseAudit,
    CaseType,
    Evidence,
    Grade,
    Recommendation,
    RecommendationKind,
)

# -- Case audits ------------------------------------------------------------------------------------------


def _this_month():
    return clock.today_london().replace(day=1)


@access_checked
def case_audits(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.CASE_AUDIT)
    month = _this_month()
    if request.GET.get("month"):
        try:
            year, mon = (int(x) for x in request.GET["month"].split("-"))
            month = month.replace(year=year, month=mon)
        except ValueError:
            pass
    if request.method == "POST":
        made = services.case_audit_sample(actor=request.user, month=month)
        messages.success(request, f"{len(made)} case{'s' if len(made) != 1 else ''} added to the {month:%B %Y} sample.")
        return redirect(f"{request.path}?month={month:%Y-%m}")
    rows = CaseAudit.objects.filter(month=month).select_related("area", "officer", "auditor")
    if not access.can(request.user, Capability.STATISTICS_VIEW) and request.user.area_id:
        rows = rows.filter(area_id=request.user.area_id)
    previous = (month - timedelta(days=1)).replace(day=1)
    return render(
        request,
        "oversight/case_audits.html",
        {
            "rows": rows,
            "month": month,
            "previous": f"{previous:%Y-%m}",
            "can_edit_questions": access.can(request.user, Capability.CASE_AUDIT_CRITERIA),
        },
    )


@access_checked
def case_audit(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(CaseAudit.objects.select_related("area", "officer", "supervisor", "auditor"), pk=pk)
    user = request.user
    is_party = user.pk in (row.officer_id, row.supervisor_id)
    if not is_party:
        access.require(user, Capability.CASE_AUDIT)
        if not services.in_reach(user, row):
            raise Http404("No audit of yours with that reference.")
    criteria = AuditCriterion.objects.filter(case_type=row.case_type, active=True)
    form = CaseAuditForm(
        posted(request) if "grade" in request.POST or "version" in request.POST else None,
        grades=Grade.choices,
        criteria=criteria,
        initial={"version": row.version, "grade": row.grade, "findings": row.findings},
    )
    response_form = AuditResponseForm(posted(request) if "response" in request.POST else None)
    if form.is_bound and form.is_valid():
        answers = {c.question: form.cleaned_data.get(f"q{c.pk}") or "" for c in form.criteria}
        try:
            services.case_audit_record(
                actor=user,
                case_audit=row,
                grade=form.cleaned_data["grade"],
                findings=form.cleaned_data["findings"],
                answers=answers,
                version=form.cleaned_data["version"],
            )
        except (InvalidInput, RuleRefusal) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Your grade for {row.subject_label} is recorded.")
            return redirect("oversight:case_audits")
    if response_form.is_bound and response_form.is_valid():
        try:
            services.case_audit_respond(actor=user, case_audit=row, response=response_form.cleaned_data["response"])
        except InvalidInput as exc:
            apply_errors(response_form, exc)
        else:
            messages.success(request, "Your response is recorded.")
            return redirect("oversight:case_audit", pk=row.pk)
    context = {
        "row": row,
        "form": form,
        "response_form": response_form,
        "can_grade": access.can(user, Capability.CASE_AUDIT),
        "is_party": is_party,
        "errors": form.errors or response_form.errors,
    }
    return render(request, "oversight/case_audit.html", context)


# -- The audit questions ---------------------------------------------------------------------------------


@access_checked
def criteria(request: HttpRequest) -> HttpResponse:
    """The questions asked for each type of case, current and retired, with a way to add one."""
    access.require(request.user, Capability.CASE_AUDIT_CRITERIA)
    form = CriterionForm(posted(request), adding=True)
    if form.is_bound and form.is_valid():
        try:
            row = services.criterion_add(
                actor=request.user, case_type=form.cleaned_data["case_type"], question=form.cleaned_data["question"]
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"The question is added for {row.get_case_type_display().lower()}s.")
            return redirect("oversight:criteria")
    rows = list(AuditCriterion.objects.all())
    groups = [(value, label, [r for r in rows if r.case_type == value]) for value, label in CaseType.choices]
    return render(request, "oversight/criteria.html", {"form": form, "groups": groups})


@access_checked
def criterion_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Reword a question, retire it (or bring it back), or move it up or down the list; a stale page's change
    is refused."""
    access.require(request.user, Capability.CASE_AUDIT_CRITERIA)
    row = get_object_or_404(AuditCriterion, pk=pk)
    data = posted(request)
    form = CriterionForm(data, adding=False, initial={"question": row.question, "version": row.version})
    if request.method == "POST":
        what = request.POST.get("action", "save")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            if what in ("up", "down"):
                try:
                    services.criterion_move(actor=request.user, criterion=row, version=version, direction=what)
                except InvalidInput as exc:
                    messages.error(request, " ".join(exc.errors.values()))
                except RuleRefusal as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, f"The question is moved {what}: {row.question}")
                return redirect(f"{reverse('oversight:criteria')}#{row.case_type}")
            if what in ("retire", "restore"):
                services.criterion_change(actor=request.user, criterion=row, version=version, active=what == "restore")
                messages.success(
                    request, "The question is retired." if what == "retire" else "The question is asked again."
                )
                return redirect("oversight:criteria")
            if form.is_valid():
                services.criterion_change(
                    actor=request.user, criterion=row, version=version, question=form.cleaned_data["question"]
                )
                messages.success(request, "The question is changed.")
                return redirect("oversight:criteria")
        except InvalidInput as exc:
            apply_errors(form, exc)
        except RuleRefusal as exc:
            if form.errors is not None:  # a bound form: its errors exist before one is added
                form.add_error(None, exc.message)
    return render(request, "oversight/criterion_change.html", {"form": form, "row": row})


# -- Action plan ------------------------------------------------------------------------------------------


# The plan's parts, in the order the page shows them.
PLAN_GROUPS = [
    (RecommendationKind.RECOMMENDATION, "The 2021 inspection's recommendations"),
    (RecommendationKind.REVIEW_FINDING, "The post-inspection review's findings"),
    (RecommendationKind.AREA_FOR_IMPROVEMENT, "Areas for improvement"),
]


def _reference_order(rec: Recommendation) -> tuple[str, int, str]:
    """R2 before R10: the prefix, then the number."""
    head = rec.reference.rstrip("0123456789")
    tail = rec.reference[len(head) :]
    return head, int(tail) if tail.isdigit() else 0, rec.reference


def _plan_access(user: User) -> None:
    if access.can(user, Capability.ACTION_PLAN_VIEW):
        return
    if Action.objects.filter(Q(gold=user) | Q(silver=user) | Q(bronze=user)).exists():
        return
    raise PermissionDenied("The action plan is for leaders, its owners and the PFCC's scrutiny team.")


def action_plan(request: HttpRequest) -> HttpResponse:
    _plan_access(request.user)
    recommendations = Recommendation.objects.prefetch_related(
        "actions__gold", "actions__silver", "actions__bronze", "actions__evidence"
    )
    groups = [
        (kind, label, sorted((r for r in recommendations if r.kind == kind), key=_reference_order))
        for kind, label in PLAN_GROUPS
    ]
    return render(
        request,
        "oversight/action_plan.html",
        {
            "groups": [g for g in groups if g[2]],
            "today": clock.today_london(),
            "can_manage": access.can(request.user, Capability.ACTION_PLAN_MANAGE),
            "read_only": request.user.role == Role.PFCC_SCRUTINY,
        },
    )


def _people() -> list[tuple[str, str]]:
    return [
        (str(u.pk), f"{u.display_name} ({u.get_role_display()})")
        for u in User.objects.filter(is_active=True)
        .exclude(role__in=[Role.SCHOOL_PARTNER, Role.LA_PARTNER])
        .order_by("last_name", "first_name", "username")
    ]


@access_checked
def action_new(request: HttpRequest, reference: str) -> HttpResponse:
    access.require(request.user, Capability.ACTION_PLAN_MANAGE)
    rec = get_object_or_404(Recommendation, reference=reference)
    form = ActionForm(posted(request), people=_people())
    if form.is_bound and form.is_valid():
        d = form.cleaned_data

        def pick(name: str) -> User | None:
            return User.objects.filter(pk=d[name]).first() if d.get(name) else None

        try:
            services.action_create(
                actor=request.user,
                recommendation=rec,
                description=d["description"],
                due_on=d["due_on"],
                gold=pick("gold"),
                silver=pick("silver"),
                bronze=pick("bronze"),
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"The action is added to {rec.reference}.")
            return redirect("oversight:action_plan")
    return render(request, "oversight/action_new.html", {"form": form, "rec": rec})


@access_checked
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _plan_access(request.user)
    action = get_object_or_404(Action.objects.select_related("recommendation", "gold", "silver", "bronze"), pk=pk)
    is_owner = request.user.pk in (action.gold_id, action.silver_id, action.bronze_id)
    form = EvidenceForm(posted(request), request.FILES or None) if request.method == "POST" else EvidenceForm()
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only the action's gold, silver or bronze owner changes it.")
        if form.is_valid():
            try:
                services.evidence_add(
                    actor=request.user,
                    action=action,
                    description=form.cleaned_data["description"],
                    upload=form.cleaned_data.get("upload"),
                    dashboard_link=form.cleaned_data["dashboard_link"],
                )
            except InvalidInput as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "The evidence is attached.")
                return redirect("oversight:action_detail", pk=action.pk)
    context = {
        "action": action,
        "evidence": action.evidence.select_related("added_by"),
        "form": form,
        "is_owner": is_owner,
        "today": clock.today_london(),
        "refusal": request.session.pop("action_refusal", ""),
    }
    return render(request, "oversight/action_detail.html", context)


@require_POST
@access_checked
def action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action, pk=pk)
    try:
        services.action_complete(actor=request.user, action=action, version=int(request.POST.get("version", 0)))
    except RuleRefusal as exc:
        request.session["action_refusal"] = exc.message
    else:
        messages.success(request, "The action is complete.")
    return redirect("oversight:action_detail", pk=action.pk)


@access_checked
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Evidence files are never served by the web server: only here, after a check, and logged."""
    _plan_access(request.user)
    evidence = get_object_or_404(Evidence, pk=pk)
    if not evidence.file_path:
        raise Http404("That evidence is a link, not a file.")
    path = services.evidence_dir() / evidence.file_path
    if path.parent.resolve() != services.evidence_dir().resolve() or not path.is_file():
        raise Http404("The file is not available.")
    outside = request.user.role == Role.PFCC_SCRUTINY
    audit.access(
        actor=request.user,
        event_type="action_plan.evidence_download",
        subject=evidence,
        category=AuditCategory.DISCLOSURE if outside else AuditCategory.CONSULTATION,
        recipient="Office of the Police, Fire and Crime Commissioner" if outside else "",
    )
    response = FileResponse(
        path.open("rb"), content_type=evidence.content_type, as_attachment=True, filename=evidence.file_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
