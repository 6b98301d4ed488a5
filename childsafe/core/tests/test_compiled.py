"""core.compiled.insert writes what the ORM writes (ADR 0064), in batches, with the keys in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childsafe.core import compiled
from childsafe.core.models import AuditEvent, LoginAttempt

AT = datetime(2026, 11, 30, 3, 15, 7, 123456, tzinfo=UTC)


def event(n: int, actor=None) -> AuditEvent:
    return AuditEvent(
        at=AT,
        actor=actor,
        actor_label=f"Tester {n}",
        category="collection",
        event_type="test.insert",
        subject_type="core.test",
        subject_id=str(n),
        person_id=n if n % 2 else None,
        new_values={"n": n, "words": "Ünïcode, 'quotes' and \"more\"", "list": [1, None, True]},
        old_values=None,
        justification="",
        prev_hash="a" * 64,
        hash=f"{n:064d}",
    )


def saved(record) -> dict:
    fresh = type(record).objects.get(pk=record.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(record)._meta.concrete_fields if not f.primary_key}


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 2, compiled.INSERT_BATCH * 2 + 1])
def test_the_rows_are_the_orms_and_the_keys_come_back_in_order(make_user, count):
    actor = make_user("auditor", "information_manager")
    ours = [event(n, actor if n % 3 else None) for n in range(count)]
    theirs = [event(n, actor if n % 3 else None) for n in range(count)]
    with CaptureQueriesContext(connection) as queries:
        compiled.insert(ours)
    assert len(queries) == -(-count // compiled.INSERT_BATCH)  # one statement per batch
    AuditEvent.objects.bulk_create(theirs)
    assert [e.subject_id for e in AuditEvent.objects.filter(pk__in=[e.pk for e in ours]).order_by("pk")] == [
        str(n) for n in range(count)
    ]
    for mine, orm in zip(ours, theirs, strict=True):
        assert not mine._state.adding and mine._state.db == "default"
        assert saved(mine) == saved(orm)


@pytest.mark.django_db
def test_only_new_records_of_one_model(make_user):
    first = event(1)
    compiled.insert([first])
    with pytest.raises(ValueError):
        compiled.insert([first])  # already saved
    with pytest.raises(ValueError):
        compiled.insert([event(2), LoginAttempt(username="x", at=AT, succeeded=False)])
    compiled.insert([])  # nothing to do


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 1, 3, 250])
def test_one_of_finds_exactly_the_rows_with_those_values(count):
    """compiled.one_of (ADR 0066) in a plain statement finds what the ORM's `__in` finds, none for no values."""
    compiled.insert([event(n) for n in range(1, 301)])
    wanted = [str(n) for n in range(2, 2 + count)]
    sql, params = compiled.one_of("subject_id", wanted)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {AuditEvent._meta.db_table} WHERE {sql}", params)  # noqa: S608
        found = {row[0] for row in cursor.fetchall()}
    assert found == set(AuditEvent.objects.filter(subject_id__in=wanted).values_list("pk", flat=True))
    assert len(found) == count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements (ADR 0063)")
def test_on_postgresql_one_of_is_the_same_statement_whatever_the_number_of_values():
    texts = {compiled.one_of("subject_id", [str(n) for n in range(count)])[0] for count in (1, 2, 17, 400)}
    assert texts == {"subject_id = ANY(%s)"}


@pytest.mark.django_db
def test_where_follows_related_paths_and_limits_as_the_orm(make_user, areas):
    """`related=("owner_user__team",)` joins the owner and the owner's team (ADR 0067): every record is the
    ORM's `select_related` one, field for field, an empty key on the way is None, and `limit` is the slice."""
    from childsafe.core.models import Alert, Team

    team = Team.objects.create(name="Missing from Home Team", area=areas["city"])
    with_team = make_user("mfh", "mhet", "city")
    type(with_team).objects.filter(pk=with_team.pk).update(team=team)
    without_team = make_user("fim", "fim")
    alerts = [
        Alert.objects.create(
            rule_id="MP-3", subject_type="missing.episode", subject_id=str(n), reason="Review due",
            owner_user=owner, raised_at=AT, last_seen_at=AT, due_by=AT.replace(hour=n),
        )
        for n, owner in enumerate([with_team, without_team, None, with_team], start=1)
    ]  # fmt: skip
    ids = [a.pk for a in alerts]
    expected = list(Alert.objects.select_related("owner_user__team").filter(pk__in=ids).order_by("-due_by")[:3])
    with CaptureQueriesContext(connection) as queries:
        found = compiled.where_one_of(
            Alert, "t0.id", ids, related=("owner_user__team",), order="t0.due_by DESC", limit=3
        )
        owners = [a.owner_user for a in found]
        teams = [owner.team if owner else None for owner in owners]
    assert len(queries) == 1  # the owners and their teams came with the alerts
    assert [a.pk for a in found] == [a.pk for a in expected] == [ids[3], ids[2], ids[1]]
    for mine, orm in zip(found, expected, strict=True):
        assert {f.attname: getattr(mine, f.attname) for f in Alert._meta.concrete_fields} == {
            f.attname: getattr(orm, f.attname) for f in Alert._meta.concrete_fields
        }
    assert [o.pk if o else None for o in owners] == [with_team.pk, None, without_team.pk]
    assert teams[0] is not None and (teams[0].pk, teams[0].name, teams[0].area_id) == (team.pk, team.name, team.area_id)
    assert teams[1:] == [None, None]
    # A filter on a related record's column, and `also` with its own parameters after the list's.
    mine = compiled.where_one_of(
        Alert, "t0.id", ids, also="t1.username = %s", params=["mfh"], related=("owner_user",), order="t0.id"
    )
    assert [a.pk for a in mine] == [ids[0], ids[3]]
    assert compiled.where_one_of(Alert, "t0.id", [], order="t0.id") == []


@pytest.mark.django_db
def test_a_related_path_through_something_that_is_not_a_foreign_key_is_refused(db):
    from childsafe.core.models import Alert

    with pytest.raises(ValueError, match="not a foreign key"):
        compiled.where(Alert, "1 = 1", [], related=("owner_user__username",))


@pytest.mark.django_db
def test_a_deferred_field_is_not_read_until_touched_as_the_orm_defers(db):
    from childsafe.core.models import Alert

    alert = Alert.objects.create(
        rule_id="RF-7", subject_type="referrals.ppn", subject_id="1", reason="A PPN is due", raised_at=AT,
        last_seen_at=AT,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        (found,) = compiled.where_one_of(Alert, "t0.id", [alert.pk], defer=("reason",))
    assert "reason" not in queries[0]["sql"]
    assert found.get_deferred_fields() == {"reason"} and found.rule_id == "RF-7"
    with CaptureQueriesContext(connection) as queries:
        assert found.reason == "A PPN is due"
    assert len(queries) == 1  # read when touched
    with pytest.raises(ValueError, match="key"):
        compiled.where(Alert, "1 = 1", [], defer=("id",))
