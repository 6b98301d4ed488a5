"""With CHILDSAFE_REQUIRE_2FA on, a password alone opens nothing but the second-factor pages (ADR 0026).

Also asks for a fresh code (step-up) before the pages named in STEP_UP, when the last code is more
than 15 minutes old. The token-checked API is unaffected: it has no session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from childsafe.twofactor import flow

OPEN_PREFIXES = ("/login", "/logout", "/two-factor/", "/static/", "/api/", "/healthz", "/accessibility")
# The audit log, exports, linking records and changing settings.
STEP_UP = frozenset(
    {
        "oversight:audit",
        "oversight:setting_change",
        "people:link",
        "people:unlink",
        "exploitation:briefing_pdf",
        "exploitation:profile_pdf",
    }
)

# Pages that are an export only when asked for as CSV.
EXPORTS_AS_CSV = frozenset({"oversight:encompass"})


class RequireSecondFactor:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            flow.required()
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            target = "twofactor:verify" if flow.app_device(user) else "twofactor:enrol"  # type: ignore[arg-type]
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        match = request.resolver_match
        if not (flow.required() and request.user.is_authenticated and match):
            return None
        is_export = match.view_name in EXPORTS_AS_CSV and request.GET.get("format") == "csv"
        if match.view_name not in STEP_UP and not is_export:
            return None
        if flow.needs_step_up(request):
            query = urlencode({"next": request.get_full_path(), "step_up": "1"})
            return redirect(f"{reverse('twofactor:verify')}?{query}")
        return None
