from __future__ import annotations

import csv
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from childsafe.core import access, approvals, clock, policy, services
from childsafe.core import audit as audit_log
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import ApiToken, Area, OutboxMessage, Skill, Team, User
from childsafe.core.roles import Capability, Role
from childsafe.core.text import csv_safe
from childsafe.core.web import access_checked, apply_errors, safe_next
from childsafe.oversight import selectors
from childsafe.oversight.forms import (
    AcknowledgeForm,
    ApprovalDecisionForm,
    AuditQueryForm,
    LanguagePhraseForm,
    SettingForm,
    SkillAwardForm,
    TokenIssueForm,
    UserForm,
)
from childsafe.people import calendars
from childsafe.people.models import Organisation
from childsafe.people.picker import hold, person_picker, searching
from childsafe.people.selectors import identity_cluster


def my_alerts(request: HttpRequest) -> HttpResponse:
    alerts = selectors.my_alerts(request.user)
    return render(
        request, "oversight/alerts.html", {"alerts": alerts, "title": "My alerts", "ack_form": AcknowledgeForm()}
    )


@access_checked
def team_alerts(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.ALERTS_TEAM)
    return render(
        request,
        "oversight/alerts.html",
        {"alerts": selectors.team_alerts(request.user), "title": "My team's alerts", "ack_form": AcknowledgeForm()},
    )


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.my_alerts(request.user).filter(pk=pk).first()
    if alert is None and access.can(request.user, Capability.ALERTS_TEAM):
        alert = selectors.team_alerts(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404("No open alert of yours with that reference.")
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.alert_acknowledge(actor=request.user, alert=alert, note=form.cleaned_data["note"])
            messages.success(request, f"Alert {alert.rule_id} acknowledged. It stays open until it is dealt with.")
        except InvalidInput as exc:
            messages.error(request, " ".join(exc.errors.values()))
    return redirect(safe_next(request, "oversight:my_alerts"))


@access_checked
def audit(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.AUDIT_VIEW)
    form = AuditQueryForm(request.GET or None)
    picker = person_picker(request.GET, request.user, name="person", label="Person", hint="Search by name.")
    events = None
    subject = ""
    if request.GET and searching(request.GET, "person"):
        hold(form)
    elif request.GET and form.is_valid():
        data = form.cleaned_data
        if data.get("person"):
            cluster = identity_cluster(data["person"])
            events = selectors.audit_for_person(cluster)[:500]
            subject = f"person {data['person']}" + (f" and linked records {cluster}" if len(cluster) > 1 else "")
            # Reading the log about a child is itself a consultation of that child's record.
            audit_log.access(
                actor=request.user,
                event_type="audit.view_person",
                subject_type="people.person",
                subject_id=data["person"],
                person_id=data["person"],
                justification=data["reason"],
            )
        else:
            target = User.objects.filter(username__iexact=data["username"]).first()
            if target is None:
                form.add_error("username", "Choose the user from the list")
            else:
                events = selectors.audit_for_user(target)[:500]
                subject = f"user {target.username}"
                audit_log.access(
                    actor=request.user, event_type="audit.view_user", subject=target, justification=data["reason"]
                )
    return render(
        request, "oversight/audit.html", {"form": form, "events": events, "subject": subject, "picker": picker}
    )


@access_checked
def outbox(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.OUTBOX_MANAGE)
    return render(request, "oversight/outbox.html", {"messages_list": selectors.outbox_problems()[:500]})


@access_checked
@require_http_methods(["GET", "POST"])
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.OUTBOX_MANAGE)
    message = get_object_or_404(OutboxMessage, pk=pk)
    if request.method == "POST":
        try:
            services.outbox_retry(actor=request.user, message=message)
            messages.success(request, "The message will be sent again in the next minute.")
        except InvalidInput as exc:
            messages.error(request, " ".join(exc.errors.values()))
        return redirect("oversight:outbox_message", pk=pk)
    return render(
        request, "oversight/outbox_message.html", {"message": message, "attempts": message.attempt_log.order_by("-at")}
    )


@access_checked
def settings_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.SETTINGS_CHANGE)
    values = policy.current_values()
    rows = [(s, values[s.key]) for s in policy.all_settings()]
    warning = calendars.default_term_dates_warning(clock.today_london())
    return render(request, "oversight/settings.html", {"rows": rows, "term_dates_warning": warning})


