"""Every main form submitted empty lists every problem at once in the error summary (GOV.UK pattern,
page title starting "Error: "), each linked to its field and shown on it: never in rounds, where
fixing one error reveals the next."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from childsafe.missing import services as missing_services

pytestmark = pytest.mark.django_db

AWARE = ("appearance", "words", "activity", "relationships", "environment")


def errors_shown(response) -> tuple[str, list[str], str]:
    """The page title, the error summary's link targets, and the page."""
    text = response.content.decode()
    title = html.unescape(re.search(r"<title>(.*?)</title>", text, re.S).group(1)).strip()
    box = re.search(r'<div class="govuk-error-summary".*?</ul>', text, re.S)
    assert box, "no error summary"
    items = re.findall(r"<li>(.*?)</li>", box.group(0), re.S)
    targets = [re.match(r'<a href="#([^"]+)">', item) for item in items]
    assert all(targets), f"an error in the summary is not linked to its field: {items}"
    return title, [t.group(1) for t in targets], text


@pytest.fixture
def staff(personas, make_user):
    return {**personas, "fim": make_user("fim1", "fim")}


@pytest.fixture
def episode(staff, ella):
    return missing_services.missing_report(
        actor=staff["handler"], child=ella, reported_by="Mother", circumstances="Did not come home from school."
    ).episode


def forms(ella, episode, returned):
    """(who, address, what a browser posts for the empty form, every field that must be reported)."""
    child = f"c{ella.pk}"
    return {
        "incident": (
            "handler",
            reverse("incidents:create"),
            {},
            ["type", "location", "summary"],  # the grade is chosen after the check (CR-4)
        ),
        "missing report": ("handler", reverse("missing:report"), {}, ["child", "reported_by"]),
        "grading": (
            "fim",
            reverse("missing:grade", args=[episode.pk]),
            {"expected_version": episode.version},  # the hidden field a browser sends
            ["grade", "rationale", "note_firearms"],
        ),
        "PPN": (
            "officer",
            reverse("referrals:submit") + f"?children={ella.pk}",
            {"action": "submit"},
            ["concern", *[f"{child}_{s}" for s in AWARE], f"{child}_voice", f"{child}_ethnicity"],
        ),
        "safe and well": (
            "officer",
            reverse("missing:safe_and_well", args=[returned.pk]),
            {},
            ["where", "with_whom", "harm", "disclosures", "voice", *[f"aware_{s}" for s in AWARE], "new_concerns"],
        ),
    }


@pytest.mark.parametrize("name", ["incident", "missing report", "grading", "PPN", "safe and well"])
def test_an_empty_form_lists_every_error_at_once(client, staff, ella, episode, name):
    returned = missing_services.episode_found(actor=staff["officer"], episode=episode, place="Coppergate Centre")
    who, url, data, fields = forms(ella, episode, returned)[name]
    client.force_login(staff[who])
    title, targets, page = errors_shown(client.post(url, data))
    assert title.startswith("Error: ")
    reported = {re.sub(r"^id_|_0$", "", t) for t in targets}
    assert reported == set(fields), f"missing: {set(fields) - reported}; extra: {reported - set(fields)}"
    for target in targets:
        assert f'id="{target}"' in page, f"the summary links to #{target}, which is not on the page"
    # Each error is also shown on its field.
    assert page.count('class="govuk-error-message"') >= len(fields)
