"""School calendars and the start of the next school day (RF-9, Operation Encompass). No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from childsafe.core.clock import LONDON
from childsafe.people.calendars import (
    BASES,
    ENGLAND_DEFAULT,
    ENGLAND_TERM_HOLIDAYS,
    MAX_SEARCH_DAYS,
    Calendar,
    calendar_for,
    easter_sunday,
    england_bank_holidays,
    next_school_day_start,
    parse_calendar_csv,
    validate_calendar_json,
)

DEFAULT = calendar_for({"base": "england_default"})


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- which days are school days ---------------------------------------------------------------


def test_weekdays_in_term_are_school_days_and_weekends_are_not():
    assert DEFAULT.is_school_day(date(2022, 11, 10))  # Thursday
    assert DEFAULT.is_school_day(date(2022, 11, 11))  # Friday
    assert not DEFAULT.is_school_day(date(2022, 11, 12))  # Saturday
    assert not DEFAULT.is_school_day(date(2022, 11, 13))  # Sunday
    assert DEFAULT.is_school_day(date(2022, 11, 14))  # Monday


def test_none_and_a_bare_base_name_mean_england_default():
    assert calendar_for(None) == DEFAULT
    assert calendar_for("england_default") == DEFAULT
    assert calendar_for({}) == DEFAULT


@pytest.mark.parametrize(
    "day, reason",
    [
        (date(2022, 10, 24), "October half term"),
        (date(2022, 10, 28), "October half term"),
        (date(2023, 2, 15), "February half term"),
        (date(2023, 5, 31), "May half term"),
        (date(2022, 12, 21), "Christmas holiday"),
        (date(2023, 1, 3), "Christmas holiday"),
        (date(2023, 4, 12), "Easter holiday"),
        (date(2023, 8, 10), "Summer holiday"),
    ],
)
def test_term_holidays_are_not_school_days(day, reason):
    assert not DEFAULT.is_school_day(day)
    assert DEFAULT.why_closed(day) == reason


def test_terms_start_and_end_on_school_days():
    assert DEFAULT.is_school_day(date(2022, 10, 21))  # last Friday before October half term
    assert DEFAULT.is_school_day(date(2022, 10, 31))  # first Monday after it
    assert DEFAULT.is_school_day(date(2022, 12, 20))  # last day of the autumn term
    assert DEFAULT.is_school_day(date(2023, 1, 4))  # first day of the spring term
    assert DEFAULT.is_school_day(date(2023, 4, 17))  # first day of the summer term
    assert DEFAULT.is_school_day(date(2023, 7, 21))  # last day of the school year
    assert DEFAULT.is_school_day(date(2023, 9, 4))  # first day of the next


def test_easter_dates():
    assert [easter_sunday(y) for y in range(2021, 2029)] == [
        date(2021, 4, 4),
        date(2022, 4, 17),
        date(2023, 4, 9),
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
        date(2028, 4, 16),
    ]
    assert easter_sunday(2019) == date(2019, 4, 21)
    assert easter_sunday(2038) == date(2038, 4, 25)  # the latest possible


def test_good_friday_and_easter_monday_are_closed_even_when_the_school_opens_the_easter_holiday():
    # 2024: an early Easter; the default Easter holiday is 25 March to 5 April. A school that takes
    # its Easter holiday at another time opens those weeks; the bank holidays in them stay closed.
    cal = calendar_for({"base": "england_default", "open": [["2024-03-25", "2024-04-05"]]})
    assert cal.is_school_day(date(2024, 3, 28))
    assert not cal.is_school_day(date(2024, 3, 29))
    assert cal.why_closed(date(2024, 3, 29)) == "Good Friday"
    assert not cal.is_school_day(date(2024, 4, 1))
    assert cal.why_closed(date(2024, 4, 1)) == "Easter Monday"
    assert cal.is_school_day(date(2024, 4, 2))
    assert not DEFAULT.is_school_day(date(2024, 4, 2))


def test_bank_holidays_in_england():
    hols = {y: set(england_bank_holidays(y)) for y in (2022, 2023, 2026, 2027)}
    assert hols[2022] == {
        date(2022, 1, 3),  # New Year's Day was a Saturday
        date(2022, 4, 15),
        date(2022, 4, 18),
        date(2022, 5, 2),
        date(2022, 6, 2),  # spring bank holiday moved for the Platinum Jubilee
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 8, 29),
        date(2022, 9, 19),  # state funeral
        date(2022, 12, 26),
        date(2022, 12, 27),  # Christmas Day was a Sunday
    }
    assert date(2022, 5, 30) not in hols[2022]
    assert date(2023, 5, 8) in hols[2023]  # coronation
    assert date(2023, 1, 2) in hols[2023]
    assert date(2026, 12, 28) in hols[2026]  # Boxing Day was a Saturday
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= hols[2027]  # both at a weekend


def test_bank_holidays_in_term_time_are_not_school_days():
    assert not DEFAULT.is_school_day(date(2022, 9, 19))
    assert DEFAULT.why_closed(date(2022, 9, 19)) == "State funeral of Queen Elizabeth II"
    assert not DEFAULT.is_school_day(date(2023, 5, 8))
    assert not DEFAULT.is_school_day(date(2023, 5, 1))
    assert DEFAULT.is_school_day(date(2023, 5, 2))
    # Outside the years the term dates cover, the bank holidays still close.
    assert not DEFAULT.is_school_day(date(2030, 5, 6))
    assert DEFAULT.is_school_day(date(2030, 5, 7))


def test_the_england_default_table_has_the_bank_holidays_and_every_term_holiday():
    days = {p.first for p in ENGLAND_DEFAULT if p.first == p.last}
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19), date(2023, 5, 8)} <= days
    assert set(ENGLAND_TERM_HOLIDAYS) <= set(ENGLAND_DEFAULT)
    assert list(ENGLAND_DEFAULT) == sorted(ENGLAND_DEFAULT)


@pytest.mark.parametrize("year", range(2021, 2028))
def test_each_default_school_year_has_a_plausible_number_of_school_days(year):
    days = [date(year, 9, 1) + timedelta(days=n) for n in range(366)]
    count = sum(DEFAULT.is_school_day(d) for d in days if d < date(year + 1, 9, 1))
    # 190 days with pupils plus up to 5 INSET days, which each school adds to its own calendar.
    assert 190 <= count <= 196


def test_every_default_school_year_has_its_term_holidays():
    for year in range(2021, 2028):
        reasons = [p.reason for p in ENGLAND_TERM_HOLIDAYS if date(year, 9, 1) <= p.first <= date(year + 1, 8, 31)]
        assert reasons == [
            "October half term",
            "Christmas holiday",
            "February half term",
            "Easter holiday",
            "May half term",
            "Summer holiday",
        ], year


# --- a school's own calendar ---------------------------------------------------------------------


def test_an_inset_day_in_closed_is_not_a_school_day():
    cal = calendar_for({"base": "england_default", "closed": [["2022-11-11", "2022-11-11", "INSET day"]]})
    assert not cal.is_school_day(date(2022, 11, 11))
    assert cal.why_closed(date(2022, 11, 11)) == "INSET day"
    assert cal.is_school_day(date(2022, 11, 10))
    assert next_school_day_start(london(2022, 11, 10, 22, 15), cal) == utc(2022, 11, 14, 8, 30)


def test_a_single_date_is_a_one_day_range():
    cal = calendar_for({"closed": ["2022-11-11"]})
    assert not cal.is_school_day(date(2022, 11, 11))
    assert validate_calendar_json({"closed": ["2022-11-11"]}) == {
        "base": "england_default",
        "closed": [["2022-11-11", "2022-11-11"]],
    }


def test_a_different_half_term_moves_with_closed_and_open():
    # The format's example: this school's October half term is a week later than the default's.
    cal = calendar_for(
        {"base": "england_default", "closed": [["2023-10-30", "2023-11-03"]], "open": [["2023-10-23", "2023-10-27"]]}
    )
    assert cal.is_school_day(date(2023, 10, 23))
    assert cal.is_school_day(date(2023, 10, 27))
    assert not cal.is_school_day(date(2023, 10, 30))
    assert not cal.is_school_day(date(2023, 11, 3))
    assert cal.is_school_day(date(2023, 11, 6))
    assert DEFAULT.is_school_day(date(2023, 10, 30))


def test_open_reopens_base_days_but_not_weekends():
    cal = calendar_for({"open": [["2023-02-11", "2023-02-19"]]})  # February half term, Saturday to Sunday
    assert cal.is_school_day(date(2023, 2, 13))
    assert not cal.is_school_day(date(2023, 2, 11))
    assert not cal.is_school_day(date(2023, 2, 12))


def test_open_does_not_reopen_a_bank_holiday():
    cal = calendar_for({"open": [["2023-05-27", "2023-06-04"]]})  # May half term, with the bank holiday
    assert not cal.is_school_day(date(2023, 5, 29))
    assert cal.why_closed(date(2023, 5, 29)) == "Spring bank holiday"
    assert cal.is_school_day(date(2023, 5, 30))


def test_england_bank_holidays_base_keeps_term_holidays_open():
    cal = calendar_for({"base": "england_bank_holidays"})
    assert cal.is_school_day(date(2022, 10, 24))  # the default's half term
    assert not cal.is_school_day(date(2022, 12, 26))
    assert not cal.is_school_day(date(2022, 6, 3))


def test_a_custom_start_time():
    cal = calendar_for({"base": "england_default", "start_time": "08:45"})
    assert cal.start_time == time(8, 45)
    assert next_school_day_start(london(2022, 11, 10, 22, 15), cal) == utc(2022, 11, 11, 8, 45)
    assert next_school_day_start(london(2022, 11, 11, 8, 40), cal) == utc(2022, 11, 11, 8, 45)
    # An explicit start wins over the calendar's.
    assert next_school_day_start(london(2022, 11, 10, 22, 15), cal, start=time(8, 0)) == utc(2022, 11, 11, 8, 0)


def test_unknown_base_names_the_known_bases():
    with pytest.raises(ValueError) as exc:
        calendar_for({"base": "scotland"})
    message = str(exc.value)
    assert "'scotland' is not a school calendar base" in message
    for name in BASES:
        assert name in message
    with pytest.raises(ValueError, match="england_default"):
        Calendar(base="wales")


# --- the next school day's start ----------------------------------------------------------------


def test_scenario_s02_thursday_night_incident_is_due_before_friday_0830():
    due = next_school_day_start(utc(2022, 11, 10, 22, 15), DEFAULT)
    assert due == utc(2022, 11, 11, 8, 30)  # GMT in November
    assert due.tzinfo is UTC
    assert due - utc(2022, 11, 10, 22, 15) == timedelta(hours=10, minutes=15)


def test_before_the_start_is_due_that_day_and_after_it_the_next_school_day():
    assert next_school_day_start(london(2022, 11, 10, 7, 0), DEFAULT) == utc(2022, 11, 10, 8, 30)
    assert next_school_day_start(london(2022, 11, 10, 8, 29, 59), DEFAULT) == utc(2022, 11, 10, 8, 30)
    assert next_school_day_start(london(2022, 11, 10, 8, 30), DEFAULT) == utc(2022, 11, 11, 8, 30)
    assert next_school_day_start(london(2022, 11, 10, 8, 31), DEFAULT) == utc(2022, 11, 11, 8, 30)


def test_friday_evening_incident_is_due_monday():
    assert next_school_day_start(london(2022, 11, 11, 19, 0), DEFAULT) == utc(2022, 11, 14, 8, 30)


def test_friday_evening_before_half_term_is_due_the_monday_after_half_term():
    # Friday 21 October 2022 (BST); half term 24-28 October; the clocks go back on Sunday 30th.
    due = next_school_day_start(london(2022, 10, 21, 18, 0), DEFAULT)
    assert due == utc(2022, 10, 31, 8, 30)
    assert due.astimezone(LONDON) == london(2022, 10, 31, 8, 30)


def test_friday_evening_before_christmas_and_easter():
    assert next_school_day_start(london(2022, 12, 20, 17, 0), DEFAULT) == utc(2023, 1, 4, 8, 30)
    # 2023: Easter holiday 3-14 April, Easter Monday 10 April; back on Monday 17 April (BST).
    assert next_school_day_start(london(2023, 3, 31, 21, 0), DEFAULT) == utc(2023, 4, 17, 7, 30)


def test_the_clocks_going_forward_last_sunday_in_march():
    # Sunday 26 March 2023: 01:00 GMT becomes 02:00 BST. Friday's 08:30 is GMT, Monday's BST.
    assert next_school_day_start(london(2023, 3, 24, 7, 0), DEFAULT) == utc(2023, 3, 24, 8, 30)
    due = next_school_day_start(london(2023, 3, 24, 20, 0), DEFAULT)
    assert due == utc(2023, 3, 27, 7, 30)
    assert due.astimezone(LONDON).time() == time(8, 30)
    # An incident just after the change (02:30 BST on the Sunday).
    assert next_school_day_start(utc(2023, 3, 26, 1, 30), DEFAULT) == utc(2023, 3, 27, 7, 30)


def test_the_clocks_going_back_last_sunday_in_october():
    # Sunday 29 October 2023, the end of the default half term: 02:00 BST becomes 01:00 GMT.
    due = next_school_day_start(london(2023, 10, 27, 20, 0), DEFAULT)
    assert due == utc(2023, 10, 30, 8, 30)
    # The repeated hour: 01:30 happens twice (fold=0 BST, fold=1 GMT); both are due on Monday.
    assert next_school_day_start(utc(2023, 10, 29, 0, 30), DEFAULT) == utc(2023, 10, 30, 8, 30)
    assert next_school_day_start(utc(2023, 10, 29, 1, 30), DEFAULT) == utc(2023, 10, 30, 8, 30)
    # 2024: the clocks go back on Sunday 27 October, the weekend before half term (28 Oct - 1 Nov).
    assert next_school_day_start(london(2024, 10, 25, 18, 0), DEFAULT) == utc(2024, 11, 4, 8, 30)


def test_a_late_night_utc_time_is_read_as_the_next_london_day_in_summer():
    # 23:30 UTC on Wednesday 14 June 2023 is 00:30 BST on Thursday: due 08:30 BST Thursday.
    assert next_school_day_start(utc(2023, 6, 14, 23, 30), DEFAULT) == utc(2023, 6, 15, 7, 30)


def test_an_incident_in_the_summer_holiday_is_due_on_the_first_day_of_the_autumn_term():
    assert next_school_day_start(london(2023, 8, 1, 12, 0), DEFAULT) == utc(2023, 9, 4, 7, 30)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        next_school_day_start(datetime(2022, 11, 10, 22, 15), DEFAULT)


def test_no_school_day_within_the_search_raises():
    cal = calendar_for({"closed": [["2024-01-01", "2026-01-01", "School closed"]]})
    with pytest.raises(ValueError, match=f"no school day in the {MAX_SEARCH_DAYS} days"):
        next_school_day_start(london(2024, 1, 1, 12, 0), cal)


# --- validating the stored JSON -------------------------------------------------------------------


def test_validate_normalises_and_keeps_the_plain_default_as_it_is():
    assert validate_calendar_json({"base": "england_default"}) == {"base": "england_default"}
    assert validate_calendar_json(None) == {"base": "england_default"}
    assert validate_calendar_json(
        {"closed": [[date(2023, 10, 30), "2023-11-03", " Half term "]], "open": [], "start_time": time(8, 45)}
    ) == {"base": "england_default", "closed": [["2023-10-30", "2023-11-03", "Half term"]], "start_time": "08:45"}


@pytest.mark.parametrize(
    "value, message",
    [
        (["england_default"], "must be a mapping"),
        ({"base": "england_default", "closures": []}, "can't have closures"),
        ({"closed": "2023-10-30"}, "must be a list of date ranges"),
        ({"closed": [["2023-10-30"]]}, r"'closed' range 1: .* must be \[first, last\]"),
        ({"closed": [["30/10/2023", "2023-11-03"]]}, "write it as yyyy-mm-dd"),
        ({"closed": [["2023-02-30", "2023-03-01"]]}, "not a real date"),
        ({"closed": [["2023-11-03", "2023-10-30"]]}, "ends .* before it starts"),
        ({"closed": [["2203-11-03", "2203-11-03"]]}, "is the year a typo"),
        ({"open": [["2023-10-23", "2023-10-27"], [1, 2]]}, "'open' range 2"),
        ({"start_time": "8.30"}, "24-hour time"),
        ({"start_time": "25:00"}, "24-hour time"),
        (
            {"closed": [["2023-10-30", "2023-11-03"]], "open": [["2023-11-03", "2023-11-10"]]},
            "can't be both closed and open",
        ),
    ],
)
def test_validate_rejects_bad_structures_in_plain_english(value, message):
    with pytest.raises(ValueError, match=message):
        validate_calendar_json(value)


# --- importing a CSV ------------------------------------------------------------------------------


def test_parse_calendar_csv():
    text = (
        "\ufefffrom,to,reason\n"
        "01/09/2023,01/09/2023,INSET day\n"
        "2023-10-30,2023-11-03,October half term\n"
        "\n"
        "4/9/2023,,INSET day\n"
        "20/12/2023,02/01/2024\n"
    )
    value = parse_calendar_csv(text)
    assert value == {
        "base": "england_bank_holidays",
        "closed": [
            ["2023-09-01", "2023-09-01", "INSET day"],
            ["2023-10-30", "2023-11-03", "October half term"],
            ["2023-09-04", "2023-09-04", "INSET day"],
            ["2023-12-20", "2024-01-02"],
        ],
    }
    cal = calendar_for(value)
    assert not cal.is_school_day(date(2023, 9, 4))
    assert cal.is_school_day(date(2023, 10, 23))  # the default's half term, which this school doesn't take
    assert not cal.is_school_day(date(2023, 12, 25))


def test_parse_calendar_csv_on_the_default_base_with_a_start_time():
    value = parse_calendar_csv("06/11/2023,,INSET day\n", base="england_default", start_time="08:40")
    assert value == {
        "base": "england_default",
        "closed": [["2023-11-06", "2023-11-06", "INSET day"]],
        "start_time": "08:40",
    }


def test_parse_calendar_csv_names_every_bad_row():
    text = (
        "from,to,reason\n"
        "01/09/2023,01/09/2023,INSET day\n"
        "31/02/2024,,Bad day\n"
        "09/30/2023,,American order\n"
        "next tuesday,,Words\n"
        "03/11/2023,30/10/2023,Backwards\n"
        ",05/11/2023,No from\n"
        "01/01/2024,02/01/2024,too,many\n"
    )
    with pytest.raises(ValueError) as exc:
        parse_calendar_csv(text)
    message = str(exc.value)
    assert "Row 2" not in message
    assert "Row 3: '31/02/2024' is not a real date." in message
    assert "Row 4: '09/30/2023' is not a real date." in message
    assert "Row 5: 'next tuesday' is not a date; write it as dd/mm/yyyy or yyyy-mm-dd." in message
    assert "Row 6: it ends (30/10/2023) before it starts (03/11/2023)." in message
    assert "Row 7: the 'from' date is missing." in message
    assert "Row 8: has 4 columns" in message


def test_parse_calendar_csv_refuses_an_empty_file_and_an_unknown_base():
    with pytest.raises(ValueError, match="no closed dates"):
        parse_calendar_csv("from,to,reason\n\n")
    with pytest.raises(ValueError, match="not a school calendar base"):
        parse_calendar_csv("01/09/2023,,INSET day\n", base="wales")


def test_working_days_skip_weekends_and_bank_holidays_at_the_same_london_time():
    from childsafe.people.calendars import add_working_days

    london = LONDON
    friday = datetime(2023, 4, 6, 15, 0, tzinfo=london)  # Thursday before Good Friday
    assert add_working_days(friday, 1) == datetime(2023, 4, 11, 15, 0, tzinfo=london)  # Easter Monday skipped too
    saturday = datetime(2023, 3, 25, 10, 0, tzinfo=london)
    # Counted from the weekend: Monday 27th; across the clock change the wall-clock time stays 10:00.
    assert add_working_days(saturday, 1) == datetime(2023, 3, 27, 10, 0, tzinfo=london)
    assert add_working_days(saturday, 2).astimezone(london).hour == 10
