"""`childsafe backup` and `childsafe restore` on the database in use (SQLite or PostgreSQL): back up,
wipe, restore, and the same records and an intact audit chain come back (DPA 2018 s66)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from childsafe.core import audit, backup
from childsafe.core.models import AuditEvent
from childsafe.people.models import Person, WarningMarker


@pytest.mark.django_db(transaction=True)
def test_back_up_wipe_restore_gives_the_same_records_and_an_intact_audit_chain(tmp_path, capsys):
    # Its own records: an earlier transactional test's flush may have emptied the seeded tables.
    from datetime import date

    from childsafe.people import services

    ella = services.person_create(
        actor=None, forenames="Ella", surname="Hughes", date_of_birth=date(2014, 5, 20)
    ).person
    services.marker_add(actor=None, person=ella, type="firearms", source="Intelligence log 4471")
    before = backup.record_counts()
    assert before.rows["people.Person"] == 1 and before.rows["core.AuditEvent"] > 0
    path = tmp_path / "childsafe.backup"
    call_command("backup", str(path))
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(path))

    call_command("flush", interactive=False, verbosity=0)  # the wipe (the test database lifts the audit guard)
    assert not Person.objects.exists() and not AuditEvent.objects.exists()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))

    call_command("restore", str(path), "--yes")
    assert "The audit log is intact" in capsys.readouterr().out
    assert backup.record_counts() == before
    assert Person.objects.get().full_name == "Ella Hughes"
    assert WarningMarker.objects.filter(person__surname="Hughes", type="firearms").exists()
    assert audit.verify().intact
    # The restored log is still append-only.
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
