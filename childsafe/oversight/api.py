from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from childsafe.core.models import Alert
from childsafe.oversight import selectors

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    rule_id: str
    subject_type: str
    subject_id: str
    person_id: int | None
    person_label: str
    owner_role: str
    severity: str
    reason: str
    raised_at: datetime
    due_by: datetime | None
    acknowledged_at: datetime | None
    escalation_level: int


@router.get("/mine", response=list[AlertOut], summary="My open alerts")
def my_alerts(request: HttpRequest) -> list[Alert]:
    return list(selectors.my_alerts(request.user)[:500])  # type: ignore[arg-type]
