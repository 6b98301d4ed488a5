"""A real SMTP server on loopback for the outbox tests (aiosmtpd), with the failures partners' servers have.

It listens on 127.0.0.1 on a port chosen once, so it can be stopped (the mail server is down) and
started again on the same port (it is back). It records every message it accepts with its
Message-ID, and can be told to refuse a recipient for now (451) or for good (550), or to stall in
the middle of a conversation, so a worker can be caught, and killed, mid-send.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from functools import cached_property

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

TEMPORARY = "451 4.3.0 Mailbox temporarily unavailable, try again later"
PERMANENT = "550 5.1.1 No such mailbox here"


class Received:
    """One accepted message. Only the envelope and Message-ID are read on receipt (a test may send a
    thousand); the rest of the message is parsed when a test asks for it."""

    def __init__(self, mail_from: str, rcpt_tos: tuple[str, ...], raw: bytes) -> None:
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.raw = raw
        headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        # A long Message-ID may be folded over lines; it never contains whitespace of its own.
        self.message_id = "".join(str(headers["Message-ID"] or "").split())

    @cached_property
    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, _class=EmailMessage, policy=email.policy.default)

    @property
    def to(self) -> str:
        return str(self.parsed["To"] or "")

    @property
    def subject(self) -> str:
        return str(self.parsed["Subject"] or "")

    @property
    def body(self) -> str:
        part = self.parsed.get_body(preferencelist=("plain",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""

    def __repr__(self) -> str:
        return f"<Received {self.message_id} to {self.rcpt_tos}>"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    """aiosmtpd hooks. They run on the server's event loop thread; state is shared through the server."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options):  # noqa: N802
        await self.server._maybe_stall("MAIL")
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options):  # noqa: N802
        await self.server._maybe_stall("RCPT")
        refusal = self.server._refusal_for(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope):  # noqa: N802
        await self.server._maybe_stall("DATA")
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        self.server._record(Received(envelope.mail_from or "", tuple(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start, stop and start again on the same port; make it refuse or stall; see what it received."""

    host = "127.0.0.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._refuse: dict[str, str] = {}
        self._stall_at: str | None = None
        self._stall_seconds = 0.0
        self.stalled = threading.Event()  # set when a conversation enters a stall
        self._controller: Controller | None = None

    # Running -----------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpServer:
        if self._controller is not None:
            raise RuntimeError("The SMTP server is already running.")
        # A fresh controller each time: a stopped controller has closed its event loop.
        controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, server_hostname="smtp.childsafe.test"
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Close the port and drop every open conversation (a stalled one included)."""
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None

    def restart(self) -> SmtpServer:
        self.stop()
        return self.start()

    # Behaviour ---------------------------------------------------------------------------------------

    def refuse(self, recipient: str, *, permanent: bool) -> None:
        """Answer RCPT TO for this address with 550 (permanent) or 451 (try later)."""
        with self._lock:
            self._refuse[recipient.lower()] = PERMANENT if permanent else TEMPORARY

    def accept(self, recipient: str | None = None) -> None:
        """Stop refusing this address (or every address)."""
        with self._lock:
            if recipient is None:
                self._refuse.clear()
            else:
                self._refuse.pop(recipient.lower(), None)

    def stall(self, seconds: float, *, at: str = "MAIL") -> None:
        """Hold each conversation for `seconds` when it reaches MAIL, RCPT or DATA (before answering)."""
        if at not in {"MAIL", "RCPT", "DATA"}:
            raise ValueError(f"Cannot stall at {at!r}.")
        with self._lock:
            self._stall_at, self._stall_seconds = at, seconds
        self.stalled.clear()

    def unstall(self) -> None:
        with self._lock:
            self._stall_at, self._stall_seconds = None, 0.0

    def normal(self) -> None:
        """Accept everyone promptly again."""
        self.accept()
        self.unstall()

    # What arrived ------------------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def with_message_id(self, message_id: str) -> list[Received]:
        return [r for r in self.received if r.message_id == message_id]

    def message_id_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.received:
            counts[r.message_id] = counts.get(r.message_id, 0) + 1
        return counts

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    # Called from the handler on the server's loop ----------------------------------------------------

    def _record(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)

    def _refusal_for(self, address: str) -> str | None:
        with self._lock:
            return self._refuse.get(address.lower())

    async def _maybe_stall(self, stage: str) -> None:
        with self._lock:
            seconds = self._stall_seconds if self._stall_at == stage else 0.0
        if seconds:
            self.stalled.set()
            await asyncio.sleep(seconds)

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
