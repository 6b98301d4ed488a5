"""How outbound messages leave Childsafe.

A transport sends one message or raises `TransportError`, saying whether trying again could help.
The email transport speaks real SMTP (host, port, STARTTLS or TLS, credentials from settings).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    body: str
    idempotency_key: str


class Transport(Protocol):
    def send(self, message: Outgoing) -> None: ...


def message_id_for(idempotency_key: str) -> str:
    """A stable Message-ID: a retry after a crash carries the same ID, so a receiver can de-duplicate."""
    safe = "".join(c if c.isalnum() or c in "-." else "-" for c in idempotency_key)[:150]
    return f"<{safe}@childsafe>"


class SmtpEmailTransport:
    def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = settings.DEFAULT_FROM_EMAIL
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id_for(message.idempotency_key) if message.idempotency_key else make_msgid()
        mail.set_content(message.body)
        try:
            with self._connect() as smtp:
                if settings.EMAIL_HOST_USER:
                    smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise TransportError(
                f"The mail server refused the address {message.recipient}: {exc.recipients}",
                permanent=all(500 <= c < 600 for c in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise TransportError(
                f"The mail server said {exc.smtp_code} {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, a dropped line: the server may be back later.
            raise TransportError(f"Could not reach the mail server: {exc}", permanent=False) from exc

    def _connect(self) -> smtplib.SMTP:
        host, port, timeout = settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT
        if settings.EMAIL_USE_SSL:
            return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if settings.EMAIL_USE_TLS:
            smtp.starttls(context=ssl.create_default_context())
        return smtp


class RecordingTransport:
    """The replay's transport: it records each message as delivered at the simulated time."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> None:
        self.sent.append(message)


_overrides: dict[str, Transport] = {}


def get_transport(name: str) -> Transport:
    if name in _overrides:
        return _overrides[name]
    try:
        path = settings.CHILDSAFE_TRANSPORTS[name]
    except KeyError:
        raise TransportError(f"No transport called {name!r} is configured.", permanent=True) from None
    return import_string(path)()


def use_transport(name: str, transport: Transport | None) -> None:
    """Replace a transport in this process (the replay records instead of sending)."""
    if transport is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = transport
