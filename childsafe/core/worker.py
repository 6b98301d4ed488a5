"""`childsafe worker`: outbox delivery, the rules sweep and the apps' chores in one process, no broker.

The database is the queue (docs/adr/0003-worker-and-outbox.md). Several workers may run against
PostgreSQL; each claims messages by conditional update and only one sweeps at a time. SIGTERM and
SIGINT finish the message in hand, release the sweep lease and exit.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, close_old_connections, connection

from childsafe.core import clock, engine, outbox, policy

log = logging.getLogger("childsafe.worker")

# However long the database is away, the worker looks again at least this often: delivery resumes within
# seconds of a database restart (issue 10). A failed connection attempt costs the database next to nothing.
MAX_BACKOFF_SECONDS = 5.0
# At most this many messages in one round before the sweep's turn.
ROUND_MESSAGES = 200


@dataclass
class WorkerStats:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    sweeps: int = 0
    database_errors: int = 0


class Worker:
    def __init__(
        self, *, name: str | None = None, poll_seconds: float = 1.0, sweep_interval_seconds: int | None = None
    ) -> None:
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.poll_seconds = poll_seconds
        self.sweep_interval_seconds = sweep_interval_seconds
        self.stop_event = threading.Event()
        self.stats = WorkerStats()
        self._last_sweep = 0.0
        self._last_chore: dict[str, float] = {}  # monotonic time each chore last ran in this worker
        # Started by run(): renews the lease on the message in hand while it is being sent.
        self.lease_keeper = outbox.LeaseKeeper(self.name)

    def install_signal_handlers(self) -> None:
        def handle(signum: int, _frame: object) -> None:
            log.info("Worker %s received signal %s; stopping after the current message", self.name, signum)
            self.stop_event.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def run(self, *, once: bool = False) -> WorkerStats:
        log.info("Worker %s started", self.name)
        self.lease_keeper.start()
        try:
            return self._loop(once=once)
        finally:
            self.lease_keeper.stop()

    def _loop(self, *, once: bool) -> WorkerStats:
        failures = 0
        while not self.stop_event.is_set():
            close_old_connections()
            try:
                busy = self.tick()
            except (OperationalError, InterfaceError) as exc:
                # A database that is locked, restarting or unreachable is a bad minute, not the end of
                # the worker: log it, drop the connection, wait longer each time (to a cap), try again.
                failures += 1
                self.stats.database_errors += 1
                delay = min(2.0 ** (failures - 1), MAX_BACKOFF_SECONDS)
                log.warning(
                    "Worker %s: database error (%s); trying again in %.0f s (failure %d in a row)",
                    self.name,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                    delay,
                    failures,
                )
                connection.close()
                if once:
                    break
                self.stop_event.wait(delay)
                continue
            if failures:
                log.info("Worker %s: the database is back after %d failure(s)", self.name, failures)
                failures = 0
            if once:
                break
            if not busy:
                self.stop_event.wait(self.poll_seconds)
        log.info("Worker %s stopped: %s", self.name, self.stats)
        return self.stats

    def tick(self) -> bool:
        """One round: deliver what is due, sweep if it is time. True when there was mail to send."""
        # Claimed one at a time (a killed worker strands only the message in hand), up to a round's worth
        # so the sweep still gets its turn, and never past a stop request.
        sent = retried = dead = 0
        for _ in range(ROUND_MESSAGES):
            result = outbox.deliver_due(self.name, limit=outbox.WORKER_CLAIM, keeper=self.lease_keeper)
            sent, retried, dead = sent + result.delivered, retried + result.retried, dead + result.dead
            if not (result.delivered or result.retried or result.dead or result.lost) or self.stop_event.is_set():
                break
        self.stats.delivered += sent
        self.stats.retried += retried
        self.stats.dead += dead
        interval = self.sweep_interval_seconds or int(policy.get(policy.SWEEP_INTERVAL.key))
        if time.monotonic() - self._last_sweep >= interval:
            swept = engine.sweep(holder=self.name)
            self._last_sweep = time.monotonic()
            if not swept.skipped:
                self.stats.sweeps += 1
                if swept.raised or swept.cleared or swept.escalated:
                    log.info("Sweep at %s: %s", clock.now().isoformat(), swept)
        self.run_chores()
        return bool(sent or retried or dead)

    def run_chores(self) -> None:
        """Each registered chore when the worker starts and then once each of its intervals."""
        for chore in engine.all_chores():
            last = self._last_chore.get(chore.name)
            if last is not None and time.monotonic() - last < chore.every.total_seconds():
                continue
            if self.stop_event.is_set():
                return
            # A chore's failure is logged and tried again next interval; it never stops delivery or the
            # sweep. A database that is away is the loop's to handle (it backs off and tries again).
            self._last_chore[chore.name] = time.monotonic()
            try:
                outcome = chore.run()
            except (OperationalError, InterfaceError):
                del self._last_chore[chore.name]
                raise
            except Exception:
                log.exception("Chore %s failed; trying again in %s", chore.name, chore.every)
                continue
            log.info("Chore %s: %s", chore.name, outcome)
