"""MP-3 and PL-2: a marker on a record that may be the child counts when grading, until the grading links
the record, rules it out with a reason, or addresses the marker."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from childsafe.core import clock, engine
from childsafe.core.errors import InvalidInput
from childsafe.core.models import Alert
from childsafe.missing import services
from childsafe.missing.services import DuplicateDecision
from childsafe.people import services as people_services
from childsafe.people.models import IdentityLink, NotSamePerson

T0 = datetime(2025, 3, 10, 21, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


def sweep_at(minutes: int) -> None:
    clock.set_now(T0 + timedelta(minutes=minutes))
    engine.sweep()


@pytest.fixture
def liam(db):
    """Liam has no markers on his own record; a misspelt record with his date of birth holds firearms."""
    liam = people_services.person_create(
        actor=None, forenames="Liam", surname="Carter", date_of_birth=date(2008, 3, 2), duplicates_reviewed=True
    ).person
    other = people_services.person_create(
        actor=None, forenames="Liam", surname="Cartor", date_of_birth=date(2008, 3, 2), duplicates_reviewed=True
    ).person
    people_services.marker_add(actor=None, person=other, type="firearms", source="Intelligence log 88")
    return liam, other


@pytest.fixture
def people(make_user):
    return {"handler": make_user("handler", "call_handler"), "fim": make_user("fim", "fim")}


def report(people, child):
    return services.missing_report(actor=people["handler"], child=child, reported_by="Carer")


@pytest.mark.django_db
def test_an_unaddressed_duplicates_firearms_marker_raises_mp3(people, liam):
    child, other = liam
    reported = report(people, child)
    assert "firearms" in reported.picture.shown_markers and reported.picture.markers == []
    graded = services.episode_grade(
        actor=people["fim"], episode=reported.episode, grade="medium", rationale="Went to a friend's house before."
    )
    assert any(p.rule_id == "MP-3" and "Firearms" in p.message for p in graded.prompts)
    sweep_at(1)
    alert = Alert.objects.open().get(rule_id="MP-3")
    assert "may be them has Firearms" in alert.reason and alert.owner_role == "fim"


@pytest.mark.django_db
def test_addressing_the_marker_or_ruling_the_record_out_clears_mp3(people, liam):
    child, other = liam
    episode = report(people, child).episode
    services.episode_grade(actor=people["fim"], episode=episode, grade="medium", rationale="Friend's house.")
    sweep_at(1)
    assert Alert.objects.open().filter(rule_id="MP-3").exists()
    episode.refresh_from_db()
    with pytest.raises(InvalidInput) as refused:
        services.episode_grade(
            actor=people["fim"],
            episode=episode,
            grade="medium",
            rationale="Friend's house.",
            duplicates={other.pk: DuplicateDecision("not_same", "  ")},
        )
    assert "not the same child" in refused.value.errors[f"duplicate_{other.pk}"]
    assert not NotSamePerson.objects.exists()
    services.episode_grade(
        actor=people["fim"],
        episode=episode,
        grade="medium",
        rationale="Friend's house.",
        duplicates={other.pk: DuplicateDecision("not_same", "Cartor's carer confirmed a different child, seen today.")},
    )
    sweep_at(2)
    assert not Alert.objects.open().filter(rule_id="MP-3").exists()
    assert NotSamePerson.objects.count() == 1
    # Once ruled out, the record is no longer offered as this child at the next check.
    assert "firearms" not in report(people, child).picture.shown_markers


@pytest.mark.django_db
def test_linking_the_record_makes_its_marker_the_childs_own(people, liam):
    child, other = liam
    episode = report(people, child).episode
    graded = services.episode_grade(
        actor=people["fim"],
        episode=episode,
        grade="high",
        rationale="Firearms on his other record.",
        markers_acknowledged={"firearms": "Linked record: associates carry guns."},
        duplicates={other.pk: DuplicateDecision("link", "Same child: same date of birth, name misspelt.")},
    )
    assert IdentityLink.objects.filter(unlinked_at__isnull=True).count() == 1
    assert not any(p.rule_id == "MP-3" for p in graded.prompts)
    sweep_at(1)
    assert not Alert.objects.open().filter(rule_id="MP-3").exists()
