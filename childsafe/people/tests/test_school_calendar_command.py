"""`childsafe school_calendar URN FILE.csv`: a school's own closed days as its calendar (RF-9)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from childsafe.core.models import AuditEvent
from childsafe.people import calendars

INSET = date(2024, 6, 5)  # a Wednesday in the summer term


def _csv(tmp_path, text: str):
    path = tmp_path / "closed.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_an_inset_day_is_not_a_school_day(tmp_path, hill_primary):
    assert calendars.calendar_for(hill_primary.calendar).is_school_day(INSET)
    path = _csv(tmp_path, "from,to,reason\n05/06/2024,,INSET day\n2024-07-24,2024-09-03,Summer holiday\n")
    call_command("school_calendar", "120001", path)
    hill_primary.refresh_from_db()
    calendar = calendars.calendar_for(hill_primary.calendar)
    assert hill_primary.calendar["base"] == "england_bank_holidays"
    assert not calendar.is_school_day(INSET)
    assert calendar.is_school_day(date(2024, 6, 6))
    assert not calendar.is_school_day(date(2024, 8, 1))

    event = AuditEvent.objects.get(event_type="school.calendar")
    assert event.category == "alteration" and event.subject_id == str(hill_primary.pk)
    assert event.old_values == {"calendar": {"base": "england_default"}}
    assert event.new_values == {"calendar": hill_primary.calendar}


@pytest.mark.django_db
def test_the_base_can_be_chosen(tmp_path, hill_primary):
    call_command("school_calendar", "120001", _csv(tmp_path, "2024-06-05\n"), "--base", "england_default")
    hill_primary.refresh_from_db()
    assert hill_primary.calendar["base"] == "england_default"
    assert not calendars.calendar_for(hill_primary.calendar).is_school_day(INSET)


@pytest.mark.django_db
def test_bad_rows_are_named_and_nothing_changes(tmp_path, hill_primary):
    path = _csv(tmp_path, "from,to,reason\n05/06/2024,,INSET day\n31/02/2024,,Nonsense\n,01/03/2024,No start\n")
    with pytest.raises(CommandError) as caught:
        call_command("school_calendar", "120001", path)
    message = str(caught.value)
    assert "Row 3" in message and "Row 4" in message
    assert "unchanged" in message
    hill_primary.refresh_from_db()
    assert hill_primary.calendar == {"base": "england_default"}
    assert not AuditEvent.objects.filter(event_type="school.calendar").exists()


@pytest.mark.django_db
def test_an_unknown_urn_or_a_non_school_is_refused(tmp_path, hill_primary, york):
    path = _csv(tmp_path, "05/06/2024\n")
    with pytest.raises(CommandError, match="no school with the URN '999999'"):
        call_command("school_calendar", "999999", path)
    york.urn = "LA0001"
    york.save(update_fields=["urn"])
    with pytest.raises(CommandError, match="is not a school"):
        call_command("school_calendar", "LA0001", path)
    with pytest.raises(CommandError, match="There is no file"):
        call_command("school_calendar", "120001", str(tmp_path / "missing.csv"))
