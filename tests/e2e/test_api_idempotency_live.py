"""Two requests with the same Idempotency-Key at the same time make one intake (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from clinic.api.tokens import create_token
from clinic.extensions import db
from clinic.models import ApiIdempotencyKey, IntakeSubmission
from tests import factories
from tests.e2e.conftest import Stack, _make_stack
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

BODY = {"path": "adult_self", "subject_age": 30, "answers": {"safety.now": 1}, "contact": {}}


@pytest.fixture
def postgres_stack(tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack("postgres-redis", tmp_path)


def test_two_concurrent_requests_with_the_same_key_make_one_intake(
    postgres_stack: Stack,
) -> None:
    app = postgres_stack.web_app_with_broker_unreachable()  # the outbox rows stay pending
    with app.app_context():
        token = create_token(factories.coordinator(), "test")
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"}
    responses: list[Any] = []

    def post() -> None:
        with app.test_client() as client:
            responses.append(client.post("/api/v1/intakes", json=BODY, headers=headers))

    locker = create_engine(postgres_stack.database_url)
    try:
        with locker.connect() as connection:
            held = connection.begin()
            connection.execute(text("SELECT id FROM api_token FOR UPDATE"))  # both wait here
            threads = [threading.Thread(target=post) for _ in range(2)]
            for thread in threads:
                thread.start()
            wait_until(
                lambda: _waiting_on_a_lock(locker) >= 2, what="both requests to be in flight"
            )
            held.rollback()
            for thread in threads:
                thread.join(timeout=60)
        assert [r.status_code for r in responses] == [201, 201]
        assert responses[0].json == responses[1].json
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(IntakeSubmission)) == 1
            assert db.session.scalar(select(func.count()).select_from(ApiIdempotencyKey)) == 1
    finally:
        locker.dispose()
        with app.app_context():
            db.engine.dispose()


def _waiting_on_a_lock(engine: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            or 0
        )
