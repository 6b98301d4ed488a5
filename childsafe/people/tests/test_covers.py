"""A child with no recorded local authority belongs to the one covering their home postcode (longest match)."""

from __future__ import annotations

import pytest

from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditEvent
from childsafe.people import services
from childsafe.people.models import LocalAuthorityCover


def _la(name: str, covers: list[str] | None = None):
    return services.organisation_create(
        actor=None, type="local_authority", name=name, email=f"mash@{name.split()[0].lower()}.test", covers=covers
    )


def _child(postcode: str, **extra):
    return services.person_create(
        actor=None,
        forenames="Ava",
        surname="Dale",
        date_of_birth="2018-01-30",
        address=services.AddressInput(line1="6 Grove Road", town="Harrogate", postcode=postcode),
        duplicates_reviewed=True,
        **extra,
    ).person


@pytest.mark.django_db
def test_a_child_with_no_recorded_authority_is_given_the_one_covering_their_postcode():
    york = _la("York Council", ["YO1", "YO31"])
    north = _la("North Yorkshire Council", ["HG1", "YO31 9"])  # a sector inside York's district
    assert _child("HG1 5EP").local_authority == north
    assert _child("YO31 0SW").local_authority == york
    assert _child("yo319ab").local_authority == north  # the sector is the longer match
    assert _child("LS1 1AA").local_authority is None
    assert _child("YO31 0SW", local_authority=north).local_authority == north  # recorded wins


@pytest.mark.django_db
def test_setting_covers_gives_children_recorded_without_an_authority_their_authority(make_user):
    admin = make_user("admin", "administrator")
    child = _child("HG2 7AB")
    assert child.local_authority is None
    north = _la("North Yorkshire Council")
    services.organisation_covers_set(actor=admin, organisation=north, covers=["hg2", "HG1"])
    child.refresh_from_db()
    assert child.local_authority == north
    event = AuditEvent.objects.filter(event_type="organisation.covers_set").latest("id")
    assert event.new_values["covers"] == ["HG1", "HG2"] and event.new_values["children_assigned"] == 1


@pytest.mark.django_db
def test_malformed_or_already_claimed_covers_are_refused_naming_each_and_change_nothing(make_user):
    admin = make_user("admin", "administrator")
    _la("York Council", ["YO31"])
    north = _la("North Yorkshire Council", ["HG1"])
    with pytest.raises(InvalidInput) as refused:
        services.organisation_covers_set(actor=admin, organisation=north, covers=["HG1", "Y0 31X", "YO31"])
    message = refused.value.errors["covers"]
    assert "'Y0 31X' is not a postcode district or sector" in message
    assert "YO31 is already covered by York Council" in message
    assert list(LocalAuthorityCover.objects.filter(organisation=north).values_list("prefix", flat=True)) == ["HG1"]
    with pytest.raises(InvalidInput, match="YO31"):
        _la("Another Council", ["YO31"])
