"""`childsafe demo` loads live work: every main page has something real on it the first time, the Key Adult
signed in is the one the school's notices name, and the demo's "Sent email" page exists only in the demo."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from childsafe.core import outbox
from childsafe.core.models import Alert, User
from childsafe.demo.logins import demo_school
from childsafe.demo.mailcatcher import MailCatcher
from childsafe.demo.management.commands.demo import load_demo
from childsafe.incidents.models import Incident
from childsafe.investigations.models import Investigation
from childsafe.missing.models import MissingEpisode
from childsafe.oversight import selectors
from childsafe.protection.models import PoliceProtection
from childsafe.referrals.models import EncompassNotification, Ppn, PpnStatus

SCALE = 0.3


@pytest.fixture
def demo(db):
    lines: list[str] = []
    load_demo(scale=SCALE, write=lines.append, duplicates=False, progress=False)
    return lines


def _page(client, username: str, name: str) -> str:
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse(name))
    assert response.status_code == 200, (username, name, response.status_code)
    return response.content.decode()


def test_every_main_page_has_open_work_on_it(client, demo):
    assert any(line.startswith("Rules sweep: ") for line in demo)
    missing = MissingEpisode.objects.filter(found_at__isnull=True, closed_at__isnull=True).first()
    assert missing is not None, "a child is missing now, however small the force"
    assert missing.person.full_name in _page(client, "mhet", "missing:worklist")

    waiting = Ppn.objects.filter(status=PpnStatus.SUBMITTED).first()
    assert waiting is not None and waiting.reference in _page(client, "vat", "referrals:queue")

    assert Incident.objects.filter(closed_at__isnull=True).exists()
    assert Alert.objects.open().exists(), "the sweep ran once, so alerts exist"
    shown = []
    for username, page_name, select in (
        ("fim", "oversight:my_alerts", selectors.my_alerts),
        ("vat", "oversight:my_alerts", selectors.my_alerts),
        ("sgt_city", "oversight:team_alerts", selectors.team_alerts),
        ("cii_east", "oversight:team_alerts", selectors.team_alerts),
    ):
        labels = set(select(User.objects.get(username=username)).values_list("subject_label", flat=True))
        if labels:
            page = _page(client, username, page_name)
            shown += [label for label in labels if label in page]
    assert shown, "a team's alerts page shows the alerts the sweep raised"

    open_investigations = set(Investigation.objects.exclude(status="closed").values_list("reference", flat=True))
    for username in ("sgt_city", "dc_west", "dfu"):
        page = _page(client, username, "investigations:list")
        assert any(reference in page for reference in open_investigations), username
    protection = PoliceProtection.objects.filter(ended_at__isnull=True).first()
    assert protection is not None and protection.reference in _page(client, "cii_east", "protection:worklist")
    assert "govuk-table__row" in _page(client, "omu", "offenders:caseload")
    assert "govuk-table__row" in _page(client, "mhet", "exploitation:index")


def test_the_key_adult_signed_in_is_the_one_the_notices_name(client, demo):
    school = demo_school()
    dsl = User.objects.get(username="school_dsl")
    assert dsl.get_full_name() == school.key_adult_name and dsl.email == school.key_adult_email
    page = _page(client, "school_dsl", "partners:home")
    header = page.split("</header>")[0]
    assert school.name in header and dsl.get_full_name() in header
    if EncompassNotification.objects.filter(organisation=school).exists():
        assert "Operation Encompass" in page


def test_journeys_have_their_ranks_and_skills(demo):
    assert User.objects.get(username="cii_east").has_rank("inspector")
    assert User.objects.get(username="senior_leader").has_rank("superintendent")
    assert User.objects.get(username="omu").has_skill("visor")
    assert User.objects.get(username="dc_west").has_skill("online_csa")


def test_sent_email_is_refused_outside_the_demo_settings(client, personas, make_user):
    admin = make_user("admin1", "administrator")
    client.force_login(admin)
    assert client.get(reverse("demo:sent_email")).status_code == 404
    assert "Sent email" not in client.get(reverse("oversight:accounts")).content.decode()


def test_the_demo_shows_a_delivered_encompass_email(client, personas, ella, make_user, tmp_path):
    from childsafe.incidents import services as incidents

    catcher = MailCatcher(tmp_path / "mail").start()
    try:
        with override_settings(
            CHILDSAFE_DEMO_MAILDIR=tmp_path / "mail",
            EMAIL_HOST=catcher.host,
            EMAIL_PORT=catcher.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            CHILDSAFE_TRANSPORTS={"email": "childsafe.core.transports.SmtpEmailTransport"},
        ):
            incidents.incident_record(
                actor=personas["handler"],
                type="domestic_abuse",
                grade=1,
                location="12 Mill Street, York",
                summary="Woman assaulted by partner; Ella in the house.",
                children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
            )
            assert outbox.deliver_due("test-worker").delivered >= 1
            client.force_login(personas["officer"])
            assert client.get(reverse("demo:sent_email")).status_code == 403
            client.force_login(make_user("admin1", "administrator"))
            page = client.get(reverse("demo:sent_email")).content.decode()
            assert "Sent email" in page.split("</nav>")[0]  # in the administrator's menu
    finally:
        catcher.stop()
    assert "Operation Encompass: a notification is waiting for you in Childsafe" in page
    assert "dsl@hill.test" in page and "Hill Primary" in page


def test_the_mail_catcher_closes_an_idle_connection_as_a_mail_server_does(tmp_path, monkeypatch, capsys):
    import socket

    from childsafe.demo import mailcatcher

    monkeypatch.setattr(mailcatcher._Session, "timeout", 0.2)
    catcher = MailCatcher(tmp_path / "mail").start()
    try:
        with socket.create_connection((catcher.host, catcher.port), timeout=5) as conn:
            reader = conn.makefile("rb")
            assert reader.readline().startswith(b"220 ")
            assert reader.readline().startswith(b"421 ")  # said nothing for longer than the timeout
            assert reader.readline() == b""  # and the catcher closed it
    finally:
        catcher.stop()
    assert "Traceback" not in capsys.readouterr().err
