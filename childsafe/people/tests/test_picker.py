"""The person picker without JavaScript, its results for the script, "record a new person" and the
child's page action bar."""

from __future__ import annotations

import html
from datetime import date

from django.urls import reverse

from childsafe.core import clock
from childsafe.people import services
from childsafe.people.models import Person
from childsafe.people.picker import born_fields, person_picker
from childsafe.people.selectors import identity_cluster


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_born_reads_a_date_a_year_or_an_approximate_age():
    assert born_fields("27/3/2009") == {"dob": date(2009, 3, 27)}
    assert born_fields("27 3 2009") == {"dob": date(2009, 3, 27)}
    assert born_fields("2009") == {"year": 2009}
    assert born_fields("about 14") == {"age_from": 13, "age_to": 15}
    assert born_fields("") == {}


def test_a_misspelt_name_finds_the_child_with_age_and_address(personas, ella):
    picker = person_picker({"child_q": "Ela Hughs"}, personas["officer"], name="child", label="Child")
    assert [c.person for c in picker.results] == [ella]
    assert picker.results[0].age == ella.age_on(clock.today_london())
    assert picker.results[0].address  # the fixture's address is shown, so the user can tell people apart
    assert not picker.possible_duplicates


def test_an_unreadable_age_is_an_error_not_an_empty_list(personas, ella):
    picker = person_picker({"child_q": "Ella", "child_born": "soon"}, personas["officer"], name="child", label="C")
    assert picker.results is None and "approximate age" in picker.error


def test_two_records_that_look_alike_are_flagged(personas, ella):
    services.person_create(
        actor=None, forenames="Ela", surname="Hughes", date_of_birth=ella.date_of_birth, duplicates_reviewed=True
    )
    picker = person_picker({"child_q": "Ella Hughes"}, personas["officer"], name="child", label="Child")
    assert len(picker.results) == 2 and picker.possible_duplicates


def test_a_partner_never_picks_a_child_outside_their_school(personas, ella):
    outsider = services.person_create(
        actor=None, forenames="Ella", surname="Hughes", date_of_birth=date(2013, 1, 2), duplicates_reviewed=True
    ).person
    partner = next(u for u in personas.values() if u.is_partner)
    picker = person_picker({"child": str(outsider.pk)}, partner, name="child", label="Child")
    assert picker.chosen == []


def test_the_script_gets_the_same_results_as_a_fragment(client, personas, ella):
    client.force_login(personas["officer"])
    response = client.get(
        reverse("people:pick"), {"name": "child", "child_q": "Ella Hughes", "next": "/missing/report/"}
    )
    page = _text(response)
    assert f'name="child" type="radio" value="{ella.pk}"' in page and "<html" not in page
    assert "Record a new person called Ella Hughes" in page
    assert client.get(reverse("people:pick"), {"name": "x'><script>"}).status_code == 404


def test_record_a_new_person_keeps_what_was_typed_and_comes_back_chosen(client, personas):
    client.force_login(personas["handler"])
    create = reverse("people:create") + "?forenames=Noor&surname=Begum&dob=2012-02-03&next=/missing/report/&pick=child"
    form = _text(client.get(create))
    assert 'value="Noor"' in form and 'value="Begum"' in form and 'value="2012"' in form
    response = client.post(
        create,
        {
            "forenames": "Noor",
            "surname": "Begum",
            "date_of_birth_0": "3",
            "date_of_birth_1": "2",
            "date_of_birth_2": "2012",
            "sex": "female",
            "duplicates_reviewed": "on",
        },
    )
    noor = Person.objects.get(forenames="Noor")
    assert response.status_code == 302 and response.url == f"/missing/report/?child={noor.pk}"
    elsewhere = client.post(
        reverse("people:create") + "?next=https://evil.example/&pick=child",
        {"forenames": "Ali", "surname": "Khan", "sex": "male", "duplicates_reviewed": "on"},
    )
    assert elsewhere.url == reverse("people:detail", args=[Person.objects.get(forenames="Ali").pk])


def test_the_childs_page_offers_what_the_role_can_do_with_the_child_filled_in(client, personas, ella):
    client.force_login(personas["officer"])
    page = _text(client.get(reverse("people:detail", args=[ella.pk])))
    assert f'href="{reverse("referrals:submit")}?child={ella.pk}" data-testid="action-ppn"' in page
    assert f'href="{reverse("missing:report")}?child={ella.pk}"' in page
    assert f'href="{reverse("incidents:create")}?child={ella.pk}"' in page
    client.force_login(personas["handler"])
    handler = _text(client.get(reverse("people:detail", args=[ella.pk])))
    assert 'data-testid="action-incident"' in handler
    assert 'data-testid="action-investigation"' not in handler  # a call handler doesn't open investigations


def test_a_duplicate_is_linked_by_choosing_it_from_the_suggestions(client, personas, ella, make_user):
    twin = services.person_create(
        actor=None, forenames="Ela", surname="Hughes", date_of_birth=ella.date_of_birth, duplicates_reviewed=True
    ).person
    # MHET works force-wide: no reason is asked for the other record (an area supervisor would give one first).
    client.force_login(make_user("mhet_linker", "mhet"))
    url = reverse("people:link", args=[ella.pk])
    page = _text(client.get(url))
    assert f'name="other" type="radio" value="{twin.pk}"' in page  # offered before any search
    assert f'name="other" type="radio" value="{ella.pk}"' not in page  # never the child herself
    empty = _text(client.post(url, {}))
    assert "Choose the other record: search by name and choose it" in empty
    assert "Enter why these records are the same person" in empty
    response = client.post(url, {"other": twin.pk, "rationale": "Same school and address; name misspelt."})
    assert response.status_code == 302
    assert twin.pk in identity_cluster(ella.pk)
