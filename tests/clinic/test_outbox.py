from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.broker import outbox
from clinic.extensions import db
from clinic.models import IntakeSubmission, OutboxMessage
from clinic.models.columns import utcnow
from tests import factories
from tests.clinic.intake.walker import submit_calm_intake
from tests.support.published import recording
from workers.celery_app import init_celery
from workers.tasks.outbox import sweep_outbox

# The tasks run as a worker runs them.
pytestmark = pytest.mark.usefixtures("worker_celery", "app_context")

UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def _use_broker(app: Flask, url: str) -> None:
    app.config["CELERY_BROKER_URL"] = url
    init_celery(app)


def test_broker_down_at_submit_keeps_the_intake_and_leaves_the_row_pending(
    app: Flask, client: FlaskClient
) -> None:
    _use_broker(app, UNREACHABLE_BROKER)
    submit_calm_intake(client, "adult_self", 30)  # the client is told it was sent
    assert db.session.scalars(select(IntakeSubmission)).one().status == "submitted"
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error == "OperationalError"
    assert message.next_attempt_at > utcnow()


def test_rolled_back_outbox_rows_are_never_published(app: Flask) -> None:
    factories.submitted_intake()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_rolled_back_savepoint_publishes_nothing_of_its_own_and_keeps_the_rest(
    app: Flask,
) -> None:
    """Only the rows that reached the commit are published: a SAVEPOINT rolled back takes
    its rows (and those of a SAVEPOINT released inside it) with it, not the outer ones."""
    with recording() as sent:
        kept = factories.submitted_intake()
        savepoint = db.session.begin_nested()
        factories.submitted_intake()
        with db.session.begin_nested():
            factories.submitted_intake()
        savepoint.rollback()
        with db.session.begin_nested():
            released = factories.submitted_intake()
        db.session.commit()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {row.target_id for row in rows} == {str(kept.id), str(released.id)}
    assert sorted(sent) == sorted((row.kind, str(row.id)) for row in rows)


def test_sweep_publishes_due_pending_rows_once_the_broker_is_back(app: Flask) -> None:
    _use_broker(app, UNREACHABLE_BROKER)
    factories.submitted_intake()
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == "pending"

    _use_broker(app, "memory://")
    assert sweep_outbox() == 0  # not yet due: it backs off
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sweep_outbox() == 1
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("published", 2)


def test_the_commit_publishes_its_rows_and_writes_nothing_more(app: Flask) -> None:
    with recording() as sent:
        factories.submitted_intake()
        db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert sent == [(message.kind, str(message.id))]
    assert (message.status, message.attempts, message.published_at) == ("pending", 0, None)
    grace = timedelta(seconds=app.config["OUTBOX_PUBLISH_GRACE"])
    assert message.next_attempt_at > utcnow() + grace - timedelta(seconds=30)


def test_sweep_publishes_a_row_unfinished_after_its_grace_then_after_republish_after(
    app: Flask,
) -> None:
    factories.submitted_intake()
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert sweep_outbox() == 0  # within its grace: its task may still be running
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with recording() as sent:
        assert sweep_outbox() == 1
    assert sent == [(message.kind, str(message.id))]
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("published", 1)
    assert sweep_outbox() == 0
    message.published_at = utcnow() - timedelta(seconds=app.config["OUTBOX_REPUBLISH_AFTER"] + 1)
    db.session.commit()
    assert sweep_outbox() == 1


def test_a_row_marked_done_by_its_task_is_never_swept(app: Flask) -> None:
    submission = factories.submitted_intake()
    db.session.commit()
    outbox.mark_done("routing.route_submission", submission.id)
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    message.next_attempt_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert sweep_outbox() == 0


def test_done_rows_are_not_published_again(app: Flask) -> None:
    submission = factories.submitted_intake()
    db.session.commit()
    outbox.mark_done("routing.route_submission", submission.id)
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    message.published_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert message.status == "done"
    assert sweep_outbox() == 0


def test_sweep_gives_up_on_a_row_published_too_often_and_marks_it_failed(app: Flask) -> None:
    factories.submitted_intake()
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    message.attempts = app.config["OUTBOX_MAX_ATTEMPTS"]
    message.published_at = utcnow() - timedelta(days=1)
    db.session.commit()

    assert sweep_outbox() == 0

    db.session.refresh(message)
    assert message.status == "failed"
    assert "gave up" in message.last_error
