"""`childsafe demo` keeps its worker running: a killed worker is started again, one that keeps dying
is started again more slowly, and stopping the demo stops it for good (issue 10, item 6)."""

from __future__ import annotations

import os
import signal
import sys
import time

from childsafe.core.supervisor import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


def wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_worker_is_started_again_and_stop_stops_it_for_good():
    said: list[str] = []
    supervisor = Supervisor(SLEEPER, check_seconds=0.1, say=said.append)
    first = supervisor.start()
    try:
        os.kill(first.pid, signal.SIGKILL)
        wait_for(lambda: supervisor.restarts == 1 and supervisor.process is not first)
        second = supervisor.process
        assert second is not None and second.poll() is None
        assert "stopped with exit code -9" in said[0]
    finally:
        supervisor.stop(timeout=5)
    time.sleep(0.3)
    assert second.poll() is not None and supervisor.process is second  # not started again after stop


def test_a_worker_that_keeps_dying_is_restarted_with_a_growing_wait():
    said: list[str] = []
    supervisor = Supervisor(CRASHER, check_seconds=0.05, max_backoff_seconds=0.5, say=said.append)
    supervisor.start()
    try:
        wait_for(lambda: supervisor.restarts >= 4)
    finally:
        supervisor.stop(timeout=5)
    assert "starting it again." in said[0]
    assert any("starting it again in" in s for s in said[2:])
