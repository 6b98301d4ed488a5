"""The default school term dates reach 2032/33 and the settings page warns a year before they run out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from childsafe.core import clock
from childsafe.people import calendars


def test_the_default_term_dates_cover_later_school_years():
    default = calendars.Calendar()
    assert calendars.ENGLAND_DEFAULT_COVERS[1] == date(2033, 8, 31)
    assert not default.is_school_day(date(2030, 10, 30))  # October half term 2030
    assert default.why_closed(date(2031, 8, 12)) == "Summer holiday"
    assert default.is_school_day(date(2031, 9, 9))
    assert not default.is_school_day(date(2032, 3, 24))  # the week before Easter Sunday 28 March 2032


def test_the_warning_comes_a_year_before_the_end():
    assert calendars.default_term_dates_warning(date(2032, 8, 30)) is None
    soon = calendars.default_term_dates_warning(date(2032, 9, 1))
    assert soon and "run out on 31 August 2033" in soon
    assert "ran out" in calendars.default_term_dates_warning(date(2034, 1, 1))


@pytest.mark.django_db
def test_the_settings_page_shows_the_warning(client, personas):
    client.force_login(personas["administrator"])
    assert 'data-testid="term-dates-warning"' not in client.get("/oversight/settings/").content.decode()
    clock.set_now(datetime(2032, 10, 1, 9, 0, tzinfo=UTC))
    try:
        page = client.get("/oversight/settings/").content.decode()
    finally:
        clock.set_now(None)
    assert 'data-testid="term-dates-warning"' in page and "31 August 2033" in page
