"""Second-factor pages: set up the app (QR code drawn here), give a code, an administrator's reset."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from childsafe.core.errors import InvalidInput
from childsafe.core.models import User
from childsafe.core.web import access_checked, apply_errors, posted
from childsafe.twofactor import flow

GET_POST = require_http_methods(["GET", "POST"])


class CodeForm(forms.Form):
    code = forms.CharField(label="Code", required=False, max_length=20)


class ResetForm(forms.Form):
    reason = forms.CharField(label="Why is it being reset?", required=False, max_length=500)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return "/"
    return target


@GET_POST
def enrol(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if flow.app_device(request.user) is not None:  # type: ignore[arg-type]
        return redirect(f"{request.path.replace('enrol/', '')}?next={_next(request)}")
    device = flow.pending_device(request.user)  # type: ignore[arg-type]
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = flow.enrol(request=request, code=form.cleaned_data["code"])
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            return render(
                request, "twofactor/recovery_codes.html", {"codes": enrolled.recovery_codes, "next": _next(request)}
            )
    return render(
        request,
        "twofactor/enrol.html",
        {
            "form": form,
            "qr": mark_safe(flow.qr_svg(device)),  # noqa: S308 - drawn here from our own data, not user input
            "secret": flow.secret_for_typing(device),
            "next": _next(request),
        },
    )


@GET_POST
def verify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if flow.app_device(request.user) is None:  # type: ignore[arg-type]
        return redirect(f"{request.path}enrol/?next={_next(request)}")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            used = flow.verify(request=request, code=form.cleaned_data["code"])
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            if used == "recovery":
                messages.warning(request, "You used a recovery code. It cannot be used again.")
            return redirect(_next(request))
    step_up = bool(request.GET.get("step_up") or request.POST.get("step_up"))
    return render(request, "twofactor/verify.html", {"form": form, "next": _next(request), "step_up": step_up})


@access_checked
@GET_POST
def reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(User, pk=user_id)
    form = ResetForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            flow.reset(actor=request.user, user=target, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{target.display_name} will set up a new authenticator app at next sign-in.")
            return redirect("oversight:accounts")
    elif request.method == "GET":
        from childsafe.core import access
        from childsafe.core.roles import Capability

        access.require(request.user, Capability.USERS_MANAGE)
    return render(request, "twofactor/reset.html", {"form": form, "target": target})
