"""Sign-in throttling that slows guessing down and never locks the force out (ASVS 5.0 V6; ADR 0016).

Failures are counted three ways within a window (15 minutes by default):
- for the username from this client address (someone guessing one account from one place);
- for the username from anywhere (one account guessed from many places);
- from this client address for any username (password spraying from one place).

When a count passes its threshold, the next attempt on that key must wait: 1 second, then 2, 4, 8...
up to a cap (a minute by default) after that key's last failure. An attempt made sooner is not
checked at all (so a guess inside the wait tells nothing) and not counted. Nobody is ever locked out
for longer than the cap, and the address count only slows usernames that have already failed from
that address: a different user's correct password from the same address always goes through.

The client address is REMOTE_ADDR, unless the request came through one of the configured trusted
proxies, when it is the nearest untrusted address in that proxy's header (X-Forwarded-For). A header
from anyone else is ignored, so it can't be forged to spread one attacker over many addresses.

A burst (a count reaching its threshold) raises an alert for the administrators.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest

from childsafe.core import clock
from childsafe.core.models import Alert, LoginAttempt, Severity
from childsafe.core.roles import Role

log = logging.getLogger("childsafe.security")

# The platform's own rule (core/rules.py), like SYS-1: a burst of failed sign-ins.
ALERT_RULE = "SYS-2"


def client_address(request: HttpRequest) -> str:
    """The address of the person signing in, trusting a forwarded header only from our own proxies."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = _networks(settings.CHILDSAFE_TRUSTED_PROXIES)
    if not trusted or not _within(remote, trusted):
        return remote
    header = request.META.get(settings.CHILDSAFE_CLIENT_ADDRESS_HEADER, "")
    # Walk from the nearest hop back: each trusted proxy appended the address it was sent from.
    for hop in reversed([h.strip() for h in header.split(",") if h.strip()]):
        if not _within(hop, trusted):
            return hop[:64]
    return remote


def _networks(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def _within(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


@dataclass(frozen=True)
class _Count:
    failures: int
    last_failure: datetime | None


def _count(filters: Q, since: datetime) -> _Count:
    row = LoginAttempt.objects.filter(filters, at__gte=since, succeeded=False).aggregate(n=Count("id"), last=Max("at"))
    return _Count(row["n"] or 0, row["last"])


def _since_success(username_filter: Q, window_start: datetime) -> datetime:
    """Failures before the account's last successful sign-in don't count against it."""
    last_ok = LoginAttempt.objects.filter(username_filter, succeeded=True, at__gte=window_start).aggregate(
        last=Max("at")
    )["last"]
    return max(window_start, last_ok) if last_ok else window_start


def _wait(count: _Count, threshold: int, now: datetime) -> int:
    if count.failures < threshold or count.last_failure is None:
        return 0
    delay = min(2 ** min(count.failures - threshold, 30), settings.CHILDSAFE_LOGIN_MAX_WAIT_SECONDS)
    remaining = (count.last_failure + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def seconds_to_wait(*, username: str, address: str) -> int:
    """0 when this attempt may be checked now; otherwise how long to wait before trying again."""
    now = clock.now()
    window_start = now - timedelta(seconds=settings.CHILDSAFE_LOGIN_WINDOW_SECONDS)
    user_q = Q(username__iexact=username)
    since = _since_success(user_q, window_start)
    pair = _count(user_q & Q(ip_address=address), since)
    user = _count(user_q, since)
    waits = [
        _wait(pair, settings.CHILDSAFE_LOGIN_MAX_FAILURES, now),
        _wait(user, settings.CHILDSAFE_LOGIN_USER_FAILURES, now),
    ]
    if pair.failures:  # only a username already failing from here is slowed by the address's count
        waits.append(_wait(_count(Q(ip_address=address), window_start), settings.CHILDSAFE_LOGIN_ADDRESS_FAILURES, now))
    return max(waits)


def record(*, username: str, address: str, succeeded: bool) -> None:
    """Record a checked attempt; a failure that makes a burst raises an alert for the administrators."""
    now = clock.now()
    LoginAttempt.objects.create(username=username[:150], ip_address=address[:64], at=now, succeeded=succeeded)
    if succeeded:
        return
    window_start = now - timedelta(seconds=settings.CHILDSAFE_LOGIN_WINDOW_SECONDS)
    user = _count(Q(username__iexact=username), window_start).failures
    if user == settings.CHILDSAFE_LOGIN_USER_FAILURES:
        _alert("username", username, f"{user} failed sign-in attempts for the username '{username[:60]}'")
    from_address = _count(Q(ip_address=address), window_start).failures
    if from_address == settings.CHILDSAFE_LOGIN_ADDRESS_FAILURES:
        _alert("address", address, f"{from_address} failed sign-in attempts from the address {address[:64]}")


def _alert(kind: str, key: str, what: str) -> None:
    now = clock.now()
    minutes = settings.CHILDSAFE_LOGIN_WINDOW_SECONDS // 60
    reason = (
        f"{what} in the last {minutes} minutes. Someone may be guessing passwords: sign-in is being "
        "slowed down for them. Check the sign-in log and, if it isn't a colleague who forgot, tell IT security."
    )
    log.warning("Sign-in burst: %s", what)
    fields = {
        "rule_id": ALERT_RULE,
        "subject_type": f"sign_in.{kind}",
        "subject_id": key[:64],
        "subject_label": f"Sign-in {kind} {key}"[:300],
        "owner_role": Role.ADMINISTRATOR,
        "severity": Severity.HIGH,
        "reason": reason[:500],
        "url": "",
    }
    try:
        with transaction.atomic():
            Alert.objects.create(raised_at=now, last_seen_at=now, **fields)
    except IntegrityError:  # already open for this username or address: say it happened again
        Alert.objects.filter(
            rule_id=ALERT_RULE, subject_type=fields["subject_type"], subject_id=fields["subject_id"], cleared_at=None
        ).update(last_seen_at=now, reason=reason[:500])
