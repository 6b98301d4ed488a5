"""How outbound messages leave Childsafe.

A transport sends one message or raises `TransportError`, saying whether trying again could help.
The email transport speaks real SMTP (host, port, STARTTLS or TLS, credentials from settings).
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
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


# An open SMTP connection is kept for the next message for this long (per thread: the worker's), so a
# burst of emails is one conversation with the mail server, not one connection each (bench/README.md,
# encompass_latency.py --burst). Well under the 5 minutes a server may drop an idle client after (RFC 5321).
REUSE_SECONDS = 30.0
_open = threading.local()


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
            smtp, reused = self._connection()
            try:
                smtp.send_message(mail)
            except (smtplib.SMTPServerDisconnected, OSError):
                self._drop()
                if not reused:
                    raise
                # The kept connection had gone (the server closed it while idle): one more try on a new one.
                # The message has the same Message-ID either way, so a receiver de-duplicates (at least once).
                smtp, _ = self._connection()
                smtp.send_message(mail)
            _open.last_used = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            codes = [code for code, _ in exc.recipients.values()]
            raise TransportError(
                f"The mail server refused the address {message.recipient}: {exc.recipients}",
                permanent=all(500 <= c < 600 for c in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise TransportError(
                f"The mail server said {exc.smtp_code} {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, a dropped line: the server may be back later.
            self._drop()
            raise TransportError(f"Could not reach the mail server: {exc}", permanent=False) from exc

    @staticmethod
    def _key() -> tuple:
        return (
            settings.EMAIL_HOST,
            settings.EMAIL_PORT,
            settings.EMAIL_USE_SSL,
            settings.EMAIL_USE_TLS,
            settings.EMAIL_HOST_USER,
        )

    def _connection(self) -> tuple[smtplib.SMTP, bool]:
        """This thread's open connection to the configured server if it was used lately (True), else a new one."""
        smtp = getattr(_open, "smtp", None)
        if smtp is not None:
            if getattr(_open, "key", None) == self._key() and time.monotonic() - _open.last_used < REUSE_SECONDS:
                return smtp, True
            self._drop()
        smtp = self._connect()
        _open.smtp, _open.key, _open.last_used = smtp, self._key(), time.monotonic()
        if settings.EMAIL_HOST_USER:
            smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        return smtp, False

    @staticmethod
    def _reset() -> None:
        """After a refused recipient the conversation is mid-transaction: start it afresh (RSET), or drop it."""
        smtp = getattr(_open, "smtp", None)
        if smtp is None:
            return
        try:
            smtp.rset()
            _open.last_used = time.monotonic()
        except (smtplib.SMTPException, OSError):
            SmtpEmailTransport._drop()

    @staticmethod
    def _drop() -> None:
        """Forget this thread's connection and close its socket (no QUIT: it may be the line that failed)."""
        smtp = getattr(_open, "smtp", None)
        _open.smtp = None
        if smtp is not None:
            smtp.close()

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
