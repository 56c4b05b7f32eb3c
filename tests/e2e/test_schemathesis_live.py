"""schemathesis runs the OpenAPI descriptions against the live app on PostgreSQL.

The JSON API's own description (`/api/v1/openapi.json`, as the app serves it) and the
FHIR interface's read and search interactions (tests.support.fhir_openapi, generated
from the CapabilityStatement) are fuzzed over HTTP against a real server thread on a
database of the test's own, with a real bearer token of an intake coordinator and one
routed intake to find. Every answer must be no server error, of a described status
and content type, and valid against the described schema (so every FHIR error is an
OperationOutcome). Examples are derandomised and bounded (EXAMPLES per operation), and a
few explicit cases the fuzzer would hardly make (a valid intake, with and without an
Idempotency-Key; a read of an id that exists, for every type) are checked the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from clinic import create_app
from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models.unit_of_work import unit_of_work
from clinic.routing.record import record_routing
from clinic.staff.services import create_staff_user
from tests.conftest import app_overrides, fresh_postgres_database
from tests.support import fhir_openapi
from tests.support.browser import LiveServer
from tests.support.services import drop_postgres_database

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


ANSWERS = {"safety.now": 1, "phq9.9": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}}
VALID_INTAKE = {"path": "adult_self", "subject_age": 34, "answers": ANSWERS, "contact": {}}


@dataclass(frozen=True)
class LiveApi:
    url: str
    headers: dict[str, str]
    spec: dict[str, Any]
    fhir_spec: dict[str, Any]
    intake_id: str


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """The app served on a database of its own, with a coordinator's token and one routed
    intake (so reads and searches find something)."""
    url = fresh_postgres_database()
    instance: Path = tmp_path_factory.mktemp("schemathesis") / "instance"
    app = create_app(app_overrides(url, instance, TESTING=False))
    try:
        with app.app_context():
            owner = create_staff_user(
                email="coordinator@example.org",
                display_name="Coordinator",
                role="intake_coordinator",
                password="a long enough password for tests",
            )
            token = create_token(owner, "schemathesis")
            intake_id = str(
                submit_intake(path="adult_self", subject_age=34, answers=ANSWERS, contact={})
            )
            db.session.commit()
            with unit_of_work():
                record_routing(intake_id)
            fhir_spec = fhir_openapi.document()
        with LiveServer(app) as server:
            spec = requests.get(f"{server.url}/api/v1/openapi.json", timeout=30).json()
            yield LiveApi(
                server.url, {"Authorization": f"Bearer {token}"}, spec, fhir_spec, intake_id
            )
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_postgres_database(url)


def _fuzz(spec: dict[str, Any], live_api: LiveApi) -> int:
    """Every operation of `spec`, up to EXAMPLES cases each, against the live app; the
    number of operations fuzzed. A failing check raises with the case that made it fail."""
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    calls: list[int] = []
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call_and_validate(
                base_url=live_api.url, headers=live_api.headers, checks=CHECKS
            )
            calls.append(response.status_code)

        run()
    assert len(calls) > len(operations), "schemathesis made no request beyond one per operation"
    return len(operations)


def _explicit(spec: dict[str, Any], live_api: LiveApi, cases: list[dict[str, Any]]) -> list[int]:
    """Cases the fuzzer would hardly make (a valid intake, an id that exists), checked the
    same way; their statuses."""
    schema = schemathesis.openapi.from_dict(spec)
    statuses = []
    for given_case in cases:
        path, method = given_case.pop("path"), given_case.pop("method")
        case = schema[path][method].Case(**given_case)
        headers = {**live_api.headers, **given_case.get("headers", {})}
        response = case.call_and_validate(base_url=live_api.url, headers=headers, checks=CHECKS)
        statuses.append(response.status_code)
    return statuses


def test_the_json_api_answers_as_described(live_api: LiveApi) -> None:
    assert _fuzz(live_api.spec, live_api) == 5
    intakes = "/api/v1/intakes"
    keyed = {"Idempotency-Key": "schemathesis-1"}
    statuses = _explicit(
        live_api.spec,
        live_api,
        [
            {"path": intakes, "method": "POST", "body": VALID_INTAKE},
            {"path": intakes, "method": "POST", "body": VALID_INTAKE, "headers": keyed},
            {"path": intakes, "method": "POST", "body": VALID_INTAKE, "headers": keyed},
            {
                "path": intakes + "/{submission_id}",
                "method": "GET",
                "path_parameters": {"submission_id": live_api.intake_id},
            },
        ],
    )
    assert statuses == [201, 201, 201, 200]


def test_fhir_reads_and_searches_answer_as_described(live_api: LiveApi) -> None:
    spec = live_api.fhir_spec
    assert _fuzz(spec, live_api) == len(spec["paths"])
    reads = []
    for path in spec["paths"]:
        if path.endswith("/{id}"):
            search = requests.get(
                live_api.url + path.removesuffix("/{id}"), headers=live_api.headers, timeout=30
            ).json()
            first = search["entry"][0]["resource"]["id"]
            reads.append({"path": path, "method": "GET", "path_parameters": {"id": first}})
    assert _explicit(spec, live_api, reads) == [200] * len(reads) != []
