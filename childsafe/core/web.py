"""Small helpers every view uses, so views stay thin and errors read the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal


def apply_errors(form: forms.Form, exc: InvalidInput | RuleRefusal) -> None:
    """Put a service's refusal on the form: on the named field where there is one, else at the top."""
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
            raise PermissionDenied(exc.message) from exc

    return wrapper
