"""The demo's "Sent email" page: what the demo force's partners would have received.

It exists only under the demo settings (`CHILDSAFE_DEMO_MAILDIR`, set by childsafe.config.settings.demo):
anywhere else, production included, the address is not found. Administrators only, as for the outbox.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from childsafe.core import access
from childsafe.core.roles import Capability
from childsafe.core.web import access_checked
from childsafe.demo.mailcatcher import caught

SHOWN = 200


def demo_maildir() -> Path | None:
    maildir = getattr(settings, "CHILDSAFE_DEMO_MAILDIR", None)
    return Path(maildir) if maildir else None


@access_checked
@require_GET
def sent_email(request: HttpRequest) -> HttpResponse:
    maildir = demo_maildir()
    if maildir is None:
        raise Http404("The sent email page exists only in the demo.")
    access.require(request.user, Capability.USERS_MANAGE)
    emails = caught(maildir)
    shown = [
        {
            "to": str(m.get("To", "")),
            "subject": str(m.get("Subject", "")),
            "date": str(m.get("Date", "")),
            "body": (m.get_body(preferencelist=("plain",)) or m).get_content().replace("\r\n", "\n"),
        }
        for m in emails[:SHOWN]
    ]
    return render(request, "demo/sent_email.html", {"emails": shown, "total": len(emails), "shown": SHOWN})
