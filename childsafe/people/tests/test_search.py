"""Person search: each kind of name and date variant finds the child, ranked, with why; bad input refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childsafe.core.errors import InvalidInput
from childsafe.people import intelligence, search, services
from childsafe.people.access import people_visible_to

TODAY = date(2026, 11, 22)


def make(forenames: str, surname: str, dob: date | None, **extra):
    return services.person_create(
        actor=None, forenames=forenames, surname=surname, date_of_birth=dob, duplicates_reviewed=True, **extra
    ).person


def top(limit: int = 5, **fields) -> list[str]:
    hits = search.find(search.wanted_from(today=TODAY, **fields))
    return [f"{h.person.forenames} {h.person.surname}" for h in hits[:limit]]


def reasons_for(person, **fields) -> list[str]:
    hits = search.find(search.wanted_from(today=TODAY, **fields))
    return next(h.match.reasons for h in hits if h.person.pk == person.pk)


@pytest.fixture
def crowd(db):
    """Children whose names are near one another, so a right answer has to beat wrong ones."""
    people = {
        "jayden": make("Jayden", "Smith", date(2011, 4, 3)),
        "jayden_2012": make("Jayden", "Smith", date(2012, 9, 30)),
        "jade": make("Jade", "Smithson", date(2011, 4, 3)),
        "kathryn": make("Kathryn", "Hughes", date(2010, 1, 17)),
        "katie_other": make("Katie", "Howard", date(2010, 1, 17)),
        "mohammed": make("Mohammed", "Chaudhry", date(2012, 6, 8)),
        "barrelled": make("Amelia", "Smith-Jones", date(2013, 2, 11)),
        "jones": make("Amelia", "Jones", date(2001, 7, 19)),
    }
    for i in range(20):  # a year group of other Smiths
        make(f"Child{i:02d}", "Smith", date(2011, 1 + i % 12, 1 + i))
    return people


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "expected", "why"),
    [
        ({"q": "Jayden Smith", "dob": date(2011, 4, 3)}, "Jayden Smith", "same date of birth"),
        ({"q": "Jayden Smtih", "dob": date(2011, 4, 3)}, "Jayden Smith", "surname spelt differently"),
        ({"q": "Jayden Smiith"}, "Jayden Smith", "surname spelt differently"),
        ({"q": "Jaydn Smith", "dob": date(2011, 4, 3)}, "Jayden Smith", "first name spelt differently"),
        (
            {"q": "Jay Smith", "dob": date(2011, 4, 3)},
            "Jayden Smith",
            "first name is a known short form or other spelling",
        ),
        ({"q": "Jayden Smyth", "year": 2011}, "Jayden Smith", "born in 2011"),
        ({"q": "Jayden Smith", "dob": date(2011, 3, 4)}, "Jayden Smith", "date of birth with day and month swapped"),
        (
            {"q": "Katie Hughes", "dob": date(2010, 1, 17)},
            "Kathryn Hughes",
            "first name is a known short form or other spelling",
        ),
        ({"q": "Kathryn Hughs", "age_from": 16, "age_to": 17}, "Kathryn Hughes", "aged 16 to 17"),
        (
            {"q": "Muhammad Choudhury", "dob": date(2012, 6, 8)},
            "Mohammed Chaudhry",
            "surname is a known short form or other spelling",
        ),
        ({"q": "Mohamed Chaudhry"}, "Mohammed Chaudhry", "first name is a known short form or other spelling"),
        (
            {"q": "Amelia Smith", "dob": date(2013, 2, 11)},
            "Amelia Smith-Jones",
            "one part of a double-barrelled surname matches",
        ),
        ({"q": "Amelia Jones", "year": 2013}, "Amelia Smith-Jones", "one part of a double-barrelled surname matches"),
        ({"q": "Amelia Smith Jones"}, "Amelia Smith-Jones", "same surname"),
        ({"q": "Amelia Smithjones"}, "Amelia Smith-Jones", "same surname"),
    ],
)
def test_each_kind_of_variant_finds_the_child_first_and_says_why(crowd, fields, expected, why):
    hits = search.find(search.wanted_from(today=TODAY, **fields))
    assert hits, f"nothing found for {fields}"
    best = hits[0]
    assert f"{best.person.forenames} {best.person.surname}" == expected
    assert why in best.match.reasons


@pytest.mark.django_db
def test_exact_match_ranks_above_near_misses(crowd):
    hits = search.find(search.wanted_from(today=TODAY, q="Jayden Smith", dob=date(2011, 4, 3)))
    assert hits[0].person == crowd["jayden"] and hits[0].match.score == 1.0
    assert all(h.match.score < 1.0 for h in hits[1:])
    # A mistyped day: nothing strong on the exact date, so the wider net finds the child first and the
    # namesake born a year later below.
    hits = search.find(search.wanted_from(today=TODAY, q="Jayden Smith", dob=date(2011, 4, 4)))
    ranked = [h.person for h in hits]
    assert ranked[0] == crowd["jayden"] and "same month and year of birth" in hits[0].match.reasons
    assert crowd["jayden_2012"] in ranked[1:]


@pytest.mark.django_db
def test_one_word_is_tried_as_a_first_name_and_as_a_surname(crowd):
    assert "Kathryn Hughes" in top(q="Kathryn", limit=25)
    assert "Kathryn Hughes" in top(q="Hughes", limit=25)


@pytest.mark.django_db
def test_date_of_birth_alone_finds_the_date_and_its_swap(crowd):
    names = top(dob=date(2011, 4, 3), limit=25)
    assert "Jayden Smith" in names and "Jade Smithson" in names
    swapped = search.find(search.wanted_from(today=TODAY, dob=date(2011, 3, 4)))
    assert {h.person.pk for h in swapped} >= {crowd["jayden"].pk, crowd["jade"].pk}
    assert "date of birth with day and month swapped" in swapped[0].match.reasons


@pytest.mark.django_db
def test_a_range_of_birth_leaves_out_people_born_outside_it(crowd):
    names = top(q="Amelia Jones", age_from=12, age_to=14, limit=25)
    assert "Amelia Smith-Jones" in names and "Amelia Jones" not in names


@pytest.mark.django_db
def test_other_names_are_searched(db):
    person = make("Tyler", "Brown", date(2012, 5, 5), other_names=[("Ty", "Black", "alias")])
    assert top(q="Ty Black") == ["Tyler Brown"]
    assert "known as Ty Black" in reasons_for(person, q="Ty Black")


@pytest.mark.django_db
def test_address_postcode_and_school_narrow_and_explain(db, hill_primary, ouse_academy):
    address = services.AddressInput(line1="12 Mill Street", town="York", postcode="YO1 7AA")
    at_hill = make("Sam", "Carter", date(2012, 3, 3), school=hill_primary, address=address)
    make("Sam", "Carter", date(2012, 3, 3), school=ouse_academy)
    hits = search.find(search.wanted_from(today=TODAY, q="Sam Carter", school="hill"))
    assert hits[0].person == at_hill and "at Hill Primary" in hits[0].match.reasons
    hits = search.find(search.wanted_from(today=TODAY, q="Sam Carter", address="yo17aa"))
    assert hits[0].person == at_hill and "address matches yo17aa" in hits[0].match.reasons
    # Searched alone, a place selects: a full postcode, the first half of one, words of the address.
    for place in ({"address": "YO1 7AA"}, {"address": "YO1"}, {"address": "mill street"}, {"school": "Hill Prim"}):
        assert [h.person for h in search.find(search.wanted_from(today=TODAY, **place))] == [at_hill], place
    assert top(address="YO1", year=2011) == []


@pytest.mark.django_db
def test_the_search_only_returns_people_the_user_may_see(personas, ella):
    make("Ella", "Hughes", date(2014, 5, 20))  # not at the school
    school_user = personas["right_school"]
    hits = search.find(search.wanted_from(q="Ella Hughes"), queryset=people_visible_to(school_user))
    assert [h.person for h in hits] == [ella]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({}, "q", "Enter a name, a date of birth, an address or postcode, or a school"),
        ({"year": 2011}, "q", "needs a name, an address or a school"),
        ({"q": "Smith", "year": 1850}, "year", "between 1900 and 2026"),
        ({"q": "Smith", "age_from": 15, "age_to": 12}, "age_to", "the same as or more than the youngest"),
        ({"q": "Smith", "age_from": -1}, "age_from", "from 0 to 120"),
        ({"q": "Smith", "dob": date(2027, 1, 1)}, "dob", "today or in the past"),
        ({"address": "Y"}, "address", "at least two letters"),
    ],
)
def test_bad_searches_say_what_to_put_right(db, fields, field, says):
    with pytest.raises(InvalidInput) as refused:
        search.wanted_from(today=TODAY, **fields)
    assert says in refused.value.errors[field]


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_matches(db):
    def count(n: int) -> int:
        for i in range(n):
            make(f"Name{i}", "Walker", date(2011, 1 + i % 12, 1 + i % 28), other_names=[("", f"Walkr{i}", "alias")])
        with CaptureQueriesContext(connection) as queries:
            search.find(search.wanted_from(today=TODAY, q="Name1 Walker", dob=date(2011, 2, 2), school="Hill"))
        return len(queries)

    assert count(3) == count(30)


@pytest.mark.django_db
def test_a_hidden_duplicate_with_a_firearms_marker_on_a_misspelt_record_is_shown(db):
    """PL-2/CR-4: the marker sits on a record nobody has linked yet; the handler still sees it."""
    child = make("Jayden", "Smith", date(2011, 4, 3))
    hidden = make("Jay", "Smtih", date(2011, 3, 4))  # nickname, misspelt surname, day and month swapped
    services.marker_add(actor=None, person=hidden, type="firearms", source="Intelligence log 5120")
    make("Jayden", "Smith", date(2004, 8, 1))  # a different Jayden Smith: not offered

    found = search.find(search.wanted_from(today=TODAY, q="Jaden Smith", dob=date(2011, 4, 3)))
    assert found[0].person == child
    shown = intelligence.picture(found[0].person)
    section = next(s for s in shown.sections if s.key == "possible_duplicates")
    assert section.data == {"records": [hidden.pk], "high_harm": ["firearms"], "types": ["firearms"]}
    assert shown.shown_markers == ["firearms"] and shown.markers == []
    assert "Firearms" in section.warning and "Jay Smtih" in section.items[0]
    assert [s.key for s in shown.sections][:2] == ["markers", "possible_duplicates"]

    # Once linked, the marker counts as the child's own (and the records are no longer "possible").
    analyst = services_user()
    services.identity_link(
        actor=analyst, person=child, other=hidden, rationale="Same school, same address, same mother"
    )
    shown = intelligence.picture(child)
    assert "firearms" in shown.high_harm
    assert all(s.key != "possible_duplicates" for s in shown.sections)


def services_user():
    from childsafe.core import services as core_services

    return core_services.user_create(
        actor=None, username="analyst", role="analyst", password="x" * 16, check_password=False
    )


@pytest.mark.django_db
def test_the_search_page_takes_every_kind_of_detail_and_shows_errors_on_the_field(client, personas, ella):
    from conftest import PASSWORD

    assert client.login(username=personas["handler"].username, password=PASSWORD)
    page = client.get("/people/", {"q": "Elle Hughes", "year": "2014", "school": "hill", "address": "YO1"})
    text = page.content.decode()
    assert page.status_code == 200 and f"/people/{ella.pk}/" in text
    assert "first name spelt differently" in text and "at Hill Primary" in text and "born in 2014" in text
    page = client.get("/people/", {"q": "Hughes", "age_from": "14", "age_to": "10"})
    text = page.content.decode()
    assert "The oldest age must be the same as or more than the youngest age." in text
    assert "govuk-error-summary" in text and "result" not in text.split("govuk-error-summary")[0]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements (ADR 0063)")
def test_the_searchs_statements_are_the_same_whatever_was_typed_so_postgresql_plans_them_once(crowd):
    """ADR 0066: a short name and a long one have different numbers of dictionary keys and variants; as
    IN lists that was a new statement each time, parsed and planned afresh. Now one text per shape."""

    def statements(**fields) -> list[str]:
        sent: list[str] = []

        def record(execute, sql, params, many, context):
            sent.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            hits = search.find(search.wanted_from(today=TODAY, **fields))
        assert hits, fields
        return [sql for sql in sent if '"people_person"."' not in sql]  # not the ORM's read of the hits themselves

    short = statements(q="Jade Smith", dob=date(2011, 4, 3))
    long = statements(q="Mohammed Chaudhry", dob=date(2012, 6, 8))
    assert len(short) >= 3  # the dictionary, the other names, the candidates
    assert short == long


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements (ADR 0063)")
def test_without_an_exact_date_the_candidates_are_planned_for_the_names_given_never_prepared(crowd):
    """ADR 0066: a generic plan for "these names, any date" can start from the wrong index (a second at ten
    million people); with an exact date, the candidates' statement is prepared as every other statement."""

    def prepared_candidate_reads() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [s for (s,) in cursor.fetchall() if s.startswith("SELECT id, forenames, surname, date_of_birth")]

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what making the crowd prepared (psycopg forgets them too)
    for _ in range(3):
        assert top(q="Jayden Smith") and top(q="Smith", year=2011)
    assert prepared_candidate_reads() == []
    assert connection.connection.prepare_threshold == 1  # preparing is back on for everything else
    for _ in range(3):
        assert top(q="Jayden Smith", dob=date(2011, 4, 3))
    assert prepared_candidate_reads() != []
