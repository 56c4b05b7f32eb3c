"""The transactional outbox: commit first, publish after.

`enqueue` adds an outbox row to the current transaction. When that transaction
commits — at whichever unit-of-work boundary (clinic.models.unit_of_work) — the
session hooks below publish the rows it wrote (the Celery task id is the row
id); rows of a rolled-back transaction are forgotten. Publishing waits at most
BROKER_PUBLISH_TIMEOUT seconds for each step (connect, send, RabbitMQ's publisher
confirm); a row is marked published only once the broker took it. If the broker
cannot be reached, stalls or is cut off, the row stays pending and the beat
sweep publishes it later. A failure to publish never raises into the code that
committed. The sweep claims the rows it publishes (`claim_due`), so two sweeps
never publish the same row.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from kombu.connection import Connection
from sqlalchemy import ColumnElement, and_, event, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from clinic.broker.names import TASK_QUEUES
from clinic.extensions import db, rows_matched
from clinic.models import OutboxMessage
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.observability import logs

log = logging.getLogger(__name__)

_NEW_IDS = "outbox_new_ids"
"""Key in `Session.info`: rows written by the open transaction."""
_COMMITTED_IDS = "outbox_committed_ids"
"""Key in `Session.info`: rows of the transaction just committed, to publish."""
_PUBLISHING = "outbox_publishing"
"""Key in `Session.info`: the hook is publishing (its own commits publish nothing more)."""
MAX_BACKOFF_SECONDS = 600
CLAIM_BATCH = 100
"""Rows one sweep claims and publishes at a time."""


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
        with Publisher() as publisher:
            for message_id in committed:
                if publisher.failed:  # the broker is away: the sweep publishes the rest
                    break
                _publish_safely(session, message_id, publisher)
    finally:
        session.info.pop(_PUBLISHING, None)


def _publish_safely(session: Session, message_id: uuid.UUID, publisher: Publisher) -> None:
    try:
        with unit_of_work(session):
            _publish(session, message_id, publisher)
    except Exception as exc:  # the change is committed; the sweep publishes the row later
        log.warning(
            "outbox %s: publishing failed (%s); the sweep will retry",
            message_id,
            type(exc).__name__,
        )


class Publisher:
    """Sends outbox rows over a broker connection of its own, each publish bounded.

    Connecting, sending and (RabbitMQ) waiting for the publisher confirm each
    wait at most BROKER_PUBLISH_TIMEOUT (the socket timeouts of
    clinic.broker.celery_app), whatever the broker does — refuses, stalls, or
    is cut off. After a failure the connection is dropped, so that a late
    confirm is never taken for the next publish's, and the next publish opens
    a new one.
    """

    def __init__(self) -> None:
        self._celery = current_app.extensions["celery"]
        self._timeout = float(current_app.config["BROKER_PUBLISH_TIMEOUT"])
        self._connection: Connection | None = None
        self.failed = False

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *_: object) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.release()
        except Exception:  # the broker went away after the last publish: just drop it
            connection.collect()

    def send(self, message: OutboxMessage) -> None:
        """Publish the row's task (task id = row id); returns once the broker took it."""
        if self._connection is None:
            self._connection = self._celery.connection_for_write()
        try:
            self._celery.send_task(
                message.kind,
                args=[message.target_id],
                task_id=str(message.id),
                queue=message.queue or TASK_QUEUES[message.kind],
                connection=self._connection,
                retry=False,
                timeout=self._timeout,
                confirm_timeout=self._timeout,
                headers={"request_id": logs.current("request_id"), "outbox_id": str(message.id)},
            )
        except BaseException:
            self.failed = True
            connection, self._connection = self._connection, None
            connection.collect()
            raise


def publish(message_id: uuid.UUID) -> bool:
    """Send one outbox row to the broker and record the outcome, in a unit of work of its
    own (what the broker took is recorded at once); True when the broker took it."""
    with Publisher() as publisher, unit_of_work():
        return _publish(db.session(), message_id, publisher)


def _publish(session: Session, message_id: uuid.UUID, publisher: Publisher) -> bool:
    with logs.bound(outbox_id=str(message_id)):
        return _publish_row(session, message_id, publisher)


def _publish_row(session: Session, message_id: uuid.UUID, publisher: Publisher) -> bool:
    """Send the row's task (with the request id being served, for the logs)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status in ("done", "failed"):
        return False
    try:
        publisher.send(message)
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
                claimed_until=None,
            )
        )
        log.warning(
            "outbox %s not published (%s); the sweep will retry", message_id, type(exc).__name__
        )
        return False
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(("pending", "published")))
        .values(
            status="published",
            published_at=utcnow(),
            attempts=OutboxMessage.attempts + 1,
            claimed_until=None,
        )
    )
    log.info("outbox %s: %s published", message_id, message.kind)
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


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending and due, or published long ago and still not done; claimed by no sweep."""
    stale = now - timedelta(seconds=current_app.config["OUTBOX_REPUBLISH_AFTER"])
    return and_(
        or_(
            (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.status == "published") & (OutboxMessage.published_at <= stale),
        ),
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
    )


def claim_lease() -> timedelta:
    """How long a sweep holds the rows it claimed: a whole batch at the publish timeout."""
    return timedelta(seconds=CLAIM_BATCH * float(current_app.config["BROKER_PUBLISH_TIMEOUT"]) + 60)


def claim_due() -> tuple[list[uuid.UUID], datetime]:
    """Claim up to CLAIM_BATCH due rows for this sweep, in the caller's unit of work.

    PostgreSQL: the rows are taken `FOR UPDATE SKIP LOCKED`, so a sweep running at
    the same moment passes over them instead of waiting for them. SQLite has one
    writer at a time: the claiming UPDATE checks again that each row is free, so
    of two sweeps the second finds the rows the first claimed taken. Once the
    claim commits, the rows are not due for anyone else until the lease ends.
    Returns the ids claimed and the end of the lease.
    """
    now = utcnow()
    lease_end = now + claim_lease()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.created_at)
            .limit(CLAIM_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return [], lease_end
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _due(now))
        .values(claimed_until=lease_end)
        .returning(OutboxMessage.id),
        execution_options={"synchronize_session": False},
    )
    return list(claimed), lease_end


def publish_claimed(message_ids: list[uuid.UUID], lease_end: datetime) -> int:
    """Publish the rows a sweep claimed, each recorded in a unit of work of its own.

    Stops at the first publish the broker did not take (it is away: the rest would
    each wait out the timeout) and before the lease could run out mid-publish;
    the claims of what is left are released for the next sweep. Returns how many
    the broker took.
    """
    margin = timedelta(seconds=2 * float(current_app.config["BROKER_PUBLISH_TIMEOUT"]))
    taken = 0
    remaining = list(message_ids)
    with Publisher() as publisher:
        while remaining and not publisher.failed and utcnow() + margin < lease_end:
            with unit_of_work():
                taken += _publish(db.session(), remaining.pop(0), publisher)
    if remaining:
        with unit_of_work():
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(remaining))
                .values(claimed_until=None),
                execution_options={"synchronize_session": False},
            )
    return taken


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
