"""Keep a child process running: `childsafe demo` supervises its worker with this (issue 10, item 6).

If the process exits while it should be running, it is started again, at once the first time, then
after 1, 2, 4... seconds (to a cap) while it keeps dying quickly, so a worker that can't start doesn't
spin. In production a service manager does this job (systemd `Restart=always`, see the README).
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger("childsafe.supervisor")

# A process that ran at least this long before dying was working: its next restart is immediate.
HEALTHY_AFTER_SECONDS = 10.0


class Supervisor:
    def __init__(
        self,
        command: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        check_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        say: Callable[[str], None] = log.warning,
    ) -> None:
        self.command = list(command)
        self.env = env
        self.check_seconds = check_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.say = say
        self.restarts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0
        self._quick_deaths = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with self._lock:
            process = self._spawn()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()
        return process

    def _spawn(self) -> subprocess.Popen[bytes]:
        # Our own interpreter and a fixed argument list from the caller: no shell, no user input.
        self.process = subprocess.Popen(self.command, env=self.env)  # noqa: S603
        self._started_at = time.monotonic()
        return self.process

    def _watch(self) -> None:
        while not self._stopping.wait(self.check_seconds):
            with self._lock:
                process = self.process
                if process is None or process.poll() is None:
                    continue
                lived = time.monotonic() - self._started_at
                self._quick_deaths = 0 if lived >= HEALTHY_AFTER_SECONDS else self._quick_deaths + 1
            delay = 0.0 if self._quick_deaths <= 1 else min(2.0 ** (self._quick_deaths - 2), self.max_backoff_seconds)
            self.say(
                f"The worker (process {process.pid}) stopped with exit code {process.returncode}; "
                + (f"starting it again in {delay:g} s." if delay else "starting it again.")
            )
            if delay and self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self.restarts += 1
                self._spawn()

    def stop(self, timeout: float = 30.0) -> int | None:
        """Stop watching, then stop the process (SIGTERM, then SIGKILL after `timeout`). Its exit code."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.check_seconds + 5)
        with self._lock:
            process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.say(f"The worker did not stop within {timeout:.0f} s; killing it.")
                process.kill()
                process.wait()
        return process.returncode
