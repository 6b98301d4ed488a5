"""The portal scales to a school with hundreds of pupils: one list of notices, newest first, searched by a
child's name, filtered by kind, acknowledgement and date, a page at a time; the header names the school."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.incidents.models import Incident
from childsafe.partners.selectors import NOTICES_PER_PAGE
from childsafe.people import services as people
from childsafe.referrals.models import EncompassNotification


@pytest.fixture
def zak(hill_primary, york):
    return people.person_create(
        actor=None,
        forenames="Zak",
        surname="Moon",
        date_of_birth=date(2013, 2, 1),
        sex="male",
        ethnicity_self_defined="W1",
        school=hill_primary,
        local_authority=york,
        address=people.AddressInput(line1="3 Ings Lane", town="York", postcode="YO1 7AB"),
    ).person


def _notify(child, school, at: datetime, n: int, *, acknowledged: bool = False) -> EncompassNotification:
    incident = Incident.objects.create(
        reference=f"INC-TEST-{n:04d}",
        type="domestic_abuse",
        grade=1,
        location_text="A house in York",
        summary="Synthetic.",
        created_at=at,
        occurred_at=at,
    )
    return EncompassNotification.objects.create(
        incident=incident,
        person=child,
        organisation=school,
        created_at=at,
        due_by=at + timedelta(hours=12),
        acknowledged_at=at + timedelta(hours=1) if acknowledged else None,
    )


@pytest.fixture
def many(personas, ella, zak, hill_primary):
    """Thirty notifications about Ella over thirty days (every third acknowledged), one about Zak, newest."""
    first = datetime(2026, 9, 1, 7, 0, tzinfo=clock.LONDON)
    for n in range(30):
        _notify(ella, hill_primary, first + timedelta(days=n), n, acknowledged=n % 3 == 0)
    _notify(zak, hill_primary, first + timedelta(days=40), 99)
    return personas["right_school"]


def _rows(client, **query) -> tuple[str, list[str]]:
    page = client.get(reverse("partners:home"), query).content.decode()
    table = page.split('data-testid="notices"', 1)[1].split("</table>", 1)[0] if 'data-testid="notices"' in page else ""
    return page, [row for row in table.split('<tr class="govuk-table__row">')[2:]]


def test_newest_first_a_page_at_a_time_with_the_school_in_the_header(client, many):
    client.force_login(many)
    page, rows = _rows(client)
    assert len(rows) == NOTICES_PER_PAGE
    assert "Zak Moon" in rows[0]  # the newest
    assert "31 notices, newest first." in page
    assert 'href="?page=2#notices"' in page
    assert "Hill Primary" in page.split("</header>")[0]
    assert "School (Key Adult)" not in page.split("</header>")[0]
    page2, rows2 = _rows(client, page=2)
    assert len(rows2) == 31 - NOTICES_PER_PAGE
    assert "INC-TEST-0000" in rows2[-1]  # the oldest, last


def test_search_by_name_and_filter_by_acknowledgement_kind_and_date(client, many):
    client.force_login(many)
    page, rows = _rows(client, name="moon")
    assert len(rows) == 1 and "Zak Moon" in rows[0]
    assert "1 notice matches your search" in page
    _, rows = _rows(client, name="ella hug", acknowledged="yes")
    assert len(rows) == 10 and all("Yes," in r for r in rows)
    _, rows = _rows(client, acknowledged="no", kind="encompass")
    assert len(rows) == 21  # 20 of Ella's and Zak's, on one page
    _, rows = _rows(client, kind="ppn")
    assert rows == []
    dated = {"sent_from_0": "10", "sent_from_1": "9", "sent_from_2": "2026"}
    dated |= {"sent_to_0": "12", "sent_to_1": "9", "sent_to_2": "2026"}
    _, rows = _rows(client, **dated)
    assert len(rows) == 3
    # A search's pages keep the search.
    page, _ = _rows(client, kind="encompass")
    assert 'href="?page=2&amp;kind=encompass#notices"' in page
    # The children's list is searched too.
    children = client.get(reverse("partners:home"), {"name": "zak"}).content.decode().split('id="children"')[1]
    assert "Zak Moon" in children
    assert "Ella Hughes" not in children


def test_a_back_to_front_date_range_is_explained(client, many):
    client.force_login(many)
    response = client.get(
        reverse("partners:home"),
        {"sent_from_0": "12", "sent_from_1": "9", "sent_from_2": "2026", "sent_to_0": "1", "sent_to_1": "9",
         "sent_to_2": "2026"},
    )  # fmt: skip
    text = response.content.decode()
    assert "<title>Error: " in text
    assert "The last date must be the same as or after the first date" in text


def test_another_school_sees_none_of_it(client, many, personas):
    client.force_login(personas["wrong_school"])
    page, rows = _rows(client)
    assert rows == [] and "No notices yet." in page
