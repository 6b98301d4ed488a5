"""Personas for investigations: the officer who opens it, the accredited and untrained investigators, two
sergeants, the area's detective inspector, a DFU victim identification officer, and the people on it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from childsafe.core import clock
from childsafe.core.models import Skill
from childsafe.core.services import user_skill_award

# A Tuesday morning in June (British summer time).
T0 = datetime(2022, 6, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def force(make_user):
    def accredited(user, *codes):
        for code in codes:
            user_skill_award(actor=None, user=user, skill=Skill.objects.get(code=code), awarded_on=date(2020, 1, 1))
        return user

    return {
        "pc": make_user("pc_james", "response_officer", "east", rank="constable"),
        "det_ross": accredited(
            make_user("det_ross", "investigator", "east", rank="constable"), "scaidp", "cse_investigation"
        ),
        "det_new": make_user("det_new", "investigator", "east", rank="constable"),
        "det_west": accredited(make_user("det_west", "investigator", "west", rank="constable"), "cse_investigation"),
        "ds_king": make_user("ds_king", "supervisor", "east", rank="sergeant"),
        "ds_shaw": make_user("ds_shaw", "supervisor", "east", rank="sergeant"),
        "di_moss": make_user("di_moss", "supervisor", "east", rank="inspector"),
        "supt": make_user("supt_hale", "supervisor", "east", rank="superintendent"),
        "vio": make_user("vio_amin", "dfu", rank="staff"),
    }


def _person(name: str, dob: date, postcode: str = "YO12 7PY"):
    from childsafe.people import services

    forenames, surname = name.split(" ")
    return services.person_create(
        actor=None,
        forenames=forenames,
        surname=surname,
        date_of_birth=dob,
        sex="unknown",
        address=services.AddressInput(line1="14 Trafalgar Square", town="Scarborough", postcode=postcode),
        duplicates_reviewed=True,
    ).person


@pytest.fixture
def chloe(db):
    return _person("Chloe Barker", date(2006, 11, 2))


@pytest.fixture
def gary(db):
    return _person("Gary Lund", date(1980, 1, 19), "YO11 1HQ")


@pytest.fixture
def kids(db):
    return [_person("Mia Lund", date(2016, 2, 11), "YO11 1HQ"), _person("Leo Lund", date(2013, 5, 27), "YO11 1HQ")]


@pytest.fixture
def inv(force, chloe, gary):
    from childsafe.investigations import services

    return services.investigation_open(
        actor=force["pc"], type="cse", victims=[chloe], suspects=[gary], summary="Chloe reports rape by a local man."
    ).record


@pytest.fixture
def allocated(inv, force):
    from childsafe.investigations import services

    services.investigation_allocate(actor=force["ds_king"], investigation=inv, officer=force["det_ross"])
    inv.refresh_from_db()
    return inv
