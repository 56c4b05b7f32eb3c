"""Two routing runs of one intake at the same moment leave one set of referrals (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from clinic import create_app
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import AuditEvent, Referral
from clinic.models.unit_of_work import unit_of_work
from clinic.routing.record import record_routing
from tests.conftest import app_overrides, fresh_postgres_database
from tests.support.services import drop_postgres_database

pytestmark = pytest.mark.postgres
PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}


@pytest.fixture
def committed_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own, where commits are real (no test rollback)."""
    url = fresh_postgres_database()
    try:
        app = create_app(app_overrides(url, tmp_path))
        yield app
        with app.app_context():
            db.engine.dispose()
    finally:
        drop_postgres_database(url)


def test_concurrent_runs_route_once(committed_app: Flask) -> None:
    with committed_app.app_context():
        submission_id = str(
            submit_intake(path="adult_self", subject_age=30, answers={"phq9.9": 2, **PTSD_POSITIVE})
        )
        db.session.commit()
    start = threading.Barrier(4)
    results: list[str] = []

    def run() -> None:  # as the routing task runs it: one unit of work
        with committed_app.app_context(), unit_of_work():
            start.wait()
            results.append(record_routing(submission_id))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert results == ["routed"] * 4
    with committed_app.app_context():
        assert sorted(db.session.scalars(select(Referral.queue))) == ["dbt", "emdr"]
        routed = select(func.count()).where(AuditEvent.action == "submission.routed")
        assert db.session.scalar(routed) == 1


def test_the_database_refuses_a_second_referral_to_the_same_queue(committed_app: Flask) -> None:
    with committed_app.app_context():
        submission_id = submit_intake(path="adult_self", subject_age=30, answers={})
        db.session.commit()
        record_routing(str(submission_id))
        db.session.add(
            Referral(
                submission_id=submission_id,
                queue="intake",
                priority="routine",
                explanation={"rule_ids": []},
            )
        )
        with pytest.raises(IntegrityError, match="uq_referral_submission_queue"):
            db.session.commit()
        db.session.rollback()
