"""Core writes: accounts, API tokens, force settings, alerts and dead letters. Each one audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from childsafe.core import access, audit, clock, compiled, policy
from childsafe.core.errors import InvalidInput
from childsafe.core.models import (
    Alert,
    ApiToken,
    Area,
    AuditCategory,
    LanguagePhrase,
    OutboxMessage,
    OutboxStatus,
    SettingValue,
    Skill,
    Team,
    User,
    UserSkill,
)
from childsafe.core.roles import PARTNER_ROLES, Capability, Rank, Role


def user_create(
    *,
    actor: User | None,
    username: str,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    area: Area | None = None,
    team: Team | None = None,
    organisation_id: int | None = None,
    line_manager: User | None = None,
    rank: str = "",
    channel: str = "web",
    check_password: bool = True,
    service_account: bool = False,
) -> User:
    """Create an account. `actor=None` only for set-up commands (demo force, replay).

    A service account is a system integration's: it holds API tokens and has no password."""
    if actor is not None:
        access.require(actor, Capability.USERS_MANAGE)
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = f"{role!r} is not a role. Choose one of: {', '.join(Role.values)}."
    elif role in PARTNER_ROLES and organisation_id is None:
        errors["organisation"] = "A partner account must belong to its school or local authority."
    if rank and rank not in Rank.values:
        errors["rank"] = f"{rank!r} is not a rank. Choose one of: {', '.join(Rank.labels)}."
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = f"The username {username!r} is already taken. Choose another."
    if service_account:
        if password:
            errors["password"] = "A service account has no password: leave it blank (it uses API tokens only)."  # noqa: S105
        elif role in PARTNER_ROLES:
            errors["role"] = "A service account can't have a partner's role: partners use the portal themselves."
    if password and check_password and not service_account:
        try:
            # With the account's details, so a password like the username or name is refused too.
            validate_password(
                password, User(username=username, first_name=first_name, last_name=last_name, email=email)
            )
        except ValidationError as exc:
            errors["password"] = " ".join(exc.messages)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        user = User(
            username=username,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            area=area,
            team=team,
            organisation_id=organisation_id,
            line_manager=line_manager,
            rank=rank,
            # A password an administrator typed is known to them: its holder replaces it at first sign-in.
            must_change_password=bool(password) and actor is not None,
            is_service_account=service_account,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="user.create",
            subject=user,
            new={
                "username": username,
                "role": role,
                "rank": rank or None,
                "area": area.code if area else None,
                "organisation_id": organisation_id,
                "service_account": service_account,
            },
            channel=channel,
        )
    return user


def password_change(*, actor: User, current: str, new: str, repeat: str, channel: str = "web") -> User:
    """The signed-in user replaces their own password (and a temporary one must be replaced)."""
    errors: dict[str, str] = {}
    if not actor.check_password(current or ""):
        errors["current"] = "Your current password is not right. Enter the password you signed in with."
    if not new:
        errors["new"] = "Enter a new password."
    elif new != repeat:
        errors["repeat"] = "The two new passwords are not the same. Enter the new password twice."
    elif new == current:
        errors["new"] = "Choose a new password, not the one you have now."
    else:
        try:
            validate_password(new, actor)
        except ValidationError as exc:
            errors["new"] = " ".join(exc.messages)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        actor.set_password(new)
        actor.must_change_password = False
        actor.save(update_fields=["password", "must_change_password"])
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="user.password_change",
            subject=actor,
            new={"password": "changed"},
            channel=channel,
        )
    return actor


def user_deactivate(*, actor: User, user: User, reason: str, channel: str = "web") -> User:
    """End an account now: it can't sign in, its open sessions end, and its API tokens are revoked."""
    from django.contrib.sessions.models import Session

    access.require(actor, Capability.USERS_MANAGE)
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Enter why the account is being closed (for example, left the force)."
    if user.pk == actor.pk:
        errors["user"] = "You can't close your own account. Ask another administrator."
    elif not user.is_active:
        errors["user"] = "This account is already closed."
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        # Sessions are stored signed, not indexed by user: read the live ones to find this account's.
        ended = [
            s.session_key
            for s in Session.objects.filter(expire_date__gt=now)
            if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
        ]
        Session.objects.filter(session_key__in=ended).delete()
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="user.deactivate",
            subject=user,
            old={"is_active": True},
            new={"is_active": False, "reason": reason, "tokens_revoked": revoked, "sessions_ended": len(ended)},
            channel=channel,
        )
    user.refresh_from_db()
    return user


