"""The transactional outbox: commit first, publish after.

`enqueue` adds an outbox row to the current transaction. When that transaction
commits — at whichever unit-of-work boundary (clinic.models.unit_of_work) — the
session hooks below publish the rows it wrote (the Celery task id is the row
id); rows of a rolled-back transaction are forgotten. Publishing waits at most
BROKER_PUBLISH_TIMEOUT seconds; if the broker cannot be reached the row stays
pending and the beat sweep publishes it later. A failure to publish never
raises into the code that committed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from clinic.broker.names import TASK_QUEUES
from clinic.extensions import db, rows_matched
from clinic.models import OutboxMessage
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

_NEW_IDS = "outbox_new_ids"
"""Key in `Session.info`: rows written by the open transaction."""
_COMMITTED_IDS = "outbox_committed_ids"
"""Key in `Session.info`: rows of the transaction just committed, to publish."""
_PUBLISHING = "outbox_publishing"
"""Key in `Session.info`: the hook is publishing (its own commits publish nothing more)."""
MAX_BACKOFF_SECONDS = 600


def enqueue(kind: str, target_id: object, *, queue: str | None = None) -> OutboxMessage:
    """Write an outbox row for task `kind` with the single argument `target_id`.

    `queue` overrides the task's default queue (e.g. a specialist queue). The
    row is published once the transaction commits.
    """
    message = OutboxMessage(id=uuid.uuid4(), kind=kind, target_id=str(target_id), queue=queue)
    db.session.add(message)
    return message


@event.listens_for(Session, "after_flush")
def _note_new_rows(session: Session, _context: Any) -> None:
    new_ids = [row.id for row in session.new if isinstance(row, OutboxMessage)]
    if new_ids:
        session.info.setdefault(_NEW_IDS, []).extend(new_ids)


@event.listens_for(Session, "after_rollback")
def _forget_new_rows(session: Session) -> None:
    """Rows of a rolled-back transaction were never written: nothing to publish."""
    session.info.pop(_NEW_IDS, None)


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a released SAVEPOINT is not durable yet
        return
    new_ids = session.info.pop(_NEW_IDS, None)
    if new_ids:
        session.info.setdefault(_COMMITTED_IDS, []).extend(new_ids)


@event.listens_for(Session, "after_transaction_end")
def _publish_committed(session: Session, transaction: SessionTransaction) -> None:
    """After the outermost transaction ends, publish the rows it committed.

    The session is free again here, so each row's publishing records its
    outcome in a transaction of its own; those commits publish nothing more.
    """
    if transaction.parent is not None or session.info.get(_PUBLISHING):
        return
    committed = session.info.pop(_COMMITTED_IDS, None)
    if not committed:
        return
    session.info[_PUBLISHING] = True
    try:
        for message_id in committed:
            _publish_safely(session, message_id)
    finally:
        session.info.pop(_PUBLISHING, None)


def _publish_safely(session: Session, message_id: uuid.UUID) -> None:
    try:
        with unit_of_work(session):
            _publish(session, message_id)
    except Exception as exc:  # the change is committed; the sweep publishes the row later
        log.warning(
            "outbox %s: publishing failed (%s); the sweep will retry",
            message_id,
            type(exc).__name__,
        )


def publish(message_id: uuid.UUID) -> bool:
    """Send one outbox row to the broker and record the outcome, in a unit of work of its
    own (what the broker took is recorded at once); True when the broker took it."""
    with unit_of_work():
        return _publish(db.session(), message_id)


def _publish(session: Session, message_id: uuid.UUID) -> bool:
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status in ("done", "failed"):
        return False
    celery = current_app.extensions["celery"]
    try:
        celery.send_task(
            message.kind,
            args=[message.target_id],
            task_id=str(message.id),
            queue=message.queue or TASK_QUEUES[message.kind],
            retry=False,
        )
    except Exception as exc:  # any broker failure leaves the row for the sweep
        attempts = message.attempts + 1
        backoff = min(MAX_BACKOFF_SECONDS, 2**attempts)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                attempts=attempts,
                last_error=type(exc).__name__,
                next_attempt_at=utcnow() + timedelta(seconds=backoff),
            )
        )
        log.warning(
            "outbox %s not published (%s); the sweep will retry", message_id, type(exc).__name__
        )
        return False
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(("pending", "published")))
        .values(status="published", published_at=utcnow(), attempts=OutboxMessage.attempts + 1)
    )
    return True


def give_up_on_exhausted() -> int:
    """Rows published OUTBOX_MAX_ATTEMPTS times and still not done are marked failed.

    Tasks are idempotent, so publishing again is safe, but not forever: a row
    that never completes becomes visible to staff instead of looping.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status.in_(("pending", "published")),
            OutboxMessage.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"],
        )
        .values(status="failed", last_error="gave up: published too many times without finishing")
    )
    return rows_matched(result)


def due_ids() -> list[uuid.UUID]:
    """Rows to publish again: pending and due, or published long ago and still not done."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["OUTBOX_REPUBLISH_AFTER"])
    query = select(OutboxMessage.id).where(
        or_(
            (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.status == "published") & (OutboxMessage.published_at <= stale),
        )
    )
    return list(db.session.scalars(query.order_by(OutboxMessage.created_at).limit(500)))


def _finish_unfinished(kind: str, target_id: object, **values: object) -> None:
    """Set `values` on the task's rows that are not finished yet."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == kind,
            OutboxMessage.target_id == str(target_id),
            OutboxMessage.status.in_(("pending", "published")),
        )
        .values(**values)
    )


def mark_failed(kind: str, target_id: object, error: str) -> None:
    """In the task's own transaction: it failed for good; staff see the row as failed."""
    _finish_unfinished(kind, target_id, status="failed", last_error=error[:500])


def mark_done(kind: str, target_id: object) -> None:
    """In the task's own transaction: its outbox rows are done."""
    _finish_unfinished(kind, target_id, status="done", done_at=utcnow())


def requeue(message: OutboxMessage) -> None:
    """Admin: publish a failed or stuck row again, with a fresh count of attempts.

    In the caller's transaction; the row is published after its commit, as a new one is.
    """
    message.status = "pending"
    message.attempts = 0
    message.last_error = None
    message.next_attempt_at = utcnow()
    db.session.flush()
    db.session.info.setdefault(_NEW_IDS, []).append(message.id)
