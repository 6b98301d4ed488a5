"""RF-8: the household's other children are people on the PPN, each referred or given the reason why not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from childsafe.core import clock
from childsafe.core.errors import InvalidInput
from childsafe.incidents import services as incidents
from childsafe.people import services as people
from childsafe.people.models import Relationship
from childsafe.people.selectors import household_children
from childsafe.referrals import services
from childsafe.referrals.models import Ppn, PpnChild, PpnDraftOtherChild, PpnOtherChild
from conftest import service_token

T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)
AWARE = {
    "appearance": "In pyjamas",
    "words": "Scared",
    "activity": "Hiding",
    "relationships": "Close to mum",
    "environment": "Broken glass",
}
MILL_STREET = {"line1": "12 Mill Street", "town": "York", "postcode": "YO1 7AA"}


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


def _person(forenames: str, born: date, address: dict | None = None):
    return people.person_create(
        actor=None,
        forenames=forenames,
        surname="Hughes",
        date_of_birth=born,
        address=people.AddressInput(**address) if address else None,
        duplicates_reviewed=True,
    ).person


@pytest.fixture
def family(ella):
    """Ella's brother Tom at her address, her sister Mia (recorded as a sibling) living with their father
    elsewhere, and their mother (an adult) at Ella's address."""
    tom = _person("Tom", date(2017, 3, 1), MILL_STREET)
    mia = _person("Mia", date(2011, 8, 9), {"line1": "3 Bootham Row", "town": "York", "postcode": "YO30 7BW"})
    mum = _person("Sarah", date(1988, 1, 2), MILL_STREET)
    Relationship.objects.create(from_person=mia, to_person=ella, type="sibling", created_at=T0)
    return {"tom": tom, "mia": mia, "mum": mum}


def child(person):
    return services.PpnChildInput(person, aware=dict(AWARE), voice="'Dad was shouting'", ethnicity="W1")


@pytest.mark.django_db
def test_the_household_is_the_childs_address_and_siblings_children_only(ella, family):
    found = household_children([ella.pk])
    assert [(h.person.forenames, h.why) for h in found] == [
        ("Mia", "sibling"),
        ("Tom", "lives at the same address"),
    ]


@pytest.mark.django_db
def test_a_child_found_two_ways_is_proposed_once_for_the_nearest_and_past_homes_do_not_count(ella, family):
    tom, mia = family["tom"], family["mia"]
    # Tom is also recorded as Ella's sibling (from her side): he is still proposed once, as living with her.
    Relationship.objects.create(from_person=ella, to_person=tom, type="sibling", created_at=T0)
    # Ben lived at Mill Street until last year; Jo is recorded in the household; Kai's link to her has ended.
    ben = _person("Ben", date(2015, 5, 5), MILL_STREET)
    ben.addresses.update(valid_to=date(2021, 12, 31))
    jo = _person("Jo", date(2013, 2, 2))
    kai = _person("Kai", date(2014, 4, 4))
    Relationship.objects.create(from_person=jo, to_person=ella, type="household", created_at=T0)
    Relationship.objects.create(
        from_person=ella, to_person=kai, type="household", created_at=T0, valid_to=date(2020, 1, 1)
    )
    found = household_children([ella.pk])
    assert [(h.person.forenames, h.why) for h in found] == [
        ("Jo", "in the same household"),
        ("Mia", "sibling"),
        ("Tom", "lives at the same address"),
    ]
    # Two children referred together: neither is proposed for the other.
    assert [h.person.forenames for h in household_children([ella.pk, tom.pk, mia.pk])] == ["Jo"]


@pytest.mark.django_db
def test_the_prompt_names_the_children_left_unaddressed(personas, ella, family):
    submitted = services.ppn_submit(
        actor=personas["officer"],
        concern="Domestic abuse",
        children=[child(ella)],
        other_children="A friend, Jo, stays at weekends.",
    )
    rf8 = [p for p in submitted.prompts if p.rule_id == "RF-8"]
    assert len(rf8) == 1 and "Tom Hughes" in rf8[0].message and "Mia Hughes" in rf8[0].message
    assert "Sarah" not in rf8[0].message  # an adult is not another child


@pytest.mark.django_db
def test_each_child_referred_or_given_a_reason_leaves_nothing_to_ask(personas, ella, family):
    submitted = services.ppn_submit(
        actor=personas["officer"],
        concern="Domestic abuse",
        children=[child(ella), child(family["tom"])],
        other_people=[services.OtherChildInput(family["mia"], "Lives with her father; not present; PPN 17 today.")],
    )
    assert [p.rule_id for p in submitted.prompts if p.rule_id == "RF-8"] == []
    ppn = submitted.ppn
    assert {c.person for c in ppn.children.all()} == {ella, family["tom"]}
    other = ppn.other_people.get()
    assert other.person == family["mia"] and other.reason.startswith("Lives with her father")


@pytest.mark.django_db
def test_a_child_listed_without_a_reason_is_refused_and_nothing_saved(personas, ella, family):
    with pytest.raises(InvalidInput) as refused:
        services.ppn_submit(
            actor=personas["officer"],
            concern="Domestic abuse",
            children=[child(ella), child(family["tom"])],
            other_people=[
                services.OtherChildInput(family["mia"], "  "),
                services.OtherChildInput(family["tom"], "Asleep"),
            ],
        )
    errors = refused.value.errors
    assert errors[f"o{family['mia'].pk}_reason"] == (
        "Give the reason Mia Hughes is not referred on this PPN, or add them to it."
    )
    assert "also listed as not referred" in errors[f"o{family['tom'].pk}_reason"]
    assert not Ppn.objects.exists() and not PpnChild.objects.exists() and not PpnOtherChild.objects.exists()


