"""The OpenAPI description of /api/v1 agrees with the views that serve it.

Every /api/v1 rule of the URL map, with each of its methods, is described and nothing
else is; the document is valid OpenAPI 3.1; real answers of the views (each status
they give: 201, 200, 400, 401, 403, 404, 422) are valid against the schemas the
document gives for them. The reference page renders the same document, with no
script and nothing from another site.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from clinic.api.openapi import PREFIX, Undocumented, document
from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.routing.record import record_routing
from tests import factories
from tests.support.openapi import conforming_client, operation_of

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return conforming_client(app)


def _described(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, methods in spec["paths"].items() for method in methods}


def _served(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            found |= {(m, path) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return found


def test_every_api_rule_and_method_is_described_and_nothing_else(app: Flask) -> None:
    spec = document()
    assert _described(spec) == _served(app)
    assert ("POST", "/api/v1/intakes") in _described(spec)


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_each_operation_names_the_scope_its_view_checks(app: Flask) -> None:
    spec = document()
    scopes = {
        (method.upper(), path): described["security"]
        for path, methods in spec["paths"].items()
        for method, described in methods.items()
    }
    assert scopes[("POST", "/api/v1/intakes")] == [{"bearerToken": ["intakes:write"]}]
    assert scopes[("GET", "/api/v1/intakes/{submission_id}")] == [{"bearerToken": ["intakes:read"]}]
    assert scopes[("GET", "/api/v1/queues/waits")] == [{"bearerToken": ["referrals:read"]}]
    assert scopes[("GET", "/api/v1/openapi.json")] == []
    post = operation_of(spec, "POST", "/api/v1/intakes")
    assert post is not None
    assert [p["name"] for p in post["parameters"]] == ["Idempotency-Key"]
    assert spec["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


def test_a_view_without_a_described_operation_fails_the_document(app: Flask) -> None:
    """A rule added without @operation cannot slip past: the document refuses to build."""

    def undescribed() -> str:
        return ""

    app.add_url_rule(f"{PREFIX}/undescribed", "api.undescribed", undescribed)
    with pytest.raises(Undocumented, match=r"api\.undescribed"):
        document()


def test_real_answers_of_every_status_conform(client: FlaskClient, app: Flask) -> None:
    """The conforming client checks each answer below against the document."""
    user = factories.staff_user(email="coordinator@example.org")
    auth = {"Authorization": f"Bearer {create_token(user, 'test')}"}
    narrow = {"Authorization": f"Bearer {create_token(user, 'narrow', ['intakes:read'])}"}
    db.session.commit()
    body = {"path": "adult_self", "subject_age": 30, "answers": {"safety.now": 1, "phq9.9": 1}}
    for answers in ({f"pcptsd5.{n}": 1 for n in range(6)}, {}):
        body = {**body, "answers": {**body["answers"], **answers}}  # type: ignore[dict-item]
        created = client.post("/api/v1/intakes", json=body, headers=auth)
        assert created.status_code == 201
    submission_id = created.get_json()["id"]
    assert client.get(f"/api/v1/intakes/{submission_id}", headers=auth).status_code == 200
    record_routing(submission_id)
    routed = client.get(f"/api/v1/intakes/{submission_id}", headers=auth)
    assert routed.get_json()["referrals"]
    assert client.get("/api/v1/queues/waits", headers=auth).status_code == 200
    keyed = {**auth, "Idempotency-Key": "k1"}
    assert client.post("/api/v1/intakes", json=body, headers=keyed).status_code == 201
    assert client.post("/api/v1/intakes", json=body, headers=keyed).status_code == 201
    statuses = [
        client.post("/api/v1/intakes", data="{", headers=auth).status_code,
        client.post("/api/v1/intakes", json={"path": 1}, headers=auth).status_code,
        client.post("/api/v1/intakes", json=body, headers=narrow).status_code,
        client.get("/api/v1/queues/waits").status_code,
        client.get("/api/v1/intakes/nope", headers=auth).status_code,
    ]
    assert statuses == [400, 422, 403, 401, 404]


def test_the_reference_page_shows_every_operation_without_script(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path in ("/api/v1/intakes", "/api/v1/intakes/{submission_id}", "/api/v1/queues/waits"):
        assert path in page
    assert "intakes:write" in page and "Idempotency-Key" in page and "ErrorBody" in page
    assert "<script" not in page
    assert "http://" not in page and "https://" not in page


def test_the_documented_example_intake_is_accepted(client: FlaskClient) -> None:
    user = factories.staff_user(email="coordinator@example.org")
    auth = {"Authorization": f"Bearer {create_token(user, 'test')}"}
    db.session.commit()
    examples = document()["components"]["schemas"]["IntakeRequest"]["examples"]
    for example in examples:
        response = client.post("/api/v1/intakes", json=example, headers=auth)
        assert response.status_code == 201, response.get_json()


def test_the_waits_operation_says_how_old_its_figures_may_be() -> None:
    """Each web process keeps the figures for five minutes: a caller is told so."""
    description = document()["paths"]["/api/v1/queues/waits"]["get"]["description"]
    assert "last 90 days" in description and "5 minutes" in description
