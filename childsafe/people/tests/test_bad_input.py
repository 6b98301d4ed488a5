"""Bad input never reaches the database as a 500 (issue 10, item 5): NUL and control characters are
refused with a plain message in forms, services and the API (normal Unicode kept), the API schema
carries the columns' lengths, and a body over the limit is a problem document."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from childsafe.core.errors import InvalidInput
from childsafe.people import services
from childsafe.people.models import Person
from conftest import PASSWORD, service_token


@pytest.fixture
def api(personas) -> Client:
    raw = service_token(personas["administrator"], personas["handler"], "t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post_json(client: Client, url: str, body: object):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["Ella\x00", "El\x07la", "Ella\x1b[31m", "Ella\x85"])
def test_api_refuses_control_characters_in_any_text_with_a_problem_document(api, bad):
    response = post_json(api, "/api/v1/people/", {"forenames": bad, "surname": "Hughes"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "control character" in response.json()["errors"]["forenames"]
    assert not Person.objects.filter(surname="Hughes").exists()


@pytest.mark.django_db
def test_api_refuses_a_nul_in_a_query_parameter(api, ella):
    response = api.get(f"/api/v1/people/{ella.pk}?justification=checking%00now")
    assert response.status_code == 422 and "justification" in response.json()["errors"]


@pytest.mark.django_db
def test_api_schema_holds_the_address_columns_length(api):
    response = post_json(
        api,
        "/api/v1/people/",
        {"forenames": "Noah", "surname": "Begum", "address": {"line1": "x" * 201, "town": "York"}},
    )
    assert response.status_code == 422 and "address.line1" in response.json()["errors"]
    schema = api.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["components"]["schemas"]["AddressIn"]["properties"]["line1"]["maxLength"] == 200


@pytest.mark.django_db
def test_api_body_over_the_limit_is_a_problem_document(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post_json(api, "/api/v1/people/", {"forenames": "Noah", "surname": "Begum", "notes": "n" * 20_000})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_api_keeps_normal_unicode(api):
    response = post_json(api, "/api/v1/people/", {"forenames": "Zoë Nguyễn", "surname": "Ōkubo-李", "notes": "a\tb\nc"})
    assert response.status_code == 201, response.content
    assert Person.objects.get(surname="Ōkubo-李").forenames == "Zoë Nguyễn"


@pytest.mark.django_db
def test_services_refuse_control_characters_and_overlong_address_lines_naming_each_field():
    with pytest.raises(InvalidInput) as refused:
        services.person_create(
            actor=None,
            forenames="Noah",
            surname="Beg\x00um",
            notes="fine\x0bnot fine",
            address=services.AddressInput(line1="x" * 300, town="York", postcode=""),
        )
    errors = refused.value.errors
    assert set(errors) == {"surname", "notes", "address"}
    assert "last name contains a character that can't be stored" in errors["surname"]
    assert "200 characters or fewer" in errors["address"]


@pytest.mark.django_db
def test_a_marker_source_with_a_nul_is_refused(ella):
    with pytest.raises(InvalidInput) as refused:
        services.marker_add(actor=None, person=ella, type="weapons", source="PNC\x00")
    assert "source" in refused.value.errors


@pytest.mark.django_db
def test_every_form_refuses_control_characters_with_a_plain_message(personas):
    client = Client()
    assert client.login(username=personas["officer"].username, password=PASSWORD)
    response = client.post(
        "/people/new/", {"forenames": "Noah\x01", "surname": "Begum", "date_of_birth": "2012-03-03", "sex": "male"}
    )
    assert response.status_code == 200
    assert b"The text contains a character that can&#x27;t be stored (a control character" in response.content
    assert not Person.objects.filter(surname="Begum").exists()


@pytest.mark.django_db
def test_the_openapi_schema_documents_every_error_answer_as_a_problem(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            missing = {"401", "403", "404", "409", "422"} - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} doesn't document {sorted(missing)}"


# What schemathesis found the schema and the API disagreeing on (tests/test_api_schemathesis.py).


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_documented_400_problem(api):
    response = api.post("/api/v1/people/", b"\x00\xff", content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Send the body as a JSON object in UTF-8."
    from childsafe.config.api import api as ninja_api

    operation = ninja_api.get_openapi_schema()["paths"]["/api/v1/people/"]["post"]
    assert {"400", "401", "403", "404", "409", "422"} <= operation["responses"].keys()
    assert "application/problem+json" in operation["responses"]["400"]["content"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"forenames": "Ella", "surname": "Hughes", "looked_after": 0},
        {"forenames": "Ella", "surname": "Hughes", "date_of_birth": 0},
        {"forenames": "Ella", "surname": "Hughes", "date_of_birth": "1400000000"},
    ],
)
def test_a_number_is_not_a_flag_or_a_date(api, body):
    """The schema says boolean and an ISO date: 0 was taken as false, and as 1 January 1970."""
    response = post_json(api, "/api/v1/people/", body)
    assert response.status_code == 422, response.content
    assert not Person.objects.filter(surname="Hughes").exists()


@pytest.mark.django_db
def test_a_search_date_of_birth_must_be_a_date(api):
    assert api.get("/api/v1/people/?dob=0&q=Hughes").status_code == 422
    assert api.get("/api/v1/people/?dob=2014-05-20&q=Hughes").status_code == 200


def test_the_schema_says_which_text_is_refused_and_names_each_response_shape_once():
    from childsafe.config.api import api as ninja_api
    from childsafe.core.text import SCHEMA_PATTERN

    schema = ninja_api.get_openapi_schema()
    components = schema["components"]["schemas"]
    assert components["PersonIn"]["properties"]["notes"]["pattern"] == SCHEMA_PATTERN
    assert components["PersonIn"]["propertyNames"] == {"pattern": SCHEMA_PATTERN}
    read = schema["paths"]["/api/v1/people/{person_id}"]["get"]
    assert [p for p in read["parameters"] if p["name"] == "justification"][0]["schema"]["pattern"] == SCHEMA_PATTERN
    # Two response shapes were both called PersonOut, so one replaced the other in the schema.
    assert "forenames" in components["PersonOut"]["properties"]
    assert "role" in components["InvestigationPersonOut"]["properties"]
