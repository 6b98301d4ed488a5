from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

# Only our own origin: no inline script or style, no third-party hosts (a police network has none).
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            # The API explorer page is the one exception: it needs its own inline bootstrap.
            return response
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


TEMPORARY_PASSWORD_PREFIXES = ("/account/password/", "/logout/", "/static/", "/api/", "/healthz")
API_DOCS_PREFIXES = ("/api/v1/docs", "/api/v1/openapi.json")
PUBLIC_PREFIXES = ("/login", "/static/", "/api/", "/healthz", "/accessibility")


class LoginRequiredMiddleware:
    """Every page needs a signed-in user except the login page, static files and the token-checked API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.path.startswith(API_DOCS_PREFIXES):
                return self._api_docs_refused(request)
            if not request.path.startswith(PUBLIC_PREFIXES):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        elif getattr(request.user, "must_change_password", False) and not request.path.startswith(
            TEMPORARY_PASSWORD_PREFIXES
        ):
            # A temporary password opens only the page that replaces it.
            return redirect("password_change")
        return self.get_response(request)

    def _api_docs_refused(self, request: HttpRequest) -> HttpResponse:
        # The API's description is for its users: a signed-in user, or an integration with a valid token.
        from childsafe.core import services
        from childsafe.core.api import problem

        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token and services.api_token_user(token.strip()) is not None:
            return self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        response = problem(401, "Not signed in", "Sign in, or send a valid API token: 'Authorization: Bearer <token>'.")
        response["WWW-Authenticate"] = "Bearer"
        return response


class NoStoreMiddleware:
    """Nothing shown to a signed-in user or an API client is kept by a browser's or a proxy's cache: a
    child's record must not be read back from a shared computer's cache after sign-out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/") and (
            request.path.startswith("/api/") or getattr(request, "user", None) and request.user.is_authenticated
        ):
            add_never_cache_headers(response)
        return response


class ApiInputMiddleware:
    """The API's input, checked before any view sees it, with every refusal as problem+json:
    a body over the size limit (413), and any query parameter or JSON string carrying a NUL or another
    control character (422), which PostgreSQL would otherwise turn into a 500 (issue 10, item 5)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        from childsafe.core import text
        from childsafe.core.api import problem

        try:
            body = request.body
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
            return problem(
                413, "The request is too large", f"Send a body of at most {limit:,} bytes.", type_="too-large"
            )
        errors = {
            name: f"The text {text.MESSAGE}"
            for name, values in request.GET.lists()
            if any(text.has_bad_characters(v) for v in values) or text.has_bad_characters(name)
        }
        if body and request.content_type == "application/json":
            with contextlib.suppress(ValueError):  # not JSON: the API's own schema check says so
                errors.update(text.bad_strings(json.loads(body)))
        if errors:
            return problem(
                422,
                "The request has mistakes",
                "Correct the fields named in 'errors' and send it again.",
                errors=errors,
            )
        return self.get_response(request)
