"""The chronology's one statement of plain rows (ADR 0059): every kind of row the providers read in SQL comes
through it, on the right record, latest first, and in one statement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from childsafe.core import clock
from childsafe.people.chronology import chronology, when


def test_times_read_from_either_databases_json():
    assert when(None) is None
    at = datetime(2026, 11, 30, 2, 10, 34, 484561, tzinfo=UTC)
    assert when("2026-11-30 02:10:34.484561") == at  # SQLite: UTC, no offset
    assert when("2026-11-30T02:10:34.484561+00:00") == at  # PostgreSQL: ISO 8601 with the offset
    assert when("2026-11-30 02:10:34") == at.replace(microsecond=0)
    assert when("2026-11-30 02:10:34").utcoffset() == timedelta(0)


def test_every_kind_of_row_comes_through_the_one_statement_on_its_record(db, ella, make_user):
    from childsafe.exploitation.models import Assessment, Crime, Perpetrator, PerpetratorPlan, VictimReview
    from childsafe.investigations.models import Investigation, SuspectAccess
    from childsafe.offenders.models import ChildContact, ContactChild, Offender
    from childsafe.people.models import IdentityLink, Person

    officer = make_user("reed", "mhet", first_name="Ann", last_name="Reed")
    now = clock.now()
    twin = Person.objects.create(forenames="Ella", surname="Hughes", created_at=now)
    IdentityLink.objects.create(person_a=ella, person_b=twin, rationale="Same child", linked_at=now, linked_by=officer)
    adult = Person.objects.create(forenames="Paul", surname="Kemp", created_at=now)
    crime = Crime.objects.create(type="county_lines", summary="Drugs", recorded_at=now, recorded_by=officer)
    Assessment.objects.create(
        person=ella, type="cce", level="high", assessor=officer, assessed_at=now, review_date=date.today(), answers={}
    )
    Assessment.objects.create(
        person=twin, type="cse", level="low", summary="Seen with older males", assessor=officer,
        assessed_at=now - timedelta(days=1), review_date=date.today(), answers={},
    )  # fmt: skip
    flag = Perpetrator.objects.create(person=ella, type="cce", lro=officer, flagged_at=now - timedelta(days=2))
    PerpetratorPlan.objects.create(
        perpetrator=flag, prepare="a", prevent="b", protect="c", pursue="d", created_at=now - timedelta(days=1)
    )
    VictimReview.objects.create(
        crime=crime, person=twin, reason="flag", prompted_at=now - timedelta(hours=3), decision="victim"
    )
    investigation = Investigation.objects.create(
        reference="INV-1", type="cce", summary="s", opened_at=now - timedelta(days=9), last_activity_at=now
    )
    SuspectAccess.objects.create(
        investigation=investigation, suspect=ella, source="police", detail="d1", at=now - timedelta(hours=1), by=officer
    )
    access = SuspectAccess.objects.create(
        investigation=investigation, suspect=adult, source="partner", detail="d2", at=now - timedelta(hours=2),
        by=officer,
    )  # fmt: skip
    access.children.set([twin])
    offender = Offender.objects.create(person=adult, created_at=now, created_by=officer)
    contact = ChildContact.objects.create(offender=offender, detail="At the park", at=now - timedelta(days=3),
                                          recorded_by=officer)  # fmt: skip
    ContactChild.objects.create(contact=contact, person=twin, welfare_checked_at=now - timedelta(days=2),
                                welfare_note="Fine")  # fmt: skip

    with CaptureQueriesContext(connection) as captured:
        entries = chronology([ella.pk, twin.pk], officer, limit=50)
    on = {(e.title, e.person_id) for e in entries}
    assert ("CCE risk assessed high", ella.pk) in on
    assert ("CSE risk assessed low", twin.pk) in on
    assert next(e for e in entries if e.title == "CCE risk assessed high").detail == "Assessed by Ann Reed."
    assert ("Flagged as a CCE perpetrator", ella.pk) in on and ("4P plan recorded or reviewed", ella.pk) in on
    assert ("Suspect of county lines: review as a possible victim", twin.pk) in on
    assert ("Ella Hughes has access to children (police)", ella.pk) in on
    assert ("Paul Kemp has access to children (partner)", twin.pk) in on  # the child's side of it
    assert ("Contact with registered sex offender Paul Kemp", twin.pk) in on
    assert ("Welfare check after contact with a registered sex offender", twin.pk) in on
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert all(e.at.utcoffset() == timedelta(0) for e in entries)
    chronology_statements = [q for q in captured if "UNION ALL" in q["sql"]]
    assert len(chronology_statements) == 1
    # The latest of each kind only: one of each kind asked for, one of each given.
    latest = chronology([ella.pk, twin.pk], officer, limit=1, kind="exploitation")
    assert [e.title for e in latest] == ["CCE risk assessed high"]
