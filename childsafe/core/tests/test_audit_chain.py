"""The audit log can't be rewritten (PL-4): the database refuses changes and removals, every event is
hash-chained to the one before, and `childsafe audit verify` names the first broken event."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from childsafe.core import audit, audit_chain
from childsafe.core.models import AuditCategory, AuditChainTail, AuditEvent


def write(n: int) -> list[AuditEvent]:
    return [
        audit.record(
            actor=None,
            category=AuditCategory.COLLECTION,
            event_type="test.event",
            subject_type="test",
            subject_id=i,
            person_id=1000 + i,
            new={"n": i, "nested": {1: "one"}},
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_each_event_is_chained_to_the_one_before_and_the_chain_verifies():
    events = write(3)
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    tail = AuditChainTail.objects.get(pk=1)
    assert (tail.last_event_id, tail.last_hash) == (events[2].pk, events[2].hash)
    verdict = audit.verify()
    assert verdict.intact and verdict.checked == AuditEvent.objects.count()


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_remove_an_audit_event():
    event = write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(justification="Nothing to see")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET actor_label = 'someone else' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).justification == ""


@pytest.mark.django_db
def test_verify_names_the_first_event_changed_behind_the_triggers_back():
    events = write(4)
    audit_chain.unguard(connection)  # what a database owner could do; rolled back with the test
    AuditEvent.objects.filter(pk=events[1].pk).update(justification="Added later to cover a look")
    verdict = audit.verify()
    assert verdict.first_broken_id == events[1].pk
    assert "changed after it was written" in verdict.problem
    with pytest.raises(CommandError, match=f"Event {events[1].pk} was changed"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_finds_a_removed_event_in_the_middle_and_at_the_end():
    events = write(4)
    audit_chain.unguard(connection)
    AuditEvent.objects.filter(pk=events[3].pk).delete()
    verdict = audit.verify()
    assert not verdict.intact and "removed" in verdict.problem
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    assert audit.verify().first_broken_id == events[2].pk


@pytest.mark.django_db
def test_rehashing_a_changed_event_still_breaks_the_next_link():
    events = write(3)
    audit_chain.unguard(connection)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.justification = "Forged"
    # A forger who recomputes the changed event's own hash still breaks the link from the next one.
    AuditEvent.objects.filter(pk=forged.pk).update(
        justification="Forged", hash=audit_chain.digest(forged, forged.prev_hash)
    )
    assert audit.verify().first_broken_id == events[2].pk


@pytest.mark.django_db
def test_verify_passes_on_an_untouched_log(capsys):
    write(2)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_append_one_after_another_and_the_chain_holds():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers are a PostgreSQL deployment; SQLite takes one writer at a time.")
    import threading
    import time

    from django.db import connections

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                if i % 2:
                    with transaction.atomic():  # a service's own transaction, still working after its audit line
                        write(1)
                        time.sleep(0.005)
                else:
                    audit.access(actor=None, event_type="test.read", subject_type="test", subject_id=n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    verdict = audit.verify()
    assert verdict.intact and verdict.checked == AuditEvent.objects.count() >= 80


@pytest.mark.django_db(transaction=True)
def test_two_writers_who_both_find_the_chain_empty_both_write_in_turn():
    """After a flush there is no tail row (migrations make it; a test's flush removes it). Two workers
    starting together both find it missing: the second waits for the first's row, then follows it."""
    import threading
    import time

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: there is no second writer to race.")
    AuditChainTail.objects.all().delete()
    first_wrote = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                audit.record(actor=None, category=AuditCategory.ALTERATION, event_type="test.first")
                first_wrote.set()
                time.sleep(0.5)  # the second finds no committed tail meanwhile, and inserts one too
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def second() -> None:
        first_wrote.wait(5)
        try:
            with transaction.atomic():
                audit.record(actor=None, category=AuditCategory.ALTERATION, event_type="test.second")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert list(AuditEvent.objects.order_by("id").values_list("event_type", flat=True)) == [
        "test.first",
        "test.second",
    ]
    assert audit.verify().intact
