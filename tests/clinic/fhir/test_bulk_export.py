"""FHIR bulk export: kick-off through the outbox, the task writing encrypted NDJSON, the
owner polling and downloading, and nobody else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.task import Task
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.api.tokens import create_token
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.fhir import bulk_files
from clinic.models import AuditEvent, IntakeSubmission, OutboxMessage, StaffUser
from tests import factories
from workers.tasks.fhir_export import fhir_export_task

pytestmark = pytest.mark.usefixtures("worker_celery", "app_context")

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}
DBT_AND_EMDR: dict[str, int | None] = {"safety.now": 1, "phq9.9": 1, **PTSD_POSITIVE}
EMDR_ONLY: dict[str, int | None] = {"safety.now": 1, **PTSD_POSITIVE}
ASYNC = {"Prefer": "respond-async"}


def _headers(user: StaffUser) -> dict[str, str]:
    token = create_token(user, "bulk")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _routed(answers: dict[str, int | None]) -> IntakeSubmission:
    submission = factories.routed_intake(answers=answers)
    db.session.commit()
    return submission


def _kick_off(client: FlaskClient, headers: dict[str, str], query: str = "") -> str:
    response = client.get(f"/fhir/R4/$export{query}", headers={**headers, **ASYNC})
    assert response.status_code == 202, response.data
    location = response.headers["Content-Location"]
    return location.split("/fhir/R4/")[1]


def _run_export(status_path: str) -> None:
    """Run the export task as the worker would, for the row the kick-off wrote."""
    export_id = status_path.rsplit("/", 1)[1]
    row = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == TaskNames.FHIR_EXPORT)
    ).one()
    assert row.target_id == export_id
    assert fhir_export_task(export_id) == "completed"


def _download(client: FlaskClient, headers: dict[str, str], url: str) -> list[str]:
    response = client.get("/fhir/R4" + url.split("/fhir/R4", 1)[1], headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+ndjson"
    return response.get_data(as_text=True).splitlines()


def test_an_export_is_written_by_the_task_and_read_by_its_owner(
    client: FlaskClient, app: Flask
) -> None:
    _routed(DBT_AND_EMDR)
    _routed(EMDR_ONLY)
    headers = _headers(factories.coordinator())
    status = _kick_off(client, headers)

    assert client.get(f"/fhir/R4/{status}", headers=headers).status_code == 202
    _run_export(status)
    manifest = client.get(f"/fhir/R4/{status}", headers=headers)

    assert manifest.status_code == 200
    output = {item["type"]: item for item in manifest.json["output"]}
    assert set(output) == set(bulk_files.EXPORTABLE)
    assert output["QuestionnaireResponse"]["count"] == 2
    assert output["Task"]["count"] == 3
    models: dict[str, Any] = {
        "QuestionnaireResponse": QuestionnaireResponse,
        "Observation": Observation,
        "Task": Task,
    }
    for resource_type, model in models.items():
        lines = _download(client, headers, output[resource_type]["url"])
        assert len(lines) == output[resource_type]["count"]
        for line in lines:
            assert model.model_validate_json(line).get_resource_type() == resource_type
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"fhir.export_requested", "fhir.export_status", "fhir.export_downloaded"} <= actions


def test_the_files_on_disk_are_encrypted(client: FlaskClient, app: Flask) -> None:
    _routed(DBT_AND_EMDR)
    headers = _headers(factories.coordinator())
    status = _kick_off(client, headers, "?_type=QuestionnaireResponse")
    _run_export(status)
    files = list(Path(app.instance_path, "fhir-exports").rglob("*"))
    written = [f for f in files if f.is_file()]
    assert [f.name for f in written] == ["QuestionnaireResponse.ndjson.enc"]
    text = written[0].read_text()
    assert "QuestionnaireResponse" not in text and "phq9" not in text


def test_only_the_owner_sees_an_export_and_deleting_removes_it(
    client: FlaskClient, app: Flask
) -> None:
    _routed(DBT_AND_EMDR)
    owner = _headers(factories.coordinator())
    other = _headers(factories.coordinator())
    status = _kick_off(client, owner, "?_type=Task")
    _run_export(status)
    assert client.get(f"/fhir/R4/{status}", headers=other).status_code == 404
    url = client.get(f"/fhir/R4/{status}", headers=owner).json["output"][0]["url"]
    path = url.split("/fhir/R4", 1)[1]
    assert client.get(f"/fhir/R4{path}", headers=other).status_code == 404

    assert client.delete(f"/fhir/R4/{status}", headers=owner).status_code == 202

    assert client.get(f"/fhir/R4/{status}", headers=owner).status_code == 404
    assert not list(Path(app.instance_path, "fhir-exports").rglob("*.enc"))


def test_an_export_needs_the_read_scope_of_every_type_it_holds(client: FlaskClient) -> None:
    token = create_token(factories.coordinator(), "tasks", scopes=["system/Task.read"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}", **ASYNC}
    assert client.get("/fhir/R4/$export?_type=Task", headers=headers).status_code == 202
    assert client.get("/fhir/R4/$export", headers=headers).status_code == 403


def test_a_clinicians_export_holds_only_their_queues(client: FlaskClient, app: Flask) -> None:
    _routed(DBT_AND_EMDR)
    _routed(EMDR_ONLY)
    headers = _headers(factories.clinician(queues=("dbt",)))
    status = _kick_off(client, headers, "?_type=Task,QuestionnaireResponse")
    _run_export(status)
    output = {
        i["type"]: i["count"]
        for i in client.get(f"/fhir/R4/{status}", headers=headers).json["output"]
    }
    assert output == {"Task": 1, "QuestionnaireResponse": 1}


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {}),
        ("?_type=Spaceship", ASYNC),
        ("?_since=yesterday", ASYNC),
        ("?_outputFormat=csv", ASYNC),
    ],
)
def test_a_kick_off_it_cannot_do_is_refused(
    client: FlaskClient, query: str, headers: dict[str, str]
) -> None:
    response = client.get(
        f"/fhir/R4/$export{query}", headers={**_headers(factories.coordinator()), **headers}
    )
    assert response.status_code == 400
    assert response.json["resourceType"] == "OperationOutcome"
    assert db.session.scalars(select(OutboxMessage)).all() == []
