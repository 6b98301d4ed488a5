"""Files kept safely (ADR 0025): the type from the bytes, images without metadata, downloads checked
and logged, nothing deleted. Every "Bad input" line of the issue is here, each changing nothing."""

from __future__ import annotations

import html
import io
import zipfile
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from childsafe.core import clock
from childsafe.core.errors import InvalidInput, JustificationRequired
from childsafe.core.models import AuditEvent
from childsafe.files import services
from childsafe.files.models import PersonPhoto, StoredFile
from childsafe.files.tests.conftest import phone_jpeg, png
from childsafe.missing import services as missing_services
from childsafe.people.intelligence import picture as intelligence_picture

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def nothing_kept(store) -> bool:
    return (
        not StoredFile.objects.exists()
        and not PersonPhoto.objects.exists()
        and not (store.exists() and any(p.is_file() for p in store.rglob("*")))
    )


def photo(actor, person, data: bytes | None = None, **extra):
    return services.photo_add(
        actor=actor,
        person=person,
        upload=upload("IMG_0001.jpg", data or phone_jpeg()),
        taken_at=extra.pop("taken_at", clock.now() - timedelta(days=2)),
        source=extra.pop("source", "carer"),
        **extra,
    )


def has_metadata(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    return bool(image.getexif()) or any(k in image.info for k in ("exif", "comment", "icc_profile", "xmp"))


# Photographs -----------------------------------------------------------------------------------------


def test_a_phone_photo_keeps_no_gps_anywhere_stored_or_served(client, personas, ella, file_store):
    original = phone_jpeg()
    assert has_metadata(original) and b"PhoneMaker" in original  # the test photo does carry it
    kept = photo(personas["officer"], ella, original)
    stored_bytes = kept.image.blob.open("rb").read()
    thumb_bytes = kept.thumbnail.open("rb").read()
    for data in (stored_bytes, thumb_bytes):
        assert not has_metadata(data)
        assert b"PhoneMaker" not in data and b"Mill Street" not in data and b"Exif" not in data
    # And every file on disk, whatever it is called.
    for path in file_store.rglob("*"):
        if path.is_file():
            assert b"Exif" not in path.read_bytes() and b"PhoneMaker" not in path.read_bytes()
    client.force_login(personas["officer"])
    for url in (
        reverse("files:download", args=[kept.image.token]),
        reverse("files:thumbnail", args=[kept.image.token]),
    ):
        served = b"".join(client.get(url).streaming_content)
        assert served[:3] == b"\xff\xd8\xff" and not has_metadata(served) and b"PhoneMaker" not in served
    assert kept.image.received_sha256 != kept.image.sha256  # the received bytes' hash kept for continuity


def test_an_image_attached_as_a_document_is_stripped_too(personas, ella):
    stored = services.attach(
        actor=personas["officer"], subject=ella, kind="body_map", upload=upload("map.jpg", phone_jpeg())
    )
    assert not has_metadata(stored.blob.open("rb").read())


def test_the_latest_photograph_shows_on_the_childs_page_the_intelligence_check_and_the_episode(client, personas, ella):
    photo(personas["officer"], ella, taken_at=clock.now() - timedelta(days=200), source="school")
    latest = photo(personas["officer"], ella, taken_at=clock.now() - timedelta(days=3), source="custody")
    client.force_login(personas["officer"])
    page = html.unescape(client.get(reverse("people:detail", args=[ella.pk])).content.decode())
    assert reverse("files:thumbnail", args=[latest.image.token]) in page
    assert "from custody" in page
    picture = intelligence_picture(ella)
    section = next(s for s in picture.sections if s.key == "photograph")
    assert section.data["token"] == latest.image.token and "custody" in section.items[0]
    episode = missing_services.missing_report(
        actor=personas["handler"], child=ella, reported_by="Mother", circumstances="Did not come home."
    ).episode
    page = client.get(reverse("missing:detail", args=[episode.pk])).content.decode()
    assert reverse("files:thumbnail", args=[latest.image.token]) in page
    assert "Attach a document" in client.get(reverse("missing:documents", args=[episode.pk])).content.decode()


def test_the_photograph_probe_never_hides_a_photograph(personas, ella):
    """ADR 0065: the check asks the probe first; with or without it, the same photograph or none."""

    def shown(probes: bool):
        return [(s.items, s.data) for s in intelligence_picture(ella, probes=probes).sections if s.key == "photograph"]

    assert shown(True) == shown(False) == []
    taken = photo(personas["officer"], ella, taken_at=clock.now() - timedelta(days=3), source="custody")
    assert shown(True) == shown(False) != []
    services.withdraw(actor=personas["officer"], stored=taken.image, reason="A photograph of the wrong child")
    assert shown(True) == shown(False) == []


def test_a_photo_needs_a_source_and_a_past_time_all_at_once(personas, ella, file_store):
    with pytest.raises(InvalidInput) as caught:
        services.photo_add(
            actor=personas["officer"],
            person=ella,
            upload=upload("x.jpg", b"MZ\x90\x00"),
            taken_at=clock.now() + timedelta(days=1),
            source="",
        )
    assert set(caught.value.errors) == {"file", "taken_at", "source"}
    assert nothing_kept(file_store)


# Bad input -------------------------------------------------------------------------------------------


def test_an_executable_named_jpeg_is_refused_and_nothing_kept(personas, ella, file_store):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
    with pytest.raises(InvalidInput) as caught:
        services.attach(actor=personas["officer"], subject=ella, kind="evidence", upload=upload("holiday.jpg", program))
    assert "Windows program" in caught.value.errors["file"]
    with pytest.raises(InvalidInput):
        photo(personas["officer"], ella, program)
    assert nothing_kept(file_store)


def test_an_image_20000_pixels_wide_is_refused(personas, ella, file_store):
    with pytest.raises(InvalidInput) as caught:
        photo(personas["officer"], ella, png(20_000, 2))
    assert "20,000 by 2 pixels" in caught.value.errors["file"]
    assert nothing_kept(file_store)


def test_a_decompression_bomb_is_refused_before_decoding(personas, ella, file_store):
    bomb = io.BytesIO()
    Image.new("1", (11_000, 11_000)).save(bomb, format="PNG")  # a few KB that would decode to 121 million pixels
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(InvalidInput) as caught:
        services.attach(
            actor=personas["officer"], subject=ella, kind="evidence", upload=upload("a.png", bomb.getvalue())
        )
    assert "pixels" in caught.value.errors["file"]
    assert nothing_kept(file_store)


def test_a_200_mb_upload_is_refused_without_reading_it(personas, ella, file_store, tmp_path):
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.write(PDF)
        f.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    from django.core.files import File

    with big.open("rb") as f, pytest.raises(InvalidInput) as caught:
        services.attach(actor=personas["officer"], subject=ella, kind="evidence", upload=File(f, name="big.pdf"))
    assert "200 MB" in caught.value.errors["file"] and "25 MB" in caught.value.errors["file"]
    assert nothing_kept(file_store)


@pytest.mark.parametrize(
    "pdf",
    [
        b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF",
        b"%PDF-1.4\n1 0 obj << /OpenAction << /S /#4Aava#53cript /JS (x) >> >>\nendobj\n%%EOF",  # hex-escaped name
        b"%PDF-1.5\n1 0 obj << /Length 40 /Filter /FlateDecode >>\nstream\n"
        + zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
        + b"\nendstream\nendobj\n%%EOF",  # hidden in a compressed object stream
        b"%PDF-1.4\n1 0 obj << /Type /Filespec /EF << /F 2 0 R >> /Type /EmbeddedFile >>\nendobj\n%%EOF",
    ],
    ids=["plain", "escaped", "compressed", "embedded-file"],
)
def test_a_pdf_with_a_script_is_refused(personas, ella, file_store, pdf):
    with pytest.raises(InvalidInput) as caught:
        services.attach(actor=personas["officer"], subject=ella, kind="evidence", upload=upload("minutes.pdf", pdf))
    assert "script" in caught.value.errors["file"]
    assert nothing_kept(file_store)


def test_a_file_named_as_something_else_or_unknown_is_refused_plainly(personas, ella, file_store):
    for name, data, words in (
        ("minutes.jpg", PDF, "its content is a PDF"),
        ("data.bin", bytes(range(256)), "cannot tell what this file is"),
        ("archive.zip", _zip({"a.txt": b"x"}), "zip archive"),
        (
            "plan.docx",
            _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>", "word/vbaProject.bin": b""}),
            "macros",
        ),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old-style Office"),
    ):
        with pytest.raises(InvalidInput) as caught:
            services.attach(actor=personas["officer"], subject=ella, kind="evidence", upload=upload(name, data))
        assert words in caught.value.errors["file"], name
    assert nothing_kept(file_store)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_documents_of_every_accepted_type_are_kept_as_their_content_says(personas, ella):
    docx = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})
    for name, data, content_type in (
        ("minutes.pdf", PDF, "application/pdf"),
        ("notes.txt", "Strategy meeting: agreed actions — Ella".encode(), "text/plain"),
        ("report.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("scan.png", png(), "image/png"),
    ):
        stored = services.attach(actor=personas["officer"], subject=ella, kind="rhi_report", upload=upload(name, data))
        assert stored.content_type == content_type and stored.name == name
    assert AuditEvent.objects.filter(event_type="file.attach").count() == 4


def test_a_file_name_cannot_reach_outside_the_store(personas, ella, file_store):
    stored = services.attach(
        actor=personas["officer"], subject=ella, kind="evidence", upload=upload("../../etc/passwd.txt", b"hello")
    )
    assert stored.name == "passwd.txt"
    assert file_store in (file_store / stored.blob.name).resolve().parents
    assert "passwd" not in stored.blob.name  # kept under a random name


# Downloads -------------------------------------------------------------------------------------------


@pytest.fixture
def minutes(personas, ella):
    return services.attach(
        actor=personas["officer"], subject=ella, kind="strategy_minutes", upload=upload("minutes.pdf", PDF)
    )


def test_a_download_is_an_attachment_never_cached_and_logged(client, personas, minutes, ella):
    client.force_login(personas["supervisor"])
    response = client.get(reverse("files:download", args=[minutes.token]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="minutes.pdf"')
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
    logged = AuditEvent.objects.get(event_type="file.download")
    assert logged.actor == personas["supervisor"] and logged.person_id == ella.pk
    assert logged.category == "consultation"


def test_another_areas_child_needs_a_reason_first_and_the_reason_is_logged(client, personas, minutes):
    client.force_login(personas["colleague_elsewhere"])
    url = reverse("files:download", args=[minutes.token])
    response = client.get(url)
    assert response.status_code == 302 and "/reason/" in response["Location"]
    assert not AuditEvent.objects.filter(event_type="file.download").exists()
    with pytest.raises(JustificationRequired):
        services.file_for_user(personas["colleague_elsewhere"], minutes.token)
    stored = services.file_for_user(personas["colleague_elsewhere"], minutes.token, justification="Joint operation")
    assert stored == minutes
    assert AuditEvent.objects.get(event_type="file.download").justification == "Joint operation"


def test_a_partner_or_a_stranger_cannot_download_and_the_attempt_is_logged(client, personas, minutes):
    for who in ("right_school", "pfcc", "administrator"):
        client.force_login(personas[who])
        response = client.get(reverse("files:download", args=[minutes.token]))
        assert response.status_code in (302, 404), who
    assert AuditEvent.objects.filter(event_type="file.download.refused").count() >= 2
    client.force_login(personas["officer"])
    assert client.get(reverse("files:download", args=["not-a-token"])).status_code == 404


def test_a_file_is_withdrawn_with_a_reason_never_deleted(client, personas, minutes):
    with pytest.raises(InvalidInput) as caught:
        services.withdraw(actor=personas["officer"], stored=minutes, reason="  ")
    assert "reason" in caught.value.errors
    client.force_login(personas["officer"])
    response = client.post(reverse("files:withdraw", args=[minutes.token]), {"reason": "Wrong child's minutes"})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.withdrawn and minutes.withdrawal_reason == "Wrong child's minutes"
    assert minutes.blob.storage.exists(minutes.blob.name)  # the bytes stay
    assert AuditEvent.objects.filter(event_type="file.withdraw").count() == 1
    gone = client.get(reverse("files:download", args=[minutes.token]))
    assert gone.status_code == 410 and "Wrong child" in gone.content.decode()


def test_only_the_uploader_or_a_supervisor_withdraws(personas, minutes, make_user):
    from childsafe.core.errors import AccessDenied

    other = make_user("pc_city2", "response_officer", "city")
    with pytest.raises(AccessDenied):
        services.withdraw(actor=other, stored=minutes, reason="Not mine")
    services.withdraw(actor=personas["supervisor"], stored=minutes, reason="Duplicate")


def test_attaching_through_the_page_to_a_missing_episode(client, personas, ella):
    episode = missing_services.missing_report(
        actor=personas["handler"], child=ella, reported_by="Mother", circumstances="Did not come home."
    ).episode
    client.force_login(personas["officer"])
    url = reverse("files:attach", args=["missing.missingepisode", episode.pk])
    response = client.post(url, {"kind": "", "notes": ""})
    body = html.unescape(response.content.decode())
    assert "<title>Error:" in body and "Choose what kind of document" in body and "Choose a file" in body
    response = client.post(url, {"kind": "evidence", "file": upload("photo.jpg", b"MZ\x90\x00" * 10)})
    assert "Windows program" in html.unescape(response.content.decode())
    response = client.post(url, {"kind": "rhi_report", "file": upload("rhi.txt", b"Return home interview")})
    assert response.status_code == 302 and response.url == reverse("missing:documents", args=[episode.pk])
    stored = StoredFile.objects.get()
    assert (stored.subject_type, stored.subject_id, stored.person) == ("missing.missingepisode", str(episode.pk), ella)
    page = client.get(response.url).content.decode()
    assert "rhi.txt" in page and reverse("files:download", args=[stored.token]) in page


def test_the_photo_page_refuses_plainly_and_adds_a_photo(client, personas, ella):
    client.force_login(personas["officer"])
    url = reverse("files:photo_add", args=[ella.pk])
    body = html.unescape(client.post(url, {}).content.decode())
    assert (
        "<title>Error:" in body and "Choose the photograph" in body and "Choose where the photograph came from" in body
    )
    day = clock.today_london() - timedelta(days=1)
    response = client.post(
        url,
        {
            "file": upload("IMG.jpg", phone_jpeg()),
            "taken_on_0": day.day,
            "taken_on_1": day.month,
            "taken_on_2": day.year,
            "source": "carer",
        },
    )
    assert response.status_code == 302
    assert PersonPhoto.objects.get().person == ella


def test_the_withdraw_link_is_offered_only_to_who_may_withdraw(client, personas, minutes, make_user):
    client.force_login(personas["officer"])  # attached it
    assert (
        reverse("files:withdraw", args=[minutes.token])
        in client.get(reverse("people:detail", args=[minutes.person_id])).content.decode()
    )
    client.force_login(make_user("pc_city2", "response_officer", "city"))
    assert (
        reverse("files:withdraw", args=[minutes.token])
        not in client.get(reverse("people:detail", args=[minutes.person_id])).content.decode()
    )


def test_only_records_about_a_child_take_documents(client, personas, ella):
    with pytest.raises(InvalidInput):
        services.attach(
            actor=personas["officer"], subject=personas["officer"], kind="evidence", upload=upload("a.txt", b"x")
        )
    client.force_login(personas["officer"])
    for subject_type, subject_id in (
        ("core.user", personas["officer"].pk),
        ("nothing.here", 1),
        ("people.person", 999999),
    ):
        assert client.get(reverse("files:attach", args=[subject_type, subject_id])).status_code == 404
    assert client.get(reverse("files:attach", args=["people.person", ella.pk])).status_code == 200
