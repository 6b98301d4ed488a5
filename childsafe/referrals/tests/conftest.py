"""Fixtures for the referrals tests: the real SMTP server and the simulated clock from the outbox tests."""

from __future__ import annotations

from childsafe.core.tests.conftest import asynchronous_commit, sim_clock, smtp_server

__all__ = ["asynchronous_commit", "sim_clock", "smtp_server"]
