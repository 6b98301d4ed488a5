"""Shared test fixtures: named personas (DESIGN.md, 'access helpers, not ad-hoc filters')."""

from __future__ import annotations

import os
from datetime import date

import pytest

# The browser tests drive a live server from pytest's thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def _audit_log_emptied_between_transactional_tests():
    """A transactional test's database is emptied by a flush, which the append-only audit log refuses.

    Only for the test database: the guard is lifted for the flush and put back straight after."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from childsafe.core import audit_chain

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        audit_chain.unguard(self.connection)
        try:
            original(self, sql_list)
        finally:
            audit_chain.guard(self.connection)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


@pytest.fixture
def areas(db):
    from childsafe.core.models import Area

    _reseed()
    return {a.code: a for a in Area.objects.all()}


# The data migrations whose rows every test may rely on (areas, skills, teams, phrases, questions).
SEEDS = [
    ("childsafe.core.migrations.0003_default_areas_and_skills", "seed"),
    ("childsafe.core.migrations.0005_default_language_phrases", "seed"),
    ("childsafe.exploitation.migrations.0002_default_questions", "add"),
]


def _reseed() -> None:
    """A transactional test (transaction=True) flushes the tables, data migrations' rows included: put them
    back (each seed is get_or_create, so this is a no-op when they are there)."""
    import importlib

    from django.apps import apps

    from childsafe.core.models import Skill

    if Skill.objects.exists():
        return
    for module, name in SEEDS:
        getattr(importlib.import_module(module), name)(apps, None)


@pytest.fixture
def make_user(db, areas):
    from childsafe.core import services

    def make(username: str, role: str, area: str | None = None, **extra):
        return services.user_create(
            actor=None,
            username=username,
            role=role,
            password=PASSWORD,
            area=areas[area] if area else None,
            check_password=False,
            **extra,
        )

    return make


@pytest.fixture
def york(db):
    from childsafe.people import services

    return services.organisation_create(
        actor=None,
        type="local_authority",
        name="City of York Council",
        email="mash@york.test",
        manager_email="manager@york.test",
    )


@pytest.fixture
def north_yorkshire(db):
    from childsafe.people import services

    return services.organisation_create(
        actor=None, type="local_authority", name="North Yorkshire Council", email="cs-missing@nyc.test"
    )


@pytest.fixture
def hill_primary(york):
    from childsafe.people import services

    return services.organisation_create(
        actor=None,
        type="school",
        name="Hill Primary",
        urn="120001",
        local_authority=york,
        key_adult_email="dsl@hill.test",
        calendar={"base": "england_default"},
    )


@pytest.fixture
def ouse_academy(york):
    from childsafe.people import services

    return services.organisation_create(
        actor=None,
        type="school",
        name="Ouse Academy",
        urn="137002",
        local_authority=york,
        key_adult_email="dsl@ouse.test",
        calendar={"base": "england_default"},
    )


@pytest.fixture
def personas(make_user, hill_primary, ouse_academy, york):
    """Everyone the access matrix is about."""
    return {
        "officer": make_user("pc_city", "response_officer", "city"),
        "colleague_elsewhere": make_user("pc_east", "response_officer", "east"),
        "supervisor": make_user("sgt_city", "supervisor", "city"),
        "handler": make_user("handler", "call_handler"),
        "information_manager": make_user("info_manager", "information_manager"),
        "administrator": make_user("admin", "administrator"),
        "pfcc": make_user("pfcc", "pfcc_scrutiny"),
        "right_school": make_user("dsl_hill", "school_partner", organisation_id=hill_primary.pk),
        "wrong_school": make_user("dsl_ouse", "school_partner", organisation_id=ouse_academy.pk),
        "local_authority": make_user("la_york", "la_partner", organisation_id=york.pk),
    }


@pytest.fixture
def ella(db, hill_primary, york):
    """A child in the city area, at Hill Primary, with a firearms marker on her record."""
    from childsafe.people import services

    created = services.person_create(
        actor=None,
        forenames="Ella",
        surname="Hughes",
        date_of_birth=date(2014, 5, 20),
        sex="female",
        ethnicity_self_defined="W1",
        school=hill_primary,
        local_authority=york,
        address=services.AddressInput(line1="12 Mill Street", town="York", postcode="YO1 7AA"),
    )
    services.marker_add(actor=None, person=created.person, type="firearms", source="Intelligence log 4471")
    return created.person


def service_token(admin, user, name: str = "tests", **options) -> str:
    """An API token for `user`, made a service account first (only service accounts hold tokens): tests
    act through the API as a persona, with that persona's reach."""
    from childsafe.core import services
    from childsafe.core.models import User

    User.objects.filter(pk=user.pk).update(is_service_account=True)
    user.is_service_account = True
    _, raw = services.api_token_create(actor=admin, user=user, name=name, **options)
    return raw