def user_rank_set(*, actor: User, user: User, rank: str, channel: str = "web") -> User:
    """An administrator records a user's rank (audited: a rank decides who may approve what)."""
    access.require(actor, Capability.USERS_MANAGE)
    if rank and rank not in Rank.values:
        raise InvalidInput({"rank": f"{rank!r} is not a rank. Choose one of: {', '.join(Rank.labels)}."})
    with transaction.atomic():
        old = User.objects.select_for_update().get(pk=user.pk).rank
        User.objects.filter(pk=user.pk).update(rank=rank)
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="user.rank_set",
            subject=user,
            old={"rank": old or None},
            new={"rank": rank or None},
            channel=channel,
        )
    user.rank = rank
    return user


def user_skill_award(*, actor: User | None, user: User, skill: Skill, awarded_on, expires_on=None) -> UserSkill:
    """Record an accreditation in the skills registry (QG-6)."""
    if actor is not None:
        access.require(actor, Capability.USERS_MANAGE)
    with transaction.atomic():
        award, _ = UserSkill.objects.update_or_create(
            user=user, skill=skill, defaults={"awarded_on": awarded_on, "expires_on": expires_on}
        )
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="user.skill_award",
            subject=user,
            new={
                "skill": skill.code,
                "awarded_on": str(awarded_on),
                "expires_on": str(expires_on) if expires_on else None,
            },
        )
    return award


TOKEN_LIFETIME = timedelta(days=365)


def api_token_create(
    *, actor: User, user: User, name: str, lifetime: timedelta | None = TOKEN_LIFETIME
) -> tuple[ApiToken, str]:
    """Issue a token for a system integration. The plain token is returned once and never stored.

    It expires after `lifetime` (a year unless told otherwise); an administrator can revoke it sooner."""
    access.require(actor, Capability.USERS_MANAGE)
    errors: dict[str, str] = {}
    if not user.is_service_account:
        errors["user"] = (
            f"{user.username} is a person's account. API tokens are only for service accounts (a system "
            "integration's own account): create a service account on the Accounts page and issue the token to it."
        )
    elif not user.is_active:
        errors["user"] = f"The account {user.username} is closed: it can't be given a token."
    if not name.strip():
        errors["name"] = "Give the token a name that says which system uses it."
    if errors:
        raise InvalidInput(errors)
    raw = "cs_" + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=raw[:10],
            key_hash=hash_token(raw),
            created_at=now,
            expires_at=now + lifetime if lifetime else None,
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="api_token.create",
            subject=token,
            new={"user": user.username, "name": token.name, "prefix": token.prefix, "expires_at": token.expires_at},
        )
    return token, raw


def api_token_revoke(*, actor: User, token: ApiToken, channel: str = "web") -> ApiToken:
    """Stop a token working now (a leaked key, a retired integration)."""
    access.require(actor, Capability.USERS_MANAGE)
    with transaction.atomic():
        if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now()):
            raise InvalidInput({"token": "This token has already been revoked."})
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="api_token.revoke",
            subject=token,
            old={"revoked": False},
            new={"revoked": True, "user": token.user.username, "name": token.name},
            channel=channel,
        )
    token.refresh_from_db()
    return token


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_user(raw: str) -> User | None:
    """The active user a token belongs to, or None. Marks the token used.

    One statement built once (core.compiled, ADR 0064), the token with its user: it runs on every API request,
    and the ORM's compiling of the same lookup cost about half a millisecond of CPU each time."""
    found = compiled.where(
        ApiToken,
        "t0.key_hash = %s AND t0.revoked_at IS NULL AND t1.is_active AND t1.is_service_account",  # t1: the user
        [hash_token(raw)],
        related=("user",),
    )
    now = clock.now()
    if not found:
        return None
    token = found[0]
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # "Last used" to the minute: one write a minute per busy integration, not a commit on every request.
    if token.last_used_at is None or token.last_used_at <= now - TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def setting_change(*, actor: User, key: str, value: Any) -> Any:
    """Change a force-policy timing. Refused for anything but an administrator; audited old and new."""
    access.require(actor, Capability.SETTINGS_CHANGE)
    definition = policy.definition(key)
    try:
        coerced = definition.coerce(value)
    except ValueError as exc:
        raise InvalidInput({key: str(exc)}) from None
    with transaction.atomic():
        old = policy.get(key)
        SettingValue.objects.update_or_create(
            key=key, defaults={"value": coerced, "updated_at": clock.now(), "updated_by": actor}
        )
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="setting.change",
            subject_type="core.setting",
            subject_id=key,
            old={key: old},
            new={key: coerced},
        )
    return coerced


