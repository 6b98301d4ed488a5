"""The demo's mail catcher: a tiny SMTP server that keeps every message instead of sending it on.

`childsafe demo` runs it beside the web app and points its worker at it, so the Operation Encompass
emails, PPN shares and local authority notices the demo force sends land in a Maildir under var/ and
an administrator can read them on the "Sent email" page (demo settings only). It is our own few lines
on the standard library rather than aiosmtpd (a development dependency) or the removed `smtpd`: it
speaks just enough SMTP for Django's and smtplib's client (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT), on loopback only, with no relaying, authentication or TLS. Never use it outside the demo.
"""

from __future__ import annotations

import contextlib
import mailbox
import socketserver
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

MAX_MESSAGE_BYTES = 5 * 1024 * 1024


class _Session(socketserver.StreamRequestHandler):
    server: _CatcherServer
    timeout = 30

    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode("ascii"))
        self.wfile.flush()

    def handle(self) -> None:
        self._reply("220 childsafe-demo mail catcher ready")
        recipients: list[str] = []
        sender = ""
        while True:
            try:
                raw = self.rfile.readline(2048)
            except TimeoutError:
                # An idle client (the worker keeps its connection between messages): closed as a mail
                # server closes one, not with a traceback on the demo's console.
                with contextlib.suppress(OSError):
                    self._reply("421 childsafe-demo closing an idle connection")
                return
            if not raw:
                return
            command, _, argument = raw.decode("ascii", "replace").strip().partition(" ")
            verb = command.upper()
            if verb == "EHLO":
                self._reply("250-childsafe-demo")
                self._reply(f"250 SIZE {MAX_MESSAGE_BYTES}")
            elif verb == "HELO":
                self._reply("250 childsafe-demo")
            elif verb == "MAIL":
                sender, recipients = _address(argument), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(_address(argument))
                self._reply("250 OK")
            elif verb == "DATA":
                if not recipients:
                    self._reply("503 Need RCPT first")
                    continue
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                if data is None:
                    self._reply("552 Message too large")
                else:
                    try:
                        self.server.store(data, sender=sender, recipients=recipients)
                    except OSError as exc:
                        self._reply(f"451 Could not keep the message: {exc}")  # the worker tries again later
                    else:
                        self._reply("250 OK: kept by the demo mail catcher")
                sender, recipients = "", []
            elif verb == "RSET":
                sender, recipients = "", []
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")

    def _read_data(self) -> bytes | None:
        lines: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(MAX_MESSAGE_BYTES)
            if not line or line in (b".\r\n", b".\n"):
                break
            if line.startswith(b".."):
                line = line[1:]  # dot-stuffing (RFC 5321 4.5.2)
            size += len(line)
            if size <= MAX_MESSAGE_BYTES:
                lines.append(line)
        return None if size > MAX_MESSAGE_BYTES else b"".join(lines)


def _address(argument: str) -> str:
    _, _, value = argument.partition(":")
    return value.strip().split(" ")[0].strip("<>")


class _CatcherServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], maildir: Path) -> None:
        self.maildir = maildir
        self._lock = threading.Lock()
        super().__init__(address, _Session)

    def store(self, data: bytes, *, sender: str, recipients: list[str]) -> None:
        message = message_from_bytes(data, policy=policy.SMTP)
        # The envelope, as the catcher saw it: who the message was really delivered to.
        message["X-Demo-Envelope-To"] = ", ".join(recipients)
        with self._lock:
            mailbox.Maildir(self.maildir, create=False).add(message)


class MailCatcher:
    """Start with `start()`; `port` is the port it listens on (0 asks the system for a free one)."""

    def __init__(self, maildir: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        for sub in ("tmp", "new", "cur"):  # a Maildir; mailbox.Maildir(create=True) skips an existing folder
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self.server = _CatcherServer((host, port), maildir)
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, name="demo-mail-catcher", daemon=True)

    def start(self) -> MailCatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def caught(maildir: Path) -> list[EmailMessage]:
    """Every message the catcher kept, newest first."""
    if not maildir.exists():
        return []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    messages: list[tuple[float, str, EmailMessage]] = []
    for key in list(box.iterkeys()):
        path = _message_path(box, maildir, key)
        if path is None:
            continue
        message = cast(EmailMessage, message_from_bytes(path.read_bytes(), policy=policy.default))
        messages.append((path.stat().st_mtime, key, message))
    messages.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [m for _, _, m in messages]


def _message_path(box: mailbox.Maildir, maildir: Path, key: str) -> Path | None:
    for sub in ("new", "cur"):
        for path in (maildir / sub).glob(f"{key}*"):
            return path
    return None
