"""Sign-in, the home page, health and error pages. Thin: the work is in services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from childsafe.core import access, services
from childsafe.core.errors import InvalidInput
from childsafe.core.roles import CAPABILITIES, Capability, Role
from childsafe.core.web import apply_errors


class LoginForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput, max_length=200, error_messages={"required": "Enter your password"}
    )


def _client_ip(request: HttpRequest) -> str:
    from childsafe.core.login_throttle import client_address

    return client_address(request)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        ip = _client_ip(request)
        wait = services.login_wait(username=username, ip_address=ip)
        if wait:
            form.add_error(
                None,
                "There have been several failed attempts to sign in to this account. Wait "
                f"{wait} second{'s' if wait != 1 else ''} and try again. If you have forgotten your "
                "password, ask the service desk to reset it.",
            )
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            services.login_attempt_record(username=username, ip_address=ip, succeeded=user is not None)
            if user is None:
                form.add_error(None, "The username or password is not right. Check them and try again.")
            else:
                login(request, user)
                if next_url and url_has_allowed_host_and_scheme(
                    next_url, {request.get_host()}, require_https=request.is_secure()
                ):
                    return redirect(next_url)
                return redirect("home")
    return render(request, "core/login.html", {"form": form, "next": next_url})


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label="Your current password",
        widget=forms.PasswordInput,
        max_length=200,
        error_messages={"required": "Enter your current password"},
    )
    new = forms.CharField(
        label="New password",
        widget=forms.PasswordInput,
        max_length=200,
        help_text="At least 12 characters. A phrase of several unrelated words is strong and easy to remember.",
        error_messages={"required": "Enter a new password"},
    )
    repeat = forms.CharField(
        label="New password again",
        widget=forms.PasswordInput,
        max_length=200,
        error_messages={"required": "Enter the new password again"},
    )


@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in; others end
            messages.success(request, "Your password has been changed.")
            return redirect("home")
    return render(
        request,
        "core/password_change.html",
        {"form": form, "temporary": getattr(request.user, "must_change_password", False)},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


# Each role starts at its work (ADR 0032); a role not named here starts at person search.
_HOMES: dict[str, str] = {
    Role.VAT: "referrals:queue",
    Role.SUPERVISOR: "oversight:approvals",
    Role.OMU: "offenders:caseload",
    Role.DFU: "investigations:dfu_queue",
}
_OVERSIGHT_ROLES = {Role.SENIOR_LEADER, Role.PFCC_SCRUTINY}


def _dashboard_url() -> str | None:
    """The oversight dashboard (QG-3)."""
    try:
        return reverse("oversight:dashboard")
    except NoReverseMatch:
        return None


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "is_partner", False):
        return redirect("partners:home")
    role = getattr(user, "role", "")
    if role in _OVERSIGHT_ROLES:
        return redirect(_dashboard_url() or reverse("oversight:my_alerts"))
    if role in _HOMES:
        try:
            return redirect(_HOMES[role])
        except NoReverseMatch:
            pass
    if access.can(user, Capability.PERSON_VIEW):
        return redirect("people:search")
    if access.can(user, Capability.DASHBOARD_VIEW):  # the PFCC's scrutiny team starts on the figures (QG-4)
        return redirect("oversight:dashboard")
    return redirect("oversight:my_alerts")


def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = (str(exception) if exception and str(exception) else "") or "You do not have access to this page."
    user = request.user
    role = getattr(user, "role", "")
    # What the role can do instead, in words, and where its own work starts.
    can_do = [str(Capability(cap).label) for cap, roles in CAPABILITIES.items() if role in roles]
    context = {
        "message": message,
        "role_label": getattr(user, "get_role_display", lambda: "")() if user.is_authenticated else "",
        "can_do": can_do,
    }
    return render(request, "core/403.html", context, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.html", status=500)


LANGUAGE_TEXT_MAX = 20_000


@require_POST
def language_check(request: HttpRequest) -> JsonResponse:
    """QG-1 as the user types (static/childsafe/language.js): the same check a save runs, on one field's text,
    counting nothing (only a saved entry counts). Signed-in users only (the login middleware), CSRF-checked."""
    from childsafe.core import language

    text = str(request.POST.get("text", ""))[:LANGUAGE_TEXT_MAX]
    found = language.find(text)
    return JsonResponse({"suggestions": [{"phrase": f.phrase, "suggestion": f.suggestion} for f in found]})