def alert_acknowledge(*, actor: User, alert: Alert, note: str = "") -> Alert:
    """The owner says they have seen it. It stays open until its condition stops; it stops escalating."""
    if alert.cleared_at is not None:
        raise InvalidInput({"alert": "This alert has already cleared; there is nothing to acknowledge."})
    if alert.acknowledged_at is not None:
        raise InvalidInput({"alert": "This alert was already acknowledged."})
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=clock.now(), acknowledged_by=actor, acknowledgement_note=note[:2000]
        )
        if not updated:
            raise InvalidInput({"alert": "Someone acknowledged this alert a moment ago."})
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="alert.acknowledge",
            subject=alert,
            person_id=alert.person_id,
            new={"note": note},
        )
    alert.refresh_from_db()
    return alert


def outbox_retry(*, actor: User, message: OutboxMessage) -> OutboxMessage:
    """Put a dead-lettered message back in the queue (after its address has been corrected, say)."""
    access.require(actor, Capability.OUTBOX_MANAGE)
    with transaction.atomic():
        # Conditional on the row's status now, not on what the caller last read.
        requeued = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.DEAD).update(
            status=OutboxStatus.PENDING, next_attempt_at=clock.now(), attempts=0, last_error=""
        )
        if not requeued:
            raise InvalidInput({"message": "Only a message that has failed can be sent again."})
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="outbox.retry",
            subject=message,
            person_id=message.person_id,
        )
    message.refresh_from_db()
    return message


def login_wait(*, username: str, ip_address: str) -> int:
    """Seconds before this sign-in attempt may be checked (0: now). Slows guessing, never locks out."""
    from childsafe.core import login_throttle

    return login_throttle.seconds_to_wait(username=username, address=ip_address)


def login_attempt_record(*, username: str, ip_address: str, succeeded: bool) -> None:
    from childsafe.core import login_throttle

    login_throttle.record(username=username, address=ip_address, succeeded=succeeded)


def language_phrase_save(*, actor: User, phrase: str, suggestion: str, active: bool = True) -> LanguagePhrase:
    """Add a phrase to the QG-1 list, or change its suggestion or retire it. Administrators only; audited."""
    access.require(actor, Capability.SETTINGS_CHANGE)
    errors: dict[str, str] = {}
    phrase = " ".join((phrase or "").lower().split())
    suggestion = (suggestion or "").strip()
    if len(phrase) < 3:
        errors["phrase"] = "Enter the phrase to look for (3 characters or more)."
    if not suggestion:
        errors["suggestion"] = "Enter the wording to suggest instead."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        existing = LanguagePhrase.objects.filter(phrase=phrase).first()
        old = {"suggestion": existing.suggestion, "active": existing.active} if existing else None
        row, _ = LanguagePhrase.objects.update_or_create(
            phrase=phrase, defaults={"suggestion": suggestion, "active": active}
        )
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION if existing else AuditCategory.COLLECTION,
            event_type="language_phrase.save",
            subject_type="core.languagephrase",
            subject_id=row.pk,
            old=old,
            new={"phrase": phrase, "suggestion": suggestion, "active": active},
        )
    return row
