"""Bulk linkage (PL-2): the DuckDB linkage finds the generator's planted duplicates, and an analyst's
decisions stick (a rejected pair is not suggested again; a confirmed one is linked and merges markers)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import AuditEvent
from childsafe.demo.generator import generate
from childsafe.linkage import services
from childsafe.linkage.models import LinkageRun, LinkSuggestion, SuggestionStatus
from childsafe.people import selectors
from childsafe.people import services as people_services
from childsafe.people.models import IdentityLink, Person

QUALITY_FLOOR = 0.9


@pytest.fixture
def planted_force(db):
    # A small force with a lot of planted duplicates (every fifth child), so the quality figures mean something.
    return generate(scale=0.4, seed=11, progress=False, plant_duplicates=0.2)


def _pairs(result: services.LinkageResult) -> set[tuple[int, int]]:
    return {(a, b) for a, b, *_ in result.pairs}


@pytest.mark.slow
def test_duckdb_linkage_finds_the_planted_duplicates(planted_force):
    truth = services.planted_truth_pairs()
    assert len(truth) == planted_force.duplicates >= 40
    result = services.find_duplicates(threshold=0.9)
    precision, recall = services.pairwise_quality(_pairs(result), truth)
    assert precision >= QUALITY_FLOOR, precision
    assert recall >= QUALITY_FLOOR, recall
    run = result.run
    assert run.finished_at is not None and run.backend == LinkageRun.Backend.DUCKDB
    assert run.people == Person.objects.count()
    assert run.suggestions_created == LinkSuggestion.objects.filter(run=run).count() == len(result.pairs)
    assert run.pairs_compared >= run.pairs_above_threshold
    # Each suggestion says why in plain English, from the comparison levels.
    whys = list(LinkSuggestion.objects.values_list("why", flat=True))
    assert all("date of birth" in why and "surname" in why for why in whys), whys[:5]
    assert any("day and month swapped" in why for why in whys)
    assert AuditEvent.objects.filter(event_type="linkage.run").count() == 1


def _child(forenames: str, surname: str, dob: date, sex: str = "female") -> Person:
    return people_services.person_create(
        actor=None, forenames=forenames, surname=surname, date_of_birth=dob, sex=sex
    ).person


@pytest.fixture
def duplicate_pair(db):
    """Katie Hughes and Kathryn Hughs: one girl, recorded twice; a knife marker only on the second record."""
    a = _child("Kathryn", "Hughes", date(2012, 3, 4))
    b = _child("Katie", "Hughs", date(2012, 4, 3))
    people_services.marker_add(actor=None, person=b, type="knives", source="Intelligence log 9")
    # Some other children so the table is not just the pair.
    for i, name in enumerate(["Oliver", "Amelia", "Noah", "Isla", "George", "Ava"]):
        _child(name, "Smith" if i % 2 else "Brown", date(2010 + i, 1 + i, 10 + i), "male" if i % 2 else "female")
    return a, b


def test_a_pair_is_suggested_with_why(duplicate_pair):
    a, b = duplicate_pair
    result = services.find_duplicates(threshold=0.5, train=False)
    suggestion = LinkSuggestion.objects.get(person_a=a, person_b=b)
    assert suggestion.status == SuggestionStatus.OPEN
    assert (a.pk, b.pk) in _pairs(result)
    assert "date of birth with day and month swapped" in suggestion.why
    assert "Forename a known short form of the other" in suggestion.why
    assert suggestion.match_probability >= 0.5


def test_rejected_pair_is_never_suggested_again(duplicate_pair, make_user):
    a, b = duplicate_pair
    analyst = make_user("analyst", "analyst")
    services.find_duplicates(threshold=0.5, train=False)
    suggestion = LinkSuggestion.objects.get(person_a=a, person_b=b)
    with pytest.raises(InvalidInput) as refused:
        services.suggestion_reject(actor=analyst, suggestion=suggestion, reason="  ")
    assert "Enter why" in refused.value.errors["reason"]
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN  # bad input changes nothing
    services.suggestion_reject(actor=analyst, suggestion=suggestion, reason="Different mothers on the birth records.")
    assert suggestion.status == SuggestionStatus.REJECTED and suggestion.decided_by == analyst
    assert AuditEvent.objects.filter(event_type="linkage.reject", person_id__in=[a.pk, b.pk]).count() == 2

    again = services.find_duplicates(threshold=0.5, train=False)
    assert again.run.skipped_rejected == 1
    assert (a.pk, b.pk) not in _pairs(again)
    assert LinkSuggestion.objects.filter(person_a=a, person_b=b).count() == 1
    with pytest.raises(InvalidInput):
        services.suggestion_confirm(actor=analyst, suggestion=suggestion)
    assert not IdentityLink.objects.exists()


def test_confirm_links_the_records_and_merges_markers(duplicate_pair, make_user):
    a, b = duplicate_pair
    analyst = make_user("analyst", "analyst")
    services.find_duplicates(threshold=0.5, train=False)
    suggestion = LinkSuggestion.objects.get(person_a=a, person_b=b)
    assert [m.type for m in selectors.active_markers(selectors.identity_cluster(a.pk))] == []

    link = services.suggestion_confirm(actor=analyst, suggestion=suggestion)
    assert (link.person_a_id, link.person_b_id) == (a.pk, b.pk) and link.linked_by == analyst
    assert suggestion.status == SuggestionStatus.CONFIRMED and suggestion.link == link
    # Kathryn's picture now carries the knife marker recorded against Katie's record.
    assert [m.type for m in selectors.active_markers(selectors.identity_cluster(a.pk))] == ["knives"]
    assert AuditEvent.objects.filter(event_type="identity.link", person_id__in=[a.pk, b.pk]).count() == 2
    # Reversible through the people service, like any link.
    people_services.identity_unlink(actor=analyst, link=link, rationale="Confirmed by mistake.")
    assert selectors.identity_cluster(a.pk) == [a.pk]


def test_a_linked_pair_is_not_suggested(duplicate_pair, make_user):
    a, b = duplicate_pair
    analyst = make_user("analyst", "analyst")
    people_services.identity_link(actor=analyst, person=a, other=b, rationale="Same school, same mother.")
    result = services.find_duplicates(threshold=0.5, train=False)
    assert result.run.skipped_linked == 1
    assert not LinkSuggestion.objects.filter(person_a=a, person_b=b).exists()


def test_only_roles_that_link_identities_may_decide(duplicate_pair, make_user):
    a, b = duplicate_pair
    services.find_duplicates(threshold=0.5, train=False)
    suggestion = LinkSuggestion.objects.get(person_a=a, person_b=b)
    officer = make_user("pc_city", "response_officer", "city")
    with pytest.raises(AccessDenied):
        services.suggestion_confirm(actor=officer, suggestion=suggestion)
    with pytest.raises(AccessDenied):
        services.suggestion_reject(actor=officer, suggestion=suggestion, reason="Not them.")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN


def test_bad_settings_change_nothing(db):
    with pytest.raises(InvalidInput) as refused:
        services.find_duplicates(threshold=1.5)
    assert "between 0 and 1" in refused.value.errors["threshold"]
    assert not LinkageRun.objects.exists()


def test_find_duplicates_command_prints_counts(duplicate_pair, capsys):
    call_command("find_duplicates", "--threshold", "0.5", "--no-train")
    out = capsys.readouterr().out
    assert "pairs compared" in out and "1 new suggestions" in out
