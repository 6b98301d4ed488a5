"""Small helpers every view uses, so views stay thin and errors read the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from childsafe.core.errors import AccessDenied, InvalidInput, Prompt, RuleRefusal

PROMPTS_SESSION_KEY = "prompts"


def apply_errors(form: forms.Form, exc: InvalidInput | RuleRefusal | AccessDenied) -> None:
    """Put a service's refusal on the form: on the named field where there is one, else at the top."""
    if isinstance(exc, AccessDenied):
        form.add_error(None, exc.message)
        return
    if isinstance(exc, RuleRefusal):
        form.add_error(exc.field if exc.field in form.fields else None, f"{exc.message} ({exc.rule_id})")
        return
    for name, message in exc.errors.items():
        form.add_error(name if name in form.fields else None, message)


def access_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a service's AccessDenied into a 403 page that says why."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            log_refusal(request, exc.message, person_id=kwargs.get("person_id"))
            raise PermissionDenied(exc.message) from exc

    return wrapper


def log_refusal(request: HttpRequest, why: str, *, person_id: Any = None, channel: str = "web") -> None:
    """A refused attempt (403) goes in the audit log, like a hidden record's 404 (PL-4)."""
    from childsafe.core import audit

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    match = getattr(request, "resolver_match", None)
    if person_id is None and match is not None:
        person_id = match.kwargs.get("person_id") or (match.kwargs.get("pk") if match.namespace == "people" else None)
    audit.refusal(
        actor=user,
        event_type=f"{match.view_name if match else 'page'}",
        why=why,
        subject_type="page",
        subject_id=request.path[:64],
        person_id=int(person_id) if person_id is not None else None,
        channel=channel,
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where a `next` field may send the browser: a page on this site, or else `fallback` (a URL name)."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(fallback)


def keep_prompts(request: HttpRequest, prompts: list[Prompt]) -> None:
    """A service's prompts, kept to be shown once on the page the browser goes to next."""
    request.session[PROMPTS_SESSION_KEY] = [{"rule_id": p.rule_id, "message": p.message} for p in prompts]


def take_prompts(request: HttpRequest) -> list[dict[str, str]]:
    return request.session.pop(PROMPTS_SESSION_KEY, [])


def posted(request: HttpRequest) -> Any:
    """The posted data on a POST (even an empty one: a form with nothing to type is still submitted)."""
    return request.POST if request.method == "POST" else None


def language_messages(request: HttpRequest, texts: dict[str, str]) -> None:
    """QG-1 after a save whose page has no prompts panel (a partner's return): the better wording as a
    message on the next page. The service already counted the use."""
    from django.contrib import messages

    from childsafe.core import language

    for prompt in language.check(texts=texts, user=None, record=False):  # counts nothing, so no user
        messages.warning(request, f"Language check: {prompt.message}")
