"""The missing person briefing sheet: the photograph and the trigger plan on one printable page, and
public release only after the FIM's recorded decision with the carer's view."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from childsafe.core import clock
from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import AuditEvent
from childsafe.files import services
from childsafe.files.models import PublicityDecision, StoredFile
from childsafe.files.tests.conftest import phone_jpeg
from childsafe.missing import services as missing_services
from childsafe.missing.models import TriggerPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(personas, ella):
    TriggerPlan.objects.create(
        person=ella,
        description="Slim, shoulder-length brown hair",
        places="Coppergate Centre; the skate park on Foss Islands Road",
        associates="An older boy called Jay",
        risks="Goes with older men in cars",
        created_at=clock.now(),
        review_due=clock.today_london() + timedelta(days=90),
    )
    return missing_services.missing_report(
        actor=personas["handler"],
        child=ella,
        reported_by="Mother",
        last_seen_place="Hill Primary gates",
        circumstances="Did not come home.",
    ).episode


@pytest.fixture
def fim(make_user):
    return make_user("fim1", "fim")


def test_the_sheet_carries_the_photograph_the_plan_and_says_police_use_only(client, personas, ella, episode):
    photo = services.photo_add(
        actor=personas["officer"],
        person=ella,
        upload=SimpleUploadedFile("a.jpg", phone_jpeg()),
        taken_at=clock.now() - timedelta(days=5),
        source="carer",
    )
    client.force_login(personas["officer"])
    page = html.unescape(client.get(reverse("files:briefing", args=[episode.pk])).content.decode())
    assert reverse("files:download", args=[photo.image.token]) in page
    for words in (
        "Ella Hughes",
        "Coppergate Centre",
        "An older boy called Jay",
        "Goes with older men in cars",
        "Hill Primary gates",
        "Firearms",
        "Police use only",
    ):
        assert words in page, words
    assert "Record the publicity appeal decision" not in page  # not the officer's decision
    assert AuditEvent.objects.filter(event_type="missing.briefing.view", actor=personas["officer"]).exists()
    assert (
        reverse("files:briefing", args=[episode.pk])
        in client.get(reverse("missing:detail", args=[episode.pk])).content.decode()
    )


def test_public_release_needs_the_fims_decision_with_the_carers_view(client, personas, episode, fim):
    with pytest.raises(AccessDenied):
        services.publicity_decide(
            actor=personas["supervisor"], episode=episode, release=True, carer_view="Agrees", rationale="High risk"
        )
    with pytest.raises(InvalidInput) as caught:
        services.publicity_decide(actor=fim, episode=episode, release=None, carer_view="", rationale="")
    assert set(caught.value.errors) == {"release", "carer_view", "rationale"}
    assert not PublicityDecision.objects.exists()
    client.force_login(fim)
    url = reverse("files:publicity", args=[episode.pk])
    body = html.unescape(client.post(url, {}).content.decode())
    assert "<title>Error:" in body and "what the parent or carer said" in body
    response = client.post(
        url, {"release": "yes", "carer_view": "Mother agrees to an appeal", "rationale": "High risk, 12"}
    )
    assert response.status_code == 302
    page = html.unescape(client.get(reverse("files:briefing", args=[episode.pk])).content.decode())
    assert "Approved for public release" in page and "Mother agrees to an appeal" in page
    assert AuditEvent.objects.filter(event_type="missing.publicity_decide", actor=fim).count() == 1
    client.force_login(personas["officer"])
    assert client.get(url).status_code == 403


@pytest.fixture
def check(personas, episode):
    returned = missing_services.episode_found(actor=personas["officer"], episode=episode, place="Coppergate Centre")
    check, _ = missing_services.episode_safe_and_well(
        actor=personas["officer"],
        episode=returned,
        where="Coppergate Centre",
        with_whom="Alone",
        harm="A bruise on her left arm",
        disclosures="None",
        voice="She said she fell.",
        aware={k: "Noted" for k in ("appearance", "words", "activity", "relationships", "environment")},
        new_concerns=False,
    )
    return check


def test_a_body_map_marks_the_outline_and_keeps_the_notes(client, personas, check):
    client.force_login(personas["officer"])
    url = reverse("files:body_map", args=[check.pk])
    body = html.unescape(client.post(url, {}).content.decode())
    assert "<title>Error:" in body and "Tick where on the body" in body and "Describe each injury" in body
    response = client.post(url, {"regions": ["front_left_arm"], "notes": "Bruise 3cm, purple; she said she fell."})
    assert response.status_code == 302
    stored = StoredFile.objects.get(kind="body_map")
    assert stored.subject_type == "missing.safeandwellcheck" and "Left arm (front)" in stored.notes
    image = Image.open(stored.blob.open("rb")).convert("RGB")
    assert image.getpixel((153, 150)) == (200, 30, 30)  # the front left arm is marked
    assert image.getpixel((100, 120)) == (255, 255, 255)  # the chest is not
    assert response.url == reverse("missing:safe_and_well", args=[check.episode_id])
    assert "body-map-" in client.get(response.url).content.decode()
    with pytest.raises(InvalidInput):
        services.body_map_record(actor=personas["officer"], check=check, regions=["elbow"], notes="x")
