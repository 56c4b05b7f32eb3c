"""The transactional outbox: commit first, publish after.

`enqueue` adds an outbox row to the current transaction; `commit` commits and
then publishes the rows that transaction added (the Celery task id is the row
id). Publishing waits at most BROKER_PUBLISH_TIMEOUT seconds; if the broker
cannot be reached the row stays pending and the beat sweep publishes it later.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from clinic.broker.names import TASK_QUEUES
from clinic.extensions import db, rows_matched
from clinic.models import OutboxMessage
from clinic.models.columns import utcnow

log = logging.getLogger(__name__)

_NEW_IDS = "outbox_new_ids"
MAX_BACKOFF_SECONDS = 600


def enqueue(kind: str, target_id: object, *, queue: str | None = None) -> OutboxMessage:
    """Write an outbox row for task `kind` with the single argument `target_id`.

    `queue` overrides the task's default queue (e.g. a specialist queue).
    """
    message = OutboxMessage(id=uuid.uuid4(), kind=kind, target_id=str(target_id), queue=queue)
    db.session.add(message)
    db.session.info.setdefault(_NEW_IDS, []).append(message.id)
    return message


def commit() -> None:
    """Commit the session, then publish the outbox rows this transaction wrote."""
    db.session.commit()
    new_ids = db.session.info.pop(_NEW_IDS, [])
    for message_id in new_ids:
        publish(message_id)


@event.listens_for(Session, "after_rollback")
def _forget_new_ids(session: Session) -> None:
    """Rows of a rolled-back transaction were never written: nothing to publish."""
    session.info.pop(_NEW_IDS, None)


def publish(message_id: uuid.UUID) -> bool:
    """Send one outbox row to the broker; True when the broker took it."""
    message = db.session.get(OutboxMessage, message_id)
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
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                attempts=attempts,
                last_error=type(exc).__name__,
                next_attempt_at=utcnow() + timedelta(seconds=backoff),
            )
        )
        db.session.commit()
        log.warning(
            "outbox %s not published (%s); the sweep will retry", message_id, type(exc).__name__
        )
        return False
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(("pending", "published")))
        .values(status="published", published_at=utcnow(), attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
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
    db.session.commit()
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
