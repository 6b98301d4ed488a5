"""QG-1 as it is written: the JSON check the page's script calls while the user types, and the local
authority's returns (strategy meeting outcomes, return home interviews) checked on save."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from childsafe.core.models import LanguageFlag
from childsafe.missing import services as missing

pytestmark = pytest.mark.django_db


def test_the_check_suggests_better_wording_and_counts_nothing(client, personas):
    client.force_login(personas["officer"])
    found = client.post(reverse("language_check"), {"text": "She appears to engage in Risky  Business at night."})
    assert found.status_code == 200
    [suggestion] = found.json()["suggestions"]
    assert suggestion["phrase"] == "risky business" and "at risk of" in suggestion["suggestion"]
    assert client.post(reverse("language_check"), {"text": "Adults are exploiting her."}).json() == {"suggestions": []}
    assert not LanguageFlag.objects.exists()  # typing is not saving: only a saved entry counts


def test_the_check_is_for_signed_in_users_and_needs_the_forms_token(personas):
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("language_check"), {"text": "risky business"}).status_code in (302, 403)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(personas["officer"])
    assert signed_in.post(reverse("language_check"), {"text": "risky business"}).status_code == 403
    assert signed_in.get(reverse("language_check")).status_code == 405


def test_every_page_loads_the_script_as_a_module_from_our_own_origin(client, personas):
    client.force_login(personas["officer"])
    page = client.get(reverse("referrals:submit")).content.decode()
    assert '<script type="module" src="/static/childsafe/init.js">' in page
    assert "<script>" not in page  # no inline script: the CSP forbids it
    root = Path(__file__).resolve().parents[2] / "static" / "childsafe"
    assert "import './language.js'" in (root / "init.js").read_text()
    script = (root / "language.js").read_text()
    assert "/language/check" in script and "X-CSRFToken" in script and "http" not in script.split("fetch(")[1][:30]


def test_the_local_authoritys_returns_are_checked_on_save(client, personas, ella):
    la = personas["local_authority"]
    episode = missing.missing_report(actor=personas["handler"], child=ella, reported_by="Her mother").episode
    missing.episode_found(actor=personas["officer"], episode=episode, place="Home")
    client.force_login(la)
    sent = client.post(
        reverse("missing:rhi", args=[episode.pk]),
        {"summary": "Ella has a boyfriend of 24 who picks her up."},
        follow=True,
    )
    page = html.unescape(sent.content.decode())
    assert "the return home interview has been sent to the police" in page
    assert 'Language check: "boyfriend"' in page
    flag = LanguageFlag.objects.get(subject_type="missing.returnhomeinterview")
    assert flag.user == la and flag.field == "summary"
    outcome = client.post(
        reverse("partners:strategy_outcome", args=[ella.pk]),
        {
            "held_on_0": "1",
            "held_on_1": "3",
            "held_on_2": "2024",
            "held_time": "14:30",
            "attendees": "SW Jones (York CSC)",
            "decisions": "No further action: her lifestyle choice, she is streetwise.",
        },
        follow=True,
    )
    page = html.unescape(outcome.content.decode())
    assert 'Language check: "lifestyle choice"' in page and 'Language check: "streetwise"' in page
    assert LanguageFlag.objects.filter(subject_type="referrals.strategymeeting").count() == 2
