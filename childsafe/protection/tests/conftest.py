"""Fixtures for police protection: the people of the case study, the real SMTP server and the simulated clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from childsafe.core.tests.conftest import sim_clock, smtp_server

__all__ = ["sim_clock", "smtp_server"]

T0 = datetime(2022, 4, 21, 13, 40, tzinfo=UTC)


@pytest.fixture
def now(sim_clock):
    sim_clock.set(T0)
    return sim_clock


@pytest.fixture
def nyc(db):
    from childsafe.people import services

    return services.organisation_create(
        actor=None, type="local_authority", name="North Yorkshire Council", email="edt@nyc.test"
    )


@pytest.fixture
def officers(make_user):
    insp = make_user("insp_dunn", "supervisor", "west", rank="inspector")
    return {
        "pc": make_user("pc_hart", "response_officer", "west", rank="constable", line_manager=insp),
        "sgt": make_user("sgt_moss", "supervisor", "west", rank="sergeant"),
        "insp": insp,
        "insp2": make_user("insp_kaur", "supervisor", "west", rank="inspector"),
        "ci": make_user("ci_rowe", "cii", "west", rank="chief_inspector"),
        "supt": make_user("supt_lane", "senior_leader", rank="superintendent"),
        "handler": make_user("handler", "call_handler"),
    }


def _child(forenames: str, dob: date, la):
    from childsafe.people import services

    return services.person_create(
        actor=None,
        forenames=forenames,
        surname="Dale",
        date_of_birth=dob,
        sex="female",
        ethnicity_self_defined="W1",
        local_authority=la,
        address=services.AddressInput(line1="6 Grove Road", town="Harrogate", postcode="HG1 5EP"),
        duplicates_reviewed=True,
    ).person


@pytest.fixture
def ava(nyc):
    return _child("Ava", date(2018, 1, 30), nyc)


@pytest.fixture
def noah(nyc):
    return _child("Noah", date(2016, 3, 12), nyc)
