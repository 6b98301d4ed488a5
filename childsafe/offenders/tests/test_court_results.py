"""RSO-2's court results feed: the CSV import and the daily list."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from childsafe.core import clock, engine
from childsafe.core.errors import InvalidInput
from childsafe.core.models import Alert
from childsafe.offenders import selectors, services
from childsafe.offenders.models import Conviction
from childsafe.people import services as people

pytestmark = pytest.mark.django_db

HEADER = "surname,forenames,date_of_birth,offence,notifiable,court_result_at,period,custody\n"


@pytest.fixture
def omu(make_user):
    return make_user("omu_dc", "omu", "west", rank="constable")


@pytest.fixture
def paul():
    return people.person_create(actor=None, forenames="Paul", surname="Kemp", date_of_birth="1971-02-14").person


def feed(*rows: str) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


def yesterday() -> str:
    return (clock.now() - timedelta(days=1)).astimezone(clock.LONDON).strftime("%d/%m/%Y %H:%M")


def test_a_notifiable_result_for_one_matching_person_starts_the_clock(omu, paul):
    text = feed(
        f"Kemp,Paul,14/02/1971,Making indecent photographs of children,yes,{yesterday()},10y,no",
        f"Nobody,Known,01/01/1980,Voyeurism,yes,{yesterday()},5y,no",
    )
    imported = services.court_results_import(actor=omu, text=text)
    assert [c.offender.person for c in imported.recorded] == [paul]
    assert imported.unmatched == [(3, "Known Nobody", "no record with this name and date of birth")]
    assert selectors.new_court_results(since=clock.now() - timedelta(days=1)) == imported.recorded
    clock.set_now(clock.now() + timedelta(days=2, minutes=1))
    try:
        engine.sweep()
        assert Alert.objects.open().filter(rule_id="RSO-1").count() == 1
    finally:
        clock.set_now(None)
    # The same feed again records nothing twice.
    again = services.court_results_import(actor=omu, text=text)
    assert again.recorded == [] and again.already == 1


def test_a_malformed_feed_is_refused_whole_with_every_problem(omu, paul):
    text = feed(
        "Kemp,Paul,31/02/1971,Offence,yes,yesterday,10y,no",
        "Kemp,Paul,14/02/1971,Offence,perhaps,10/05/2022 11:00,ten,no",
    )
    with pytest.raises(InvalidInput) as caught:
        services.court_results_import(actor=omu, text=text)
    message = caught.value.errors["file"]
    assert "Row 2" in message and "Row 3" in message and "period" in message
    assert not Conviction.objects.exists()
    with pytest.raises(InvalidInput) as caught:
        services.court_results_import(actor=omu, text="name,offence\nx,y\n")
    assert "surname" in caught.value.errors["file"]


def test_the_daily_list_page_imports_a_file(client, omu, paul):
    client.force_login(omu)
    url = reverse("offenders:court_results")
    upload = SimpleUploadedFile(
        "results.csv", feed(f"Kemp,Paul,14/02/1971,Voyeurism,yes,{yesterday()},indefinite,yes").encode()
    )
    body = html.unescape(client.post(url, {"file": upload}).content.decode())
    assert "1 court result recorded" in body and "Voyeurism" in body
    body = html.unescape(client.post(url, {}).content.decode())
    assert "<title>Error: " in body and "Choose the court results file" in body
