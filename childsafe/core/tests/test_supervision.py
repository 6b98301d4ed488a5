"""RSO-7 (and INV-2): what makes a supervision entry superficial."""

from __future__ import annotations

import pytest

from childsafe.core.supervision import superficial_entry_problem


@pytest.mark.parametrize("text", ["Seen.", "noted", "Agreed", "Seen and agreed.", "OK, noted - no issues", "  "])
def test_acknowledgements_alone_are_superficial(text):
    problem = superficial_entry_problem(text)
    assert problem is not None
    assert "for example" in problem  # every refusal carries a suggestion


def test_a_few_words_with_no_reasoning_are_superficial():
    assert "too short" in superficial_entry_problem("Spoke to DC Shaw today.")


def test_an_entry_with_a_decision_and_a_reason_passes():
    text = "Risk stays high because of the second phone; DC Shaw to check it at the home visit by 10 May."
    assert superficial_entry_problem(text) is None


def test_a_short_entry_that_directs_work_passes():
    assert superficial_entry_problem("Arrange an unannounced home visit this week.") is None


def test_a_long_entry_passes_even_without_keywords():
    assert superficial_entry_problem("Spoke with the offender manager about the new partner and her two sons.") is None