@pytest.mark.django_db
def test_a_household_child_may_be_referred_on_an_incidents_ppn(personas, ella, family):
    incident = incidents.incident_record(
        actor=personas["handler"],
        type="domestic_abuse",
        grade=1,
        location="12 Mill Street, York",
        summary="Woman assaulted by partner.",
        children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
    ).incident
    submitted = services.ppn_submit(
        actor=personas["officer"],
        concern="Domestic abuse",
        children=[child(ella), child(family["tom"])],
        incident=incident,
        other_people=[services.OtherChildInput(family["mia"], "Lives elsewhere")],
    )
    assert submitted.ppn.children.count() == 2
    with pytest.raises(InvalidInput, match="is not on incident"):
        services.ppn_submit(
            actor=personas["officer"], concern="x", children=[child(ella), child(family["mum"])], incident=incident
        )


@pytest.mark.django_db
def test_a_draft_keeps_an_unfinished_reason_and_its_submission_refuses_it(personas, ella, family):
    officer = personas["officer"]
    draft = services.ppn_draft_save(
        actor=officer,
        concern="Domestic abuse",
        children=[child(ella)],
        other_people=[services.OtherChildInput(family["mia"], "")],
    )
    assert PpnDraftOtherChild.objects.get(draft=draft).person == family["mia"]
    with pytest.raises(InvalidInput, match="Give the reason Mia Hughes"):
        services.ppn_draft_submit(
            actor=officer,
            draft=draft,
            concern="Domestic abuse",
            children=[child(ella)],
            other_people=[services.OtherChildInput(family["mia"], "")],
        )
    assert PpnDraftOtherChild.objects.filter(draft=draft).exists() and not Ppn.objects.exists()
    submitted = services.ppn_draft_submit(
        actor=officer,
        draft=draft,
        concern="Domestic abuse",
        children=[child(ella), child(family["tom"])],
        other_people=[services.OtherChildInput(family["mia"], "Lives with her father")],
    )
    assert submitted.ppn.other_people.get().reason == "Lives with her father"
    assert not PpnDraftOtherChild.objects.exists()


def _post(ella, **extra) -> dict[str, str]:
    data = {f"c{ella.pk}_{k}": v for k, v in AWARE.items()}
    data |= {f"c{ella.pk}_voice": "'Dad was shouting'", f"c{ella.pk}_ethnicity": "W1", "concern": "DA"}
    data |= {"other_children": "", "action": "submit"}
    return data | extra


@pytest.mark.django_db
def test_the_form_proposes_the_household_and_adds_a_child_without_script(client, personas, ella, family):
    tom, mia = family["tom"], family["mia"]
    client.force_login(personas["officer"])
    url = f"/referrals/submit/?children={ella.pk}"
    page = client.get(url).content.decode()
    assert f'data-testid="other-{tom.pk}"' in page and f'data-testid="other-{mia.pk}"' in page
    assert f'data-testid="other-{family["mum"].pk}"' not in page
    # "Not referred" with no reason: refused plainly, on the child's field, nothing saved.
    refused = client.post(url, _post(ella, **{f"o{mia.pk}_choice": "not"}))
    text = refused.content.decode()
    assert "<title>Error:" in text and "Give the reason Mia Hughes is not referred on this PPN" in text
    assert not Ppn.objects.exists()
    # Adding Tom brings his sections onto the form; what was typed stays.
    added = client.post(url, _post(ella, **{f"o{tom.pk}_choice": "add", f"o{mia.pk}_choice": "not"}))
    text = added.content.decode()
    assert 'data-testid="added-now"' in text and f'name="c{tom.pk}_voice"' in text and "Error:" not in text
    assert "Dad was shouting" in text
    assert not Ppn.objects.exists()
    tom_fields = {f"c{tom.pk}_{k}": v for k, v in AWARE.items()} | {
        f"c{tom.pk}_voice": "Asleep upstairs; not spoken to",
        f"c{tom.pk}_ethnicity": "W1",
    }
    done = client.post(
        url,
        _post(
            ella,
            also=[str(ella.pk), str(tom.pk)],
            **tom_fields,
            **{
                f"o{mia.pk}_choice": "not",
                f"o{mia.pk}_reason": "Lives with her father",
            },
        ),
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    ppn = Ppn.objects.get()
    assert {c.person for c in ppn.children.all()} == {ella, tom}
    assert ppn.other_people.get().person == mia
    detail = client.get(done["Location"]).content.decode()
    assert "Lives with her father" in detail and "Mia Hughes" in detail


@pytest.mark.django_db
def test_the_api_carries_the_other_children(personas, ella, family):
    raw = service_token(personas["administrator"], personas["officer"], "t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "concern": "Neglect",
        "children": [{"person_id": ella.pk, "aware": AWARE, "voice": "'Hungry'", "ethnicity": "W1"}],
        "other_people": [{"person_id": family["mia"].pk, "reason": ""}],
        "other_children": "",
    }
    refused = api.post("/api/v1/referrals/ppns", body, content_type="application/json")
    assert refused.status_code == 422 and "Give the reason Mia Hughes" in refused.content.decode()
    assert not Ppn.objects.exists()
    body["other_people"][0]["reason"] = "Lives with her father"
    made = api.post("/api/v1/referrals/ppns", body, content_type="application/json")
    assert made.status_code == 201, made.content
    prompts = [p for p in made.json()["prompts"] if p["rule_id"] == "RF-8"]
    assert len(prompts) == 1 and "Tom Hughes" in prompts[0]["message"] and "Mia" not in prompts[0]["message"]
    assert Ppn.objects.get().other_people.get().person == family["mia"]
