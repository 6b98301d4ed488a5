"""The intelligence check's probes (ADR 0065) skip only providers that would have shown nothing: over a whole
synthetic force with five years of history, every child's picture is the same with the probes as without."""

from __future__ import annotations

import pytest

from childsafe.core import clock
from childsafe.core.models import User
from childsafe.demo.generator import generate
from childsafe.exploitation.models import Assessment
from childsafe.missing.models import MissingEpisode, TriggerPlan
from childsafe.people.intelligence import _probes, picture
from childsafe.people.models import Person, PersonAddress

SMALL = {"scale": 0.4, "seed": 5, "history": 1, "progress": False, "plant_duplicates": 0.02}


@pytest.mark.django_db
def test_every_picture_is_the_same_with_the_probes_and_without():
    generate(**SMALL)  # with five years of history: protections, investigations and offenders included
    today = clock.today_london()
    adults = today.replace(year=today.year - 18, day=min(today.day, 28))
    children = list(Person.objects.filter(date_of_birth__gt=adults).order_by("pk"))
    # A child who lives where a registered sex offender lives (the generator houses none together).
    home = PersonAddress.objects.filter(person__offender__isnull=False, valid_to__isnull=True).first()
    assert home is not None
    PersonAddress.objects.create(person=children[0], location=home.location)
    # Nor does it give a trigger plan to a child never missing, or assess exploitation (the demo logins do).
    assessor = User.objects.create(username="probe_assessor", role="mhet")
    now = clock.now()
    quiet = Person.objects.filter(pk__in=[c.pk for c in children]).exclude(
        pk__in=MissingEpisode.objects.values("person_id")
    )
    first, second = list(quiet.order_by("pk")[:2])
    TriggerPlan.objects.create(person=first, places="The retail park", created_at=now, review_due=today)
    Assessment.objects.create(
        person=second, type="cce", level="high", assessor=assessor, assessed_at=now, review_date=today
    )
    # Every child's picture (a few hundred), and an adult or two for the offender section.
    people = children + list(Person.objects.filter(offender__isnull=False).order_by("pk")[:20])
    shown: dict[str, int] = dict.fromkeys(_probes, 0)
    lives_with_offender = 0
    for person in people:
        expected = picture(person, probes=False).as_json()
        assert picture(person).as_json() == expected, person.pk
        for section in expected["sections"]:
            if section["key"] in shown:
                shown[section["key"]] += 1
            lives_with_offender += bool(section["data"].get("lives_here"))
    # Not vacuous: each probed section was shown for someone, and most people had nothing for some of them.
    assert set(_probes) == {
        "registered_sex_offender",
        "investigations",
        "police_protection",
        "referrals",
        "exploitation",
        "trigger_plan",
        "missing_history",
        "photograph",
    }
    assert shown.pop("photograph") == 0  # the generator makes no photographs: files/tests/test_files.py holds it
    assert all(shown.values()) and lives_with_offender, shown
    assert min(shown.values()) < len(people) / 2, shown
