"""Two-factor sign-in (ADR 0026): enrolment, checking a code, recovery codes, reset, step-up.

Built on django-otp: a TOTP device per user (an authenticator app) and a static device holding the
single-use recovery codes. django-otp refuses a code already used (TOTP `last_t`) and deletes a
recovery code once used. Its own throttling (a delay that doubles without limit, so a stranger typing
wrong codes could shut a user out for days) is off; ours slows wrong codes down to a minute at most.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from childsafe.core import access, audit, clock
from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability

APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
RECOVERY_CODES = 10
VERIFIED_AT_KEY = "twofactor_verified_at"
STEP_UP_SECONDS = 15 * 60
# Wrong codes: free for the first few, then 1, 2, 4... seconds between tries, never more than a minute.
FREE_FAILURES = 3
MAX_DELAY_SECONDS = 60


def required() -> bool:
    return bool(getattr(settings, "CHILDSAFE_REQUIRE_2FA", False))


def app_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: the same secret until it is confirmed, so a reload shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code drawn here as SVG: the secret never leaves for a third-party service."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def secret_for_typing(device: TOTPDevice) -> str:
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def wait_seconds(device: TOTPDevice | None) -> int:
    """How long before another code may be tried: 0, or a short wait after repeated wrong codes."""
    if device is None or device.throttling_failure_count < FREE_FAILURES or not device.throttling_failure_timestamp:
        return 0
    needed = min(2 ** (device.throttling_failure_count - FREE_FAILURES), MAX_DELAY_SECONDS)
    waited = (clock.now() - device.throttling_failure_timestamp).total_seconds()
    return max(0, int(needed - waited + 0.999))


def _slowed(seconds: int) -> InvalidInput:
    return InvalidInput(
        {"code": f"Too many wrong codes. Wait {seconds} second{'s' if seconds != 1 else ''} and try again."}
    )


def _clean(code: str) -> str:
    return "".join(str(code or "").split()).lower()


def _mark_verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    otp_login(request, device)
    request.session[VERIFIED_AT_KEY] = clock.now().isoformat()


@dataclass(frozen=True)
class Enrolled:
    recovery_codes: list[str]


def enrol(*, request: HttpRequest, code: str) -> Enrolled:
    """Confirm the authenticator app with its first code; hand out recovery codes (shown once)."""
    user: User = request.user  # type: ignore[assignment]
    device = pending_device(user)
    code = _clean(code)
    if not code:
        raise InvalidInput({"code": "Enter the 6-digit code from your authenticator app."})
    if seconds := wait_seconds(device):
        raise _slowed(seconds)
    if not device.verify_token(code):
        raise InvalidInput({"code": "The code is not right. Check the time on your phone and try the newest code."})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record(
            actor=user,
            category=AuditCategory.ALTERATION,
            event_type="twofactor.enrol",
            subject=user,
            new={"second_factor": "authenticator app", "recovery_codes": RECOVERY_CODES},
        )
    _mark_verified(request, device)
    return Enrolled(codes)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def verify(*, request: HttpRequest, code: str) -> str:
    """Check a code from the app, or a recovery code (used up). Returns which was used."""
    user: User = request.user  # type: ignore[assignment]
    device = app_device(user)
    if device is None:
        raise InvalidInput({"code": "Set up your authenticator app first."})
    code = _clean(code)
    if not code:
        raise InvalidInput({"code": "Enter the 6-digit code from your authenticator app, or a recovery code."})
    if seconds := wait_seconds(device):
        raise _slowed(seconds)
    if len(code) == 6 and code.isdigit():
        if device.verify_token(code):  # refuses a code already used; counts a wrong one
            _mark_verified(request, device)
            return "app"
    else:
        static = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if static is not None and static.verify_token(code):  # the code is deleted: single use
            device.throttle_reset()
            with transaction.atomic():
                audit.record(
                    actor=user,
                    category=AuditCategory.ALTERATION,
                    event_type="twofactor.recovery_code_use",
                    subject=user,
                    new={"recovery_codes_left": static.token_set.count()},
                )
            _mark_verified(request, static)
            return "recovery"
        device.throttle_increment()
    raise InvalidInput(
        {
            "code": "The code is not right, or it has been used already. Try the newest code from your app, "
            "or an unused recovery code."
        }
    )


def needs_step_up(request: HttpRequest) -> bool:
    """A code more than 15 minutes old is not enough for the audit log, exports, linking or settings."""
    raw = request.session.get(VERIFIED_AT_KEY)
    if not raw:
        return True
    return (clock.now() - datetime.fromisoformat(raw)).total_seconds() > STEP_UP_SECONDS


def reset(*, actor: User, user: User, reason: str) -> None:
    """An administrator clears a user's second factor (a lost phone): they enrol again at next sign-in."""
    if not access.can(actor, Capability.USERS_MANAGE):
        raise AccessDenied("Only an administrator can reset someone's second factor.")
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Enter why the second factor is being reset, for example 'lost phone'."})
    with transaction.atomic():
        had = TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="twofactor.reset",
            subject=user,
            old={"devices": had},
            new={"devices": 0, "reason": reason},
        )
