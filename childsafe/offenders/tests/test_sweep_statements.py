"""RSO-1 and RSO-3 in the sweep: a fixed number of statements however many offenders are late, the same
findings, and no statement that reads the people table in name order (a scan of every resident)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childsafe.core import clock
from childsafe.core.models import Skill
from childsafe.core.services import user_skill_award
from childsafe.offenders import rules, services
from childsafe.people import services as people

T0 = datetime(2024, 5, 10, 10, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=120)  # past the initial notification (3 days) and a high risk visit (3 months)
NAMES = ["Kemp", "Hollis", "Marsh", "Dunn", "Pryce", "Lowe", "Achebe", "Nolan"]


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def dc(make_user):
    user = make_user("omu_dc", "omu", "west", rank="constable")
    visor = Skill.objects.get(code="visor")  # RSO-8: only ViSOR-trained staff record a risk plan
    user_skill_award(actor=None, user=user, skill=visor, awarded_on=T0.date() - timedelta(days=400))
    return user


def late_offenders(dc, names: list[str]) -> set[str]:
    """Offenders convicted now who will owe their initial notification and a home visit by LATER."""
    clock.set_now(T0)
    made = set()
    for surname in names:
        person = people.person_create(
            actor=None, forenames="Paul", surname=surname, date_of_birth="1971-02-14", duplicates_reviewed=True
        ).person
        offender = services.offender_convict(
            actor=dc,
            person=person,
            offence="Making indecent photographs of children",
            notifiable=True,
            court_result_at=T0,
            period_years=10,
        ).offender
        services.risk_assess(actor=dc, offender=offender, level="high", plan="Home visits.")
        made.add(str(offender.pk))
    return made


def run(rule_id: str) -> tuple[set[str], list[str]]:
    from childsafe.core import engine

    clock.set_now(LATER)
    with CaptureQueriesContext(connection) as captured:
        found = {f.subject_id for f in engine.get(rule_id).check(LATER)}
    return found, [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("rule_id", ["RSO-1", "RSO-3"])
def test_the_statements_do_not_grow_with_the_offenders_late(dc, rule_id):
    first = late_offenders(dc, NAMES[:2])
    found, few = run(rule_id)
    assert found == first
    more = late_offenders(dc, NAMES[2:])
    found, many = run(rule_id)
    assert found == first | more and len(found) == len(NAMES)
    assert len(many) == len(few)


@pytest.mark.django_db
@pytest.mark.parametrize("rule_id", ["RSO-1", "RSO-3"])
def test_no_statement_reads_the_people_in_name_order(dc, rule_id):
    """An offender's default order is the person's name: in a query of offenders' ids SQLite answered it by
    walking the name index over every resident (a million at force scale) to avoid a sort."""
    late_offenders(dc, NAMES[:3])
    _, statements = run(rule_id)
    assert statements
    assert not [sql for sql in statements if 'ORDER BY "people_person"' in sql]
    # The horizons (what the replay asks) find the same offenders' deadlines as before.
    assert rules._rso1_horizon(T0) == T0 + rules.INITIAL_NOTIFICATION
