"""Intakes posted to the JSON API are routed by a live worker, on every stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clinic.api.tokens import create_token
from clinic.extensions import db
from tests import factories
from tests.e2e.conftest import Stack
from tests.support.processes import start_worker, wait_until

pytestmark = pytest.mark.e2e

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}
CASES: list[tuple[dict[str, Any], list[tuple[str, str]], list[str]]] = [
    (
        {"path": "adult_self", "subject_age": 18, "answers": {"safety.now": 1, **PTSD_POSITIVE}},
        [("emdr", "routine")],
        [],
    ),
    (
        {"path": "teen_self", "subject_age": 17, "answers": {"asq.1": 1, "asq.5": 0}},
        [("dbt", "priority")],
        [],
    ),
    (
        {"path": "caregiver_child", "subject_age": 2, "answers": {"safety.now": 0}},
        [("family", "urgent")],
        [],
    ),
    (
        {
            "path": "adult_self",
            "subject_age": 45,
            "answers": {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 0},
        },
        [("intake", "priority")],
        ["partner_safety"],
    ),
    # Policy version 2: a representative set of what it changed.
    (
        {
            "path": "teen_self",
            "subject_age": 12,
            "answers": {"safety.now": 1, **{f"cats_7_17.s{n}": 3 for n in range(1, 8)}},
        },
        [("emdr", "routine")],
        [],
    ),
    (
        {
            "path": "adult_self",
            "subject_age": 30,
            "answers": {
                "safety.now": 1,
                **{f"phq9.{n}": 3 for n in range(1, 9)},
                "phq9.9": 0,
                **{f"auditc.{n}": 4 for n in range(1, 4)},
            },
        },
        [("intake", "priority")],
        ["alcohol_use", "severe_symptoms"],
    ),
    (
        {"path": "adult_self", "subject_age": 30, "answers": {"safety.now": None}},
        [("intake", "priority")],
        ["safety_unknown"],
    ),
    (
        {
            "path": "caregiver_child",
            "subject_age": 5,
            "answers": {"safety.now": 1, "cats_3_6.e8": 1},
        },
        [("play", "priority")],
        ["safeguarding"],
    ),
    (
        {
            "path": "adult_self",
            "subject_age": 40,
            "answers": {
                "safety.now": 1,
                "rship.1": 1,
                "rship.2": 0,
                "rship.4": 0,
                "rship.5": 1,
                "parent.1": 1,
                "parent.2": 1,
            },
        },
        [("intake", "priority")],
        ["partner_safety"],
    ),
]


def test_api_intakes_are_routed_by_the_live_worker(stack: Stack, tmp_path: Path) -> None:
    app = stack.web_app()
    with app.app_context():
        token = create_token(factories.staff_user(), "e2e")
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    worker = start_worker(stack.env, tmp_path)
    try:
        ids = []
        for body, _, _ in CASES:
            response = client.post("/api/v1/intakes", json=body, headers=headers)
            assert response.status_code == 201, response.get_json()
            ids.append(response.get_json()["id"])

        def read(submission_id: str) -> dict[str, Any]:
            response = client.get(f"/api/v1/intakes/{submission_id}", headers=headers)
            body: dict[str, Any] = response.get_json()
            return body

        for submission_id, (_, referrals, flags) in zip(ids, CASES, strict=True):
            wait_until(
                lambda sid=submission_id: read(sid)["status"] == "routed", 90, "routing", worker
            )
            body = read(submission_id)
            assert [(r["queue"], r["priority"]) for r in body["referrals"]] == referrals
            assert body["flags"] == flags
    finally:
        worker.stop()
