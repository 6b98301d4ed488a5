"""Partner actions: a school or local authority acknowledges an Operation Encompass notification (RF-9)."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404

from childsafe.core import audit, clock
from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditCategory, User
from childsafe.referrals.models import EncompassNotification


def encompass_acknowledge(*, actor: User, note: EncompassNotification, channel: str = "web") -> EncompassNotification:
    """The notification's organisation acknowledges it. Anyone else: it isn't there (404, audited)."""
    if not (actor.is_partner and actor.organisation_id is not None and note.organisation_id == actor.organisation_id):
        audit.access(
            actor=actor,
            event_type="encompass.acknowledge.refused",
            subject=note,
            person_id=note.person_id,
            justification="Refused: not sent to this user's organisation.",
            channel=channel,
        )
        raise Http404("No notification with that reference.")
    if note.acknowledged_at:
        raise InvalidInput({"notification": "This notification was already acknowledged."})
    with transaction.atomic():
        updated = EncompassNotification.objects.filter(pk=note.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=clock.now(), acknowledged_by=actor
        )
        if not updated:
            raise InvalidInput({"notification": "This notification was acknowledged a moment ago."})
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="encompass.acknowledge",
            subject=note,
            person_id=note.person_id,
            new={"organisation": actor.organisation.name},
            channel=channel,
        )
    note.refresh_from_db()
    return note