@access_checked
@require_http_methods(["GET", "POST"])
def setting_change(request: HttpRequest, key: str) -> HttpResponse:
    access.require(request.user, Capability.SETTINGS_CHANGE)
    try:
        definition = policy.definition(key)
    except KeyError:
        raise Http404("No setting with that name.") from None
    form = SettingForm(request.POST or None, initial={"value": policy.get(key)})
    if request.method == "POST" and form.is_valid():
        try:
            services.setting_change(actor=request.user, key=key, value=form.cleaned_data["value"])
        except InvalidInput as exc:
            form.add_error("value", exc.errors.get(key, "This value can't be used."))
        else:
            messages.success(request, f"{definition.description} Now {form.cleaned_data['value']} {definition.unit}.")
            return redirect("oversight:settings")
    return render(request, "oversight/setting_change.html", {"form": form, "definition": definition})


def _user_form(data=None) -> UserForm:
    return UserForm(
        data,
        roles=list(Role.choices),
        areas=[(a.code, a.name) for a in Area.objects.all()],
        teams=[(str(t.pk), t.name) for t in Team.objects.all()],
        organisations=[
            (str(o.pk), o.name) for o in Organisation.objects.filter(type__in=["school", "local_authority"])
        ],
    )


def _skill_form(data=None) -> SkillAwardForm:
    return SkillAwardForm(data, skills=[(s.code, s.name) for s in Skill.objects.all()])


@access_checked
def accounts(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.USERS_MANAGE)
    return render(request, "oversight/accounts.html", {"users": selectors.accounts()})


@access_checked
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.USERS_MANAGE)
    form = _user_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                role=data["role"],
                password=data["password"] or None,
                service_account=data["service_account"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                area=Area.objects.filter(code=data["area"]).first() if data["area"] else None,
                team=Team.objects.filter(pk=data["team"]).first() if data["team"] else None,
                organisation_id=int(data["organisation"]) if data["organisation"] else None,
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Account {user.username} created for a {user.get_role_display().lower()}.")
            return redirect("oversight:accounts")
    return render(request, "oversight/account_create.html", {"form": form})


@access_checked
def tokens(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.USERS_MANAGE)
    rows = ApiToken.objects.select_related("user").order_by("revoked_at", "-created_at")
    return render(request, "oversight/tokens.html", {"tokens": rows, "now": clock.now()})


@access_checked
@require_http_methods(["GET", "POST"])
def token_issue(request: HttpRequest) -> HttpResponse:
    """Issue a token to a service account; the token is shown on this page once and never again."""
    access.require(request.user, Capability.USERS_MANAGE)
    service_accounts = User.objects.filter(is_service_account=True, is_active=True).order_by("username")
    form = TokenIssueForm(request.POST or None, accounts=[(str(u.pk), u.username) for u in service_accounts])
    if request.method == "POST" and form.is_valid():
        account = User.objects.get(pk=form.cleaned_data["account"])
        try:
            token, raw = services.api_token_create(actor=request.user, user=account, name=form.cleaned_data["name"])
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            return render(request, "oversight/token_issued.html", {"token": token, "raw": raw})
    return render(request, "oversight/token_issue.html", {"form": form})


@access_checked
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.USERS_MANAGE)
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    try:
        services.api_token_revoke(actor=request.user, token=token)
    except InvalidInput as exc:
        messages.error(request, " ".join(exc.errors.values()))
    else:
        messages.success(request, f"Token {token.prefix}… ({token.name}) revoked: it stopped working at once.")
    return redirect("oversight:tokens")


class AccountCloseForm(forms.Form):
    reason = forms.CharField(
        label="Why is this account being closed?",
        max_length=500,
        help_text="For example: left the force, moved to a role without access, or suspected misuse.",
        error_messages={"required": "Enter why the account is being closed"},
    )


