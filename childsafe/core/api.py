from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

PROBLEM_BASE = "https://childsafe.example/problems/"


def problem(status: int, title: str, detail: str, *, type_: str | None = None, **extra: Any) -> HttpResponse:
    """An RFC 9457 problem details response."""
    body = {"type": PROBLEM_BASE + (type_ or str(status)), "title": title, "status": status, "detail": detail, **extra}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")
