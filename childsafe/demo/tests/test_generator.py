"""The synthetic demo force: what it contains, that it is reproducible, and the demo logins."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q

from childsafe.core import clock
from childsafe.core.models import AuditEvent, User
from childsafe.core.roles import PARTNER_ROLES, Role
from childsafe.demo import generator
from childsafe.demo.generator import generate
from childsafe.demo.logins import DEMO_PASSWORD, NotADemoDatabase, ensure_demo_users
from childsafe.people import identity, places
from childsafe.people.models import (
    Location,
    Organisation,
    Person,
    PersonAddress,
    Relationship,
    SchoolEnrolment,
    WarningMarker,
)

SMALL = {"scale": 0.05, "seed": 7, "progress": False, "plant_duplicates": 0.1}


class _Rollback(Exception):
    pass


@pytest.fixture
def small_force(db):
    return generate(**SMALL)


def test_every_town_is_in_a_command_area():
    for town in generator.TOWNS:
        assert places.area_code_for_town(town) in {"city", "west", "east"}, town


def test_small_force_has_people_households_and_children(small_force):
    today = clock.today_london()
    # Distinct synthetic individuals: everyone but the planted duplicates.
    people = Person.objects.filter(Q(synthetic_truth_id__isnull=True) | Q(synthetic_truth_id=F("pk")))
    assert small_force.people == people.count()
    assert 250 <= small_force.people < 260  # whole households: the last one may go a little over
    children = [p for p in people if p.is_child_on(today)]
    assert len(children) == small_force.children
    assert 0.12 < len(children) / small_force.people < 0.35
    assert Person.objects.count() == small_force.people + small_force.duplicates
    # Everyone lives somewhere in a town with a command area, and has a self-defined ethnicity code.
    assert not Person.objects.filter(area__isnull=True).exists()
    assert PersonAddress.objects.filter(person__in=people).values("person").distinct().count() == small_force.people
    assert not Person.objects.filter(synthetic_truth_id__isnull=True, ethnicity_self_defined="").exists()
    codes = Counter(Person.objects.values_list("ethnicity_self_defined", flat=True))
    assert codes.most_common(1)[0][0] == "W1"
    # Phonetic keys and normalised locations are the ones the services would compute.
    for person in Person.objects.all()[:50]:
        assert person.surname_key == identity.phonetic_key(person.surname)
        assert person.forename_key == identity.phonetic_key(person.forenames)
    for location in Location.objects.all()[:50]:
        assert location.normalised == places.location_key(
            location.name, location.line1, location.line2, location.town, location.postcode
        )
        assert location.postcode == places.normalise_postcode(location.postcode)
    # Every child has the local authority that would be told when they go missing (MP-9, RF-9).
    assert all(c.local_authority_id for c in children)


def test_small_force_has_councils_schools_and_homes(small_force):
    councils = Organisation.objects.filter(type="local_authority")
    assert set(councils.values_list("name", flat=True)) == {"North Yorkshire Council", "City of York Council"}
    for council in councils:
        assert council.email.endswith(".test") and council.manager_email.endswith(".test")
    schools = Organisation.objects.filter(type="school")
    assert schools.count() == small_force.schools >= generator.MIN_SCHOOLS
    for school in schools:
        assert len(school.urn) == 6 and school.urn.isdigit()
        assert school.key_adult_name and school.key_adult_email.endswith(".test")
        assert school.calendar == {"base": "england_default"}
        assert school.local_authority in councils
        school.full_clean()
    homes = Organisation.objects.filter(type="childrens_home")
    assert homes.count() == small_force.childrens_homes >= generator.MIN_HOMES
    assert all(home.local_authority_id for home in homes)
    placed = Person.objects.filter(placement__isnull=False)
    assert placed.exists() and not placed.filter(looked_after=False).exists()
    assert placed.count() >= small_force.placed_in_homes


def test_small_force_has_enrolments_markers_and_relationships(small_force):
    today = clock.today_london()
    enrolments = SchoolEnrolment.objects.select_related("person")
    assert enrolments.exists()
    for enrolment in enrolments:
        age = enrolment.person.age_on(today)
        assert 4 <= age <= 17, age
        assert enrolment.valid_from <= today and enrolment.valid_to is None
    markers = Counter(WarningMarker.objects.values_list("type", flat=True))
    assert sum(markers.values()) == sum(small_force.markers.values()) > 0
    assert markers.keys() & {"cse", "cce", "county_lines"}, markers
    relationships = Counter(Relationship.objects.values_list("type", flat=True))
    assert {"parent", "partner"} <= relationships.keys()
    assert relationships["suspected_exploiter"] + relationships["associate"] >= 1
    for rel in Relationship.objects.filter(type="suspected_exploiter").select_related("from_person", "to_person"):
        assert not rel.from_person.is_child_on(today) and rel.to_person.is_child_on(today)
        assert rel.from_person.markers.exists() and rel.to_person.markers.exists()
    # A sample passes the models' own validation, as if a service had written it.
    for row in [*Person.objects.all()[:40], *WarningMarker.objects.all()[:40], *Relationship.objects.all()[:40]]:
        row.full_clean()


def test_a_household_is_a_real_family(small_force):
    """Brothers and sisters share a surname, never a forename; two of one age are twins born on one day;
    the others are born at least ten months apart (so linkage is measured on families as they are)."""
    siblings = Relationship.objects.filter(type="sibling", from_person__synthetic_truth_id=None).select_related(
        "from_person", "to_person"
    )
    assert siblings.exists()
    for rel in siblings:
        a, b = rel.from_person, rel.to_person
        assert a.forenames != b.forenames, (a, b)
        assert a.surname == b.surname, (a, b)
        apart = abs((a.date_of_birth - b.date_of_birth).days)
        assert apart == 0 or apart >= 300, (a, b)


def test_planted_duplicates_share_the_truth_and_some_markers_are_only_on_the_duplicate(small_force):
    duplicates = Person.objects.filter(synthetic_truth_id__isnull=False).exclude(synthetic_truth_id=F("pk"))
    assert duplicates.count() == small_force.duplicates >= 1
    marker_only_on_duplicate = 0
    for duplicate in duplicates:
        original = Person.objects.get(pk=duplicate.synthetic_truth_id)
        assert original.synthetic_truth_id == original.pk
        assert original.is_child_on(clock.today_london())
        assert (duplicate.forenames, duplicate.surname, duplicate.date_of_birth) != (
            original.forenames,
            original.surname,
            original.date_of_birth,
        )
        # A realistic error: the matcher still finds them alike by name or date of birth.
        match = identity.score(
            original.forenames,
            original.surname,
            original.date_of_birth,
            duplicate.forenames,
            duplicate.surname,
            duplicate.date_of_birth,
        )
        assert match.score > 0.5, (original, duplicate, match)
        own = set(duplicate.markers.values_list("type", flat=True))
        if own - set(original.markers.values_list("type", flat=True)):
            marker_only_on_duplicate += 1
    assert marker_only_on_duplicate >= 1
    assert small_force.duplicate_only_markers == marker_only_on_duplicate


def test_the_same_seed_gives_the_same_force_and_another_seed_does_not(db):
    def snapshot(**kwargs):
        generate(**kwargs)
        return {
            "people": list(
                Person.objects.order_by("pk").values_list(
                    "forenames", "surname", "date_of_birth", "sex", "ethnicity_self_defined"
                )
            ),
            "addresses": list(Location.objects.order_by("pk").values_list("line1", "town", "postcode")),
            "markers": sorted(WarningMarker.objects.values_list("person__surname", "type")),
            "schools": list(Organisation.objects.filter(type="school").order_by("pk").values_list("name", "urn")),
        }

    def in_rollback(**kwargs):
        result = {}
        with pytest.raises(_Rollback), transaction.atomic():
            result.update(snapshot(**kwargs))
            raise _Rollback
        assert not Person.objects.exists()
        return result

    first = in_rollback(**SMALL)
    again = in_rollback(**SMALL)
    other = in_rollback(**{**SMALL, "seed": 8})
    assert first == again
    assert first["people"] != other["people"]


def test_one_audit_event_records_the_generation(small_force):
    events = AuditEvent.objects.filter(event_type="demo.generate")
    assert events.count() == 1
    event = events.get()
    assert event.category == "collection" and event.channel == "cli" and event.actor is None
    assert event.subject_type == "demo" and event.subject_id == "7"
    assert event.new_values["people"] == small_force.people
    assert event.new_values["duplicates"] == small_force.duplicates
    assert AuditEvent.objects.count() == 1  # not one per person


def test_demo_users_one_per_role_idempotent(small_force):
    rows = ensure_demo_users()
    users = {u.username: u for u in User.objects.all()}
    assert {u.role for u in users.values()} == set(Role.values)
    assert [r[0] for r in rows] == [r[0] for r in ensure_demo_users()]  # a second run changes nothing
    assert User.objects.count() == len(rows)
    assert AuditEvent.objects.filter(event_type="user.create").count() == len(rows)

    assert users["cii_east"].area.code == "east" and users["pc_city"].area.code == "city"
    assert users["pc_city"].line_manager == users["sgt_city"]
    assert users["pc_city2"].line_manager == users["sgt_city"]
    assert set(users["sgt_city"].reports.values_list("username", flat=True)) == {"pc_city", "pc_city2"}
    for user in users.values():
        if user.role in PARTNER_ROLES:
            assert user.organisation is not None
    assert users["school_dsl"].organisation.type == "school"
    assert users["la_york"].organisation.name == "City of York Council"
    assert authenticate(username="fim", password=DEMO_PASSWORD) == users["fim"]


def test_demo_users_are_refused_on_a_database_without_a_demo_force(db, ella):
    with pytest.raises(NotADemoDatabase):
        ensure_demo_users()
    assert not User.objects.exists()


def test_generate_command_refuses_when_people_exist(db, ella):
    with pytest.raises(CommandError, match="already holds 1 people"):
        call_command("generate", "--scale", "0.02", "--no-progress")
    assert Person.objects.count() == 1


def test_generate_command_prints_the_counts_and_appends_only_with_a_new_seed(db):
    out = StringIO()
    call_command("generate", "--scale", "0.02", "--seed", "3", "--no-progress", stdout=out)
    assert "People:              10" in out.getvalue()  # about 100: whole households
    with pytest.raises(CommandError, match="seed 3"):
        call_command("generate", "--scale", "0.02", "--seed", "3", "--no-progress", "--append")
    call_command("generate", "--scale", "0.02", "--seed", "4", "--no-progress", "--append", stdout=StringIO())
    assert Organisation.objects.filter(type="local_authority").count() == 2  # councils are reused
    urns = Organisation.objects.filter(type="school").values("urn").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in urns)
