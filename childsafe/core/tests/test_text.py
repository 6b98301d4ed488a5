"""One text validator for every service, and one way to look people up by reference number."""

from __future__ import annotations

import pytest

from childsafe.core.text import check_text
from childsafe.people.selectors import people_by_reference


def test_text_is_trimmed_required_and_bounded_with_every_problem_listed():
    errors: dict[str, str] = {}
    assert check_text(errors, "place", "  Home  ", "where the child was found") == "Home"
    check_text(errors, "summary", "   ", "the summary")
    check_text(errors, "notes", "x" * 11, "the notes", max_length=10)
    check_text(errors, "optional", "", "anything else", required=False)
    assert errors == {
        "summary": "Enter the summary.",
        "notes": "The notes must be 10 characters or fewer (it is 11).",
    }


@pytest.mark.django_db
def test_people_by_reference_narrows_to_what_the_user_may_name(personas, ella):
    assert people_by_reference([ella.pk, 999_999]) == {ella.pk: ella}
    assert people_by_reference([ella.pk], personas["officer"]) == {ella.pk: ella}
    assert people_by_reference([ella.pk], personas["right_school"]) == {ella.pk: ella}
    assert people_by_reference([ella.pk], personas["wrong_school"]) == {}
