"""`/api/v1/`: token-authenticated, calling the same services as the pages. Errors are problem+json."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from childsafe.core import audit, services, text
from childsafe.core.api import problem
from childsafe.core.errors import AccessDenied, InvalidInput, JustificationRequired, RuleRefusal
from childsafe.core.web import log_refusal


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = services.api_token_user(token)
        if user is not None:
            request.user = user
        return user


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "rule_id": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEM_RESPONSES = {
    "400": "The body is not JSON (or not in UTF-8).",
    "401": "No valid API token.",
    "403": "Not allowed: the role can't do this, or a reason ('justification') is needed for this record.",
    "404": "No such record, or not one this account may see.",
    "409": "Refused by a safeguarding rule (rule_id names it).",
    "413": "The body is too large.",
    "422": "The request has mistakes: 'errors' names each field (including rules between fields).",
}


class ChildsafeApi(NinjaAPI):
    """The schema says every error answer the API can give, each a problem document (issue 10, item 5)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in PROBLEM_RESPONSES.items():
                    responses.setdefault(status, {"description": description, "content": problem})
        # Every text in a request body, values and field names alike, is refused if it has a control
        # character (core.middleware): say so on each request schema.
        for name, component in schema["components"]["schemas"].items():
            if name.endswith("In"):
                _text_pattern(component)
                component.setdefault("propertyNames", {"pattern": text.SCHEMA_PATTERN})
        return schema


def _text_pattern(node: Any) -> None:
    """The no-control-characters pattern on every plain string in a request schema, however deep."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not ({"format", "enum", "pattern", "const"} & node.keys()):
            node["pattern"] = text.SCHEMA_PATTERN
        for value in node.values():
            _text_pattern(value)
    elif isinstance(node, list):
        for value in node:
            _text_pattern(value)


api = ChildsafeApi(
    title="Childsafe API",
    version="1",
    description="System integrations for Childsafe. Authenticate with `Authorization: Bearer <token>`; "
    "an administrator issues tokens to a service account (a system integration's own account) with "
    "`childsafe token`. Errors are RFC 9457 problem details; a "
    "safeguarding guard's refusal carries its rule ID.",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = problem(
        401, "Not signed in", "Send a valid API token in the Authorization header: 'Authorization: Bearer <token>'."
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return problem(400, "The body can't be read", "Send the body as a JSON object in UTF-8.")
    return problem(exc.status_code, "The request can't be answered", str(exc))


@api.exception_handler(ValidationError)
def _invalid_schema(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query", "path")]
        errors[".".join(loc) or "body"] = error.get("msg", "is not valid")
    return problem(
        422, "The request has mistakes", "Correct the fields named in 'errors' and send it again.", errors=errors
    )


@api.exception_handler(InvalidInput)
def _invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return problem(
        422, "The request has mistakes", "Correct the fields named in 'errors' and send it again.", errors=exc.errors
    )


@api.exception_handler(RuleRefusal)
def _refused(request: HttpRequest, exc: RuleRefusal) -> HttpResponse:
    return problem(
        409, f"Refused by safeguarding rule {exc.rule_id}", exc.message, rule_id=exc.rule_id, type_="refusal"
    )


@api.exception_handler(AccessDenied)
def _denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    log_refusal(request, exc.message, channel="api")
    return problem(403, "Not allowed", exc.message)


@api.exception_handler(JustificationRequired)
def _needs_reason(request: HttpRequest, exc: JustificationRequired) -> HttpResponse:
    user = getattr(request, "user", None)
    if exc.person_id is not None and user is not None and user.is_authenticated:
        audit.refusal(
            actor=user,
            event_type="person.api",
            why="no reason given for a record outside this user's area or current work.",
            subject_type="people.person",
            subject_id=exc.person_id,
            person_id=exc.person_id,
            channel="api",
        )
    return problem(
        403,
        "A reason is needed",
        "This record is outside your area or current work. Send the reason you need it as the "
        "'justification' query parameter; it is recorded.",
        type_="justification-required",
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "Not found", "There is no record with that reference that you can see.")


from childsafe.investigations.api import router as investigations_router  # noqa: E402
from childsafe.offenders.api import router as offenders_router  # noqa: E402
from childsafe.oversight.api import router as alerts_router  # noqa: E402
from childsafe.people.api import router as people_router  # noqa: E402
from childsafe.protection.api import router as protection_router  # noqa: E402
from childsafe.referrals.api import router as referrals_router  # noqa: E402

api.add_router("/people", people_router)
api.add_router("/alerts", alerts_router)
api.add_router("/referrals", referrals_router)
api.add_router("/protection", protection_router)
api.add_router("/investigations", investigations_router)
api.add_router("/offenders", offenders_router)
