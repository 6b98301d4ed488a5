"""/api/v1/: token authentication, the same services, problem+json errors, access events for reads."""

from __future__ import annotations

import pytest
from django.test import Client

from childsafe.core.models import AuditEvent
from childsafe.people.models import Person
from conftest import service_token


@pytest.fixture
def token_for(personas):
    def issue(who: str) -> str:
        raw = service_token(personas["administrator"], personas[who], "tests")
        return raw

    return issue


def api(token: str | None = None) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client(**headers)


@pytest.mark.django_db
def test_no_token_gets_a_problem_document(ella):
    response = api().get(f"/api/v1/people/{ella.pk}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and "Authorization: Bearer" in body["detail"]
    assert api("cs_not-a-real-token").get(f"/api/v1/people/{ella.pk}").status_code == 401


@pytest.mark.django_db
def test_reading_a_person_is_an_access_event_with_api_channel(token_for, personas, ella):
    response = api(token_for("handler")).get(f"/api/v1/people/{ella.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["surname"] == "Hughes" and [m["type"] for m in body["markers"]] == ["firearms"]
    event = AuditEvent.objects.get(event_type="person.api_read", actor=personas["handler"])
    assert event.channel == "api" and event.category == "consultation" and event.person_id == ella.pk


@pytest.mark.django_db
def test_outside_area_needs_a_justification_parameter(token_for, personas, ella):
    client = api(token_for("colleague_elsewhere"))
    refused = client.get(f"/api/v1/people/{ella.pk}")
    assert refused.status_code == 403 and refused.json()["type"].endswith("justification-required")
    allowed = client.get(f"/api/v1/people/{ella.pk}", {"justification": "Custody record check"})
    assert allowed.status_code == 200
    assert AuditEvent.objects.get(event_type="person.api_read").justification == "Custody record check"


@pytest.mark.django_db
def test_wrong_school_gets_404_through_the_api(token_for, ella):
    response = api(token_for("wrong_school")).get(f"/api/v1/people/{ella.pk}")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_create_returns_possible_duplicates_and_validation_names_the_field(token_for, ella):
    client = api(token_for("handler"))
    created = client.post(
        "/api/v1/people/",
        {"forenames": "Ela", "surname": "Hughes", "date_of_birth": "2014-05-20"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["prompts"][0]["rule_id"] == "PL-2"
    assert body["possible_duplicates"][0]["id"] == ella.pk

    bad = client.post(
        "/api/v1/people/",
        {"forenames": "A", "surname": "B", "date_of_birth": "2009-13-01"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "date_of_birth" in bad.json()["errors"]
    bad = client.post(
        "/api/v1/people/",
        {"forenames": "A", "surname": "B", "ethnicity_self_defined": "ZZ"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "ethnicity_self_defined" in bad.json()["errors"]
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_marker_via_api_and_role_refusal(token_for, ella):
    added = api(token_for("handler")).post(
        f"/api/v1/people/{ella.pk}/markers", {"type": "knives", "source": "PNC"}, content_type="application/json"
    )
    assert added.status_code == 201 and added.json()["type"] == "knives"
    refused = api(token_for("pfcc")).post(
        f"/api/v1/people/{ella.pk}/markers", {"type": "knives", "source": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_search_and_openapi_document(token_for, ella):
    client = api(token_for("handler"))
    hits = client.get("/api/v1/people/", {"q": "Ella Hughs"}).json()
    assert hits[0]["id"] == ella.pk and hits[0]["reasons"]
    refused = client.get("/api/v1/people/")
    assert refused.status_code == 422 and "Enter a name" in refused.content.decode()
    assert [h["id"] for h in client.get("/api/v1/people/", {"q": "Ella", "school": "Hill", "year": 2014}).json()] == [
        ella.pk
    ]
    assert [h["id"] for h in client.get("/api/v1/people/", {"address": "YO1 7AA"}).json()] == [ella.pk]
    hits = client.get("/api/v1/people/", {"q": "Hughes", "age_from": 10, "age_to": 14}).json()
    assert hits[0]["id"] == ella.pk and any(r.startswith("aged 10 to 14") for r in hits[0]["reasons"])
    refused = client.get("/api/v1/people/", {"q": "Hughes", "age_from": 14, "age_to": 10})
    assert refused.status_code == 422 and "age_to" in refused.content.decode()
    assert Client().get("/api/v1/openapi.json").status_code == 401  # the docs are for the API's users
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/people/{person_id}" in spec["paths"]
    assert spec["info"]["title"] == "Childsafe API"


@pytest.mark.django_db
def test_revoked_token_stops_working(token_for, ella):
    from childsafe.core import clock
    from childsafe.core.models import ApiToken

    raw = token_for("handler")
    ApiToken.objects.update(revoked_at=clock.now())
    assert api(raw).get(f"/api/v1/people/{ella.pk}").status_code == 401


@pytest.mark.django_db
def test_a_tokens_last_use_is_kept_to_the_minute(token_for, ella):
    from datetime import timedelta

    from childsafe.core import clock
    from childsafe.core.models import ApiToken

    client = api(token_for("handler"))
    assert client.get(f"/api/v1/people/{ella.pk}").status_code == 200
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    assert client.get(f"/api/v1/people/{ella.pk}").status_code == 200
    assert ApiToken.objects.get().last_used_at == first  # within the minute: no write
    clock.set_now(first + timedelta(minutes=2))
    try:
        assert client.get(f"/api/v1/people/{ella.pk}").status_code == 200
    finally:
        clock.set_now(None)
    assert ApiToken.objects.get().last_used_at == first + timedelta(minutes=2)
