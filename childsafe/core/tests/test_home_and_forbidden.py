"""Each role lands on its work; a 403 says what the role can do instead, without a traceback in the log."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from childsafe.core.logfilters import QuietForbidden


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("vat", "referrals:queue"),
        ("supervisor", "oversight:approvals"),
        ("omu", "offenders:caseload"),
        ("dfu", "investigations:dfu_queue"),
        ("senior_leader", "oversight:dashboard"),
        ("pfcc_scrutiny", "oversight:dashboard"),
        ("response_officer", "people:search"),
    ],
)
def test_each_role_starts_at_its_work(client, make_user, role, home):
    client.force_login(make_user(f"u_{role}", role, "city"))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse(home)


def test_a_403_names_what_the_role_can_do_and_logs_no_traceback(client, make_user, caplog):
    client.force_login(make_user("leader", "senior_leader", "city"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("referrals:queue"))
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="can-do"' in page and "What you can do as senior leader" in page
    forbidden = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert forbidden
    for record in forbidden:
        QuietForbidden().filter(record)
        assert record.exc_info is None
