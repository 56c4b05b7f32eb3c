"""The audit sealer and the head export as beat and a live worker run them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from clinic.broker.names import Queues
from clinic.extensions import db
from clinic.models import AuditEvent
from clinic.security import audit, audit_heads
from tests.e2e.conftest import Stack, _make_stack
from tests.support.processes import start_beat, start_worker, wait_until

pytestmark = pytest.mark.e2e

TIMEOUT = 60.0


@pytest.fixture(params=["embedded", "postgres-redis"])
def audit_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """A stack whose beat seals and exports every second."""
    for stack in _make_stack(request.param, tmp_path):
        stack.env |= {"AUDIT_SEAL_SECONDS": "1", "AUDIT_HEAD_EXPORT_SECONDS": "1"}
        yield stack


def _unsealed(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEvent.seal_seq.is_(None))) or 0


def _exported_up_to(app: Flask) -> int | None:
    with app.app_context():
        path = audit_heads.heads_path()
        if not path.exists() or not path.read_text().strip():
            return None
        return int(json.loads(path.read_text().splitlines()[-1])["sealed_up_to_id"])


def test_beat_seals_new_events_and_exports_the_head(audit_stack: Stack, tmp_path: Path) -> None:
    worker = start_worker(audit_stack.env, tmp_path, queues=(Queues.MAINTENANCE,))
    beat = start_beat(audit_stack.env, tmp_path)
    try:
        app = audit_stack.web_app()
        with app.app_context():
            last = max(audit.record("test.live", detail={"n": n}) for n in range(3))
            db.session.commit()
        wait_until(lambda: _unsealed(app) == 0, TIMEOUT, "the sealer", worker)
        wait_until(lambda: _exported_up_to(app) == last, TIMEOUT, "the head export", worker)
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and "Audit chain intact: 3 event(s)" in result.output
    finally:
        beat.stop()
        worker.stop()