@access_checked
@require_http_methods(["GET", "POST"])
def account_close(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.USERS_MANAGE)
    account = get_object_or_404(User, pk=pk)
    form = AccountCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_deactivate(actor=request.user, user=account, reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Account {account.username} closed: signed out everywhere, API tokens revoked.")
            return redirect("oversight:accounts")
    return render(request, "oversight/account_close.html", {"form": form, "account": account})


@access_checked
@require_http_methods(["GET", "POST"])
def skill_award(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.USERS_MANAGE)
    form = _skill_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = User.objects.filter(username__iexact=data["username"]).first()
        if user is None:
            form.add_error("username", "There is no account with that username. Check the spelling.")
        elif data["expires_on"] and data["expires_on"] <= data["awarded_on"]:
            form.add_error("expires_on", "The expiry date must be after the date awarded.")
        else:
            skill = Skill.objects.get(code=data["skill"])
            services.user_skill_award(
                actor=request.user, user=user, skill=skill, awarded_on=data["awarded_on"], expires_on=data["expires_on"]
            )
            messages.success(request, f"{skill.name} recorded for {user.username}.")
            return redirect("oversight:accounts")
    return render(request, "oversight/skill_award.html", {"form": form})


@access_checked
@require_http_methods(["GET", "POST"])
def language(request: HttpRequest) -> HttpResponse:
    """QG-1: the configurable list of victim-blaming and adultifying phrases, and how often each is used."""
    access.require(request.user, Capability.SETTINGS_CHANGE)
    form = LanguagePhraseForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            row = services.language_phrase_save(actor=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f'"{row.phrase}" saved.')
            return redirect("oversight:language")
    since = clock.now() - timedelta(days=90)
    return render(request, "oversight/language.html", {"form": form, "phrases": selectors.language_phrases(since)})


@access_checked
def encompass_reconciliation(request: HttpRequest) -> HttpResponse:
    """RF-9: every qualifying domestic abuse incident and its notifications' state, as a page or a CSV report."""
    from childsafe.referrals.selectors import encompass_reconciliation as reconcile

    access.require(request.user, Capability.ALERTS_TEAM)
    try:
        days = max(1, min(int(request.GET.get("days", "7")), 366))
    except ValueError:
        days = 7
    until = clock.now()
    rows = reconcile(until - timedelta(days=days), until)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    if request.GET.get("format") == "csv":
        # An export of children's details is itself logged, once per child (DPA 2018 s62).
        for row in rows:
            audit_log.access(
                actor=request.user,
                event_type="encompass.reconciliation.export",
                subject=row.incident,
                person_id=row.person.pk,
                justification="RF-9 reconciliation report",
            )
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="encompass-reconciliation-{days}-days.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "incident",
                "recorded",
                "child reference",
                "school or local authority",
                "due by",
                "state",
                "happened",
                "recorded late by (hours)",
            ]
        )
        for row in rows:
            note = row.notification
            writer.writerow(
                map(
                    csv_safe,
                    [
                        row.incident.reference,
                        row.incident.created_at.isoformat(),
                        row.person.pk,
                        (note.organisation.name if note and note.organisation else ""),
                        (note.due_by.isoformat() if note and note.due_by else ""),
                        row.state,
                        row.incident.occurred_at.isoformat(),
                        (f"{row.late_by.total_seconds() / 3600:.1f}" if row.late_by else ""),
                    ],
                )
            )
        return response
    return render(request, "oversight/encompass.html", {"rows": rows, "counts": counts, "days": days})


# -- Approvals: the requests waiting on the signed-in supervisor's list -------------------------------------
@access_checked
def approvals_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_SUPERVISE)
    waiting = list(approvals.waiting_for(request.user))
    forms_by_pk = {a.pk: ApprovalDecisionForm(prefix=f"a{a.pk}", initial={"version": a.version}) for a in waiting}
    return render(request, "oversight/approvals.html", {"rows": [(a, forms_by_pk[a.pk]) for a in waiting]})


@require_POST
@access_checked
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.INCIDENT_SUPERVISE)
    approval = approvals.waiting_for(request.user).filter(pk=pk).first()
    if approval is None:
        raise Http404("That request is not waiting on your list: it may have been decided already.")
    form = ApprovalDecisionForm(request.POST, prefix=f"a{pk}")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            approvals.approval_decide(
                actor=request.user,
                approval=approval,
                approve=approve,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except (InvalidInput, RuleRefusal, AccessDenied) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{'Approved' if approve else 'Refused'}: {approval.summary}.")
            return redirect("oversight:approvals")
    waiting = list(approvals.waiting_for(request.user))
    rows = [
        (a, form if a.pk == pk else ApprovalDecisionForm(prefix=f"a{a.pk}", initial={"version": a.version}))
        for a in waiting
    ]
    return render(request, "oversight/approvals.html", {"rows": rows, "failed": form}, status=200)
