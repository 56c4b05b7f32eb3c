"""Production logs: one JSON object per line, with the ids that follow one intake from
the web request through its routing task to the messages it sends, and never a
detail of the client (the canary values of the intake appear in no line)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clinic.api.tokens import create_token
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage, OutboxMessage
from tests import factories
from tests.e2e.conftest import Stack
from tests.support.processes import start_worker, wait_until
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.e2e

CANARY_EMAIL = "canary-json-9e1b@example.org"
CANARY_NAME = "Canary Jsonwright"
CANARY_PHONE = "+15550009876"
URGENT_INTAKE = {
    "path": "adult_self",
    "subject_age": 38,
    "answers": {"safety.now": 0, "phq9.9": 3},
    "contact": {
        "name": CANARY_NAME,
        "email": CANARY_EMAIL,
        "phone": CANARY_PHONE,
        "channels": {"email": {"allowed": True, "mention_clinic": False}},
    },
}
ON_CALL = "notifications:\n  on_call:\n    - {name: On-call, email: oncall@example.net}\n"


def _records(output: str) -> list[dict[str, Any]]:
    """Every log record of a worker's output (its start-up banner is not a record)."""
    records = []
    for line in output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            assert {"time", "level", "logger", "message"} <= record.keys()
            records.append(record)
    return records


@pytest.mark.parametrize("stack", ["postgres-redis"], indirect=True)
def test_one_intake_is_followed_from_request_to_message_in_json_logs(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "clinic.yaml"
    settings.write_text(ON_CALL)
    monkeypatch.setenv("CLINIC_SETTINGS", str(settings))
    smtp = SmtpServer()
    smtp.start()
    env = {**stack.env, **smtp.mail_env(), "CLINIC_SETTINGS": str(settings), "LOG_FORMAT": "json"}
    worker = start_worker(env, tmp_path)
    try:
        app = stack.web_app()
        with app.app_context():
            token = create_token(factories.staff_user(), "json-logs")
            db.session.commit()
        request_id = f"chain-{uuid.uuid4().hex}"
        response = app.test_client().post(
            "/api/v1/intakes",
            json=URGENT_INTAKE,
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
        )
        assert response.status_code == 201
        assert response.headers["X-Request-ID"] == request_id

        def messages_settled() -> bool:
            with app.app_context():
                statuses = list(db.session.scalars(select(NotificationMessage.status)))
            return bool(statuses) and all(s in ("sent", "skipped") for s in statuses)

        wait_until(messages_settled, 120, "the intake's messages to be sent", worker)
        with app.app_context():
            routing_task = str(
                db.session.scalars(
                    select(OutboxMessage.id).where(OutboxMessage.kind == TaskNames.ROUTE_SUBMISSION)
                ).one()
            )
        wait_until(
            lambda: any(
                r.get("request_id") == request_id and "sent by email" in r["message"]
                for r in _records(worker.output())
            ),
            60,
            "the send to be logged",
            worker,
        )
        followed = [r for r in _records(worker.output()) if r.get("request_id") == request_id]
        routed = [r for r in followed if r["message"].endswith(": routed")]
        assert [(r["task_id"], r["outbox_id"]) for r in routed] == [(routing_task, routing_task)]
        sends = [r for r in followed if "sent by email" in r["message"]]
        assert sends and all(r["task_id"] and r["task_id"] != routing_task for r in sends)
        assert all(r["outbox_id"] for r in sends)
        for canary in (CANARY_EMAIL, CANARY_NAME, CANARY_PHONE, "phq9", "safety.now"):
            assert canary not in worker.output()
    finally:
        worker.stop()
        smtp.stop()
