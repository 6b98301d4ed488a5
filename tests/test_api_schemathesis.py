"""schemathesis against the live /api/v1 schema, through the WSGI app, with a service account's token
(issue 10, item 5): no request it makes gets a server error, and every answer is one the schema documents,
in the documented shape (problem+json for errors). It runs in CI on SQLite and on PostgreSQL.

Bounded in time: a few examples an operation (about a minute or two for all of them). The one check left
out is "schema-valid data is accepted": the schema can't say the rules between fields and records (a year
of birth needs a name to go with it, an officer's username must exist, a record must be in reach), which
answer 422/403/404/409 with each field named, as documented.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from childsafe.config.api import api
from conftest import service_token

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def token(personas, ella):
    """A city supervisor's service account token, with a child in reach to find; the WSGI app shares the
    test's database connection (Django's test client does the same)."""
    raw = service_token(personas["administrator"], personas["supervisor"], "schemathesis")
    served = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/openapi.json")
    assert json.loads(served.content) == json.loads(json.dumps(api.get_openapi_schema())), "not the live schema"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield raw
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_the_api_gives_no_server_error_and_answers_as_its_schema_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance])
