"""Offender management pages through the Django test client: who may open them, that a refusal shows
on the form it came from, and the caseload, person page and intelligence check sections."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.core.models import Skill
from childsafe.core.services import user_skill_award
from childsafe.offenders import services
from childsafe.offenders.models import RiskAssessment, Visit
from childsafe.people import services as people
from childsafe.people.intelligence import picture

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def omu(make_user):
    dc = make_user("omu_dc", "omu", "west", rank="constable")
    user_skill_award(actor=None, user=dc, skill=Skill.objects.get(code="visor"), awarded_on=clock.today_london())
    return {
        "dc": dc,
        "pc": make_user("omu_pc", "omu", "west", rank="constable"),
        "ds": make_user("omu_ds", "omu", "west", rank="sergeant"),
    }


@pytest.fixture
def paul():
    address = people.AddressInput(line1="22 Flaxley Road", town="Selby", postcode="YO8 4BW")
    return people.person_create(
        actor=None, forenames="Paul", surname="Kemp", date_of_birth="1971-02-14", address=address
    ).person


@pytest.fixture
def offender(omu, paul):
    return services.offender_convict(
        actor=omu["dc"],
        person=paul,
        offence="Making indecent photographs of children",
        notifiable=True,
        court_result_at=clock.now() - timedelta(days=5),
        period_years=10,
    ).offender


def test_a_court_result_is_recorded_from_the_persons_page(client, omu, paul):
    client.force_login(omu["dc"])
    page = text(client.get(reverse("people:detail", args=[paul.pk])))
    register = reverse("offenders:register", args=[paul.pk])
    assert register in page
    response = client.post(register, {"offence": "", "notifiable": "on", "period": ""})
    body = text(response)
    assert response.status_code == 200 and "<title>Error: " in body
    assert "Enter the offence" in body and "court result" in body and "notification period" in body
    today = clock.today_london()
    response = client.post(
        register,
        {
            "offence": "Making indecent photographs of children",
            "notifiable": "on",
            "court_result_date_0": today.day,
            "court_result_date_1": today.month,
            "court_result_date_2": today.year,
            "court_result_time": "00:01",
            "period": "10",
        },
    )
    assert response.status_code == 302
    assert "Court result recorded" in text(client.get(response.url))


def test_an_officer_without_visor_is_refused_a_risk_plan_on_the_form(client, omu, offender):
    client.force_login(omu["pc"])
    url = reverse("offenders:risk", args=[offender.pk])
    body = text(client.post(url, {"level": "high", "plan": "Home visits."}))
    assert "<title>Error: " in body and "ViSOR" in body
    assert not RiskAssessment.objects.exists()
    client.force_login(omu["dc"])
    assert client.post(url, {"level": "high", "plan": "Home visits."}).status_code == 302
    assert RiskAssessment.objects.get().assessed_by == omu["dc"]


def test_a_visit_records_officers_and_devices_and_shows_the_prompts(client, omu, offender):
    phone = services.device_add(actor=omu["dc"], offender=offender, description="Samsung phone")
    client.force_login(omu["dc"])
    response = client.post(
        reverse("offenders:visit", args=[offender.pk]), {"kind": "office", "officers": [str(omu["dc"].pk)]}
    )
    assert response.status_code == 302
    page = text(client.get(response.url))
    assert "Samsung phone" in page and "lone working" in page and "does not count as a home visit" in page
    assert list(Visit.objects.get().devices_checked.all()) == []
    assert phone.pk


def test_a_superficial_supervision_entry_is_refused_on_the_form(client, omu, offender):
    client.force_login(omu["ds"])
    body = text(client.post(reverse("offenders:supervise", args=[offender.pk]), {"note": "Noted."}))
    assert "<title>Error: " in body and "for example" in body


def test_contact_with_children_picks_the_children_by_name(client, omu, offender):
    ella = people.person_create(actor=None, forenames="Ella", surname="Begum", date_of_birth="2014-06-01").person
    client.force_login(omu["dc"])
    url = reverse("offenders:child_contact", args=[offender.pk])
    page = text(client.get(url, {"q": "Ella Begum"}))
    assert "Ella Begum" in page and f'value="{ella.pk}"' in page
    response = client.post(f"{url}?q=Ella+Begum", {"children": [str(ella.pk)], "detail": "Seen at the park."})
    assert response.status_code == 302
    assert offender.child_contacts.get().children.get().person == ella


def test_the_caseload_shows_the_area_teams_offenders(client, omu, offender):
    client.force_login(omu["dc"])
    body = text(client.get(reverse("offenders:caseload"), {"area": offender.area.code if offender.area else ""}))
    assert "Paul Kemp" in body and "The initial notification" in body and "Overdue" in body
    assert 'href="/offenders/"' in body  # the navigation entry


def test_roles_without_need_to_know_cannot_open_offender_pages(client, make_user, offender):
    client.force_login(make_user("admin", "administrator"))
    assert client.get(reverse("offenders:detail", args=[offender.pk])).status_code == 403
    assert client.get(reverse("offenders:caseload")).status_code == 403


def test_the_intelligence_check_says_a_registered_sex_offender_lives_here(offender, paul):
    child = people.person_create(
        actor=None,
        forenames="Mia",
        surname="Kemp",
        date_of_birth="2015-01-01",
        address=people.AddressInput(line1="22 Flaxley Road", town="Selby", postcode="YO8 4BW"),
    ).person
    [section] = [s for s in picture(child).sections if s.key == "registered_sex_offender"]
    assert "A registered sex offender lives here: Paul Kemp" in section.items[0]
    [own] = [s for s in picture(paul).sections if s.key == "registered_sex_offender"]
    assert own.items[0].startswith("Registered sex offender")


def test_an_offender_who_moved_in_shows_and_one_who_moved_out_does_not(offender, paul, omu):
    """What matters is whether the offender's address AT THE CHILD'S HOME is current, not whether they ever
    lived anywhere else: an offender who moved in from elsewhere lives here; one who moved out doesn't."""
    from childsafe.people.models import Location, PersonAddress

    today = clock.today_london()
    before = Location.objects.create(line1="1 Old Lane", town="Selby", normalised="1 old lane selby")
    PersonAddress.objects.create(
        person=paul, location=before, valid_from=today - timedelta(days=900), valid_to=today - timedelta(days=30)
    )
    child = people.person_create(
        actor=None,
        forenames="Mia",
        surname="Kemp",
        date_of_birth="2015-01-01",
        address=people.AddressInput(line1="22 Flaxley Road", town="Selby", postcode="YO8 4BW"),
    ).person
    [section] = [s for s in picture(child).sections if s.key == "registered_sex_offender"]
    assert "A registered sex offender lives here: Paul Kemp" in section.items[0]

    home = PersonAddress.objects.get(person=child).location
    PersonAddress.objects.filter(person=paul, location=home).update(valid_to=today - timedelta(days=1))
    assert not [s for s in picture(child).sections if s.key == "registered_sex_offender"]


def test_a_childs_contact_with_an_offender_shows_in_their_check_and_chronology(omu, offender):
    from childsafe.people.chronology import chronology

    ella = people.person_create(actor=None, forenames="Ella", surname="Begum", date_of_birth="2014-06-01").person
    services.child_contact_record(actor=omu["dc"], offender=offender, children=[ella], detail="At the park.")
    [section] = [s for s in picture(ella).sections if s.key == "registered_sex_offender"]
    assert "Had contact with registered sex offender Paul Kemp" in section.items[0]
    titles = [e.title for e in chronology([ella.pk], omu["dc"])]
    assert "Contact with registered sex offender Paul Kemp" in titles
    handler_titles = [e.title for e in chronology([ella.pk], None)]
    assert "Contact with registered sex offender Paul Kemp" in handler_titles


def test_a_sergeant_records_their_cover_on_the_page(client, omu, make_user):
    cover = make_user("omu_ds2", "omu", "west", rank="sergeant", first_name="Cal", last_name="Vere")
    client.force_login(omu["ds"])
    url = reverse("offenders:cover")
    body = text(client.post(url, {}))
    assert "<title>Error: " in body and "Choose who covers for you" in body
    today = clock.today_london()
    response = client.post(
        url,
        {
            "cover": str(cover.pk),
            "starts_on_0": today.day,
            "starts_on_1": today.month,
            "starts_on_2": today.year,
            "ends_on_0": today.day,
            "ends_on_1": today.month,
            "ends_on_2": today.year,
            "reason": "Course",
        },
    )
    assert response.status_code == 302
    assert "Cal Vere (Offender management unit (OMU)) covers" in text(client.get(url))


def test_the_shift_briefing_lists_the_areas_offenders_for_roles_that_need_to_know(client, omu, offender, make_user):
    from childsafe.core.models import AuditEvent

    officer = make_user("pc_west", "response_officer", "west")
    client.force_login(officer)
    body = text(client.get(reverse("offenders:briefing"), {"area": offender.area.code}))
    assert "Paul Kemp" in body and "22 Flaxley Road" in body and "Not assessed" in body
    assert AuditEvent.objects.filter(actor=officer, event_type="offender.briefing").exists()
    client.force_login(make_user("admin", "administrator"))
    assert client.get(reverse("offenders:briefing")).status_code == 403


def test_an_order_with_its_prohibitions(client, omu, offender):
    client.force_login(omu["dc"])
    url = reverse("offenders:order", args=[offender.pk])
    body = text(client.post(url, {"made_on_0": "31", "made_on_1": "2", "made_on_2": "2020"}))
    assert "<title>Error: " in body and "Choose the kind of order" in body and "prohibitions" in body
    assert "The date the order was made must be a real date" in body
    assert "Enter the date the order was made" not in body  # one message for the date, the form's
    assert not offender.orders.exists()
    today = clock.today_london()
    response = client.post(
        url,
        {
            "kind": "shpo",
            "made_on_0": today.day,
            "made_on_1": today.month,
            "made_on_2": today.year,
            "prohibitions": "No unsupervised contact with any child under 16.",
        },
    )
    assert response.status_code == 302
    assert "No unsupervised contact" in text(client.get(response.url))
