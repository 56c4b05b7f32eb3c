"""The transactional outbox: commit first, publish after.

`enqueue` adds an outbox row to the current transaction, `pending` and not due
for the sweep before OUTBOX_PUBLISH_GRACE. When that transaction commits — at
whichever unit-of-work boundary (clinic.models.unit_of_work) — the session hooks
below publish the tasks it wrote (the Celery task id is the row id) from what the
session already holds: no row is read again and, when the broker takes them,
nothing more is written, so a submit is one transaction with one commit. The
task settles its row (`mark_done`); a row still unfinished when its grace ends
— the process died between commit and publish, or the task was lost — is
published again by the beat sweep, and tasks are idempotent, so a task both
published at commit and swept runs its work once. Rows of a rolled-back
transaction are forgotten.

Publishing waits at most BROKER_PUBLISH_TIMEOUT seconds for each step (connect,
send, RabbitMQ's publisher confirm). If the broker cannot be reached, stalls or
is cut off, the failure is recorded on the row (a transaction of its own, on
this path only) and the sweep publishes it after a short backoff. A failure to
publish never raises into the code that committed. The sweep claims the rows it
publishes (`claim_due`), so two sweeps never publish the same row, and marks
them `published`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from kombu.connection import Connection
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import ColumnElement, Table, and_, event, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from clinic.broker.kept_connections import kept_connection
from clinic.broker.names import TASK_QUEUES
from clinic.extensions import db, rows_matched
from clinic.models import OutboxMessage
from clinic.models.columns import utcnow
from clinic.models.row_inserts import RowInsert, insert_together, prebuilt_insert
from clinic.models.unit_of_work import unit_of_work
from clinic.observability import logs

log = logging.getLogger(__name__)

_NEW_IDS = "outbox_new_ids"
"""Key in `Session.info`: the tasks of rows written by the open transaction."""
_COMMITTED_IDS = "outbox_committed_ids"
"""Key in `Session.info`: the tasks of the transaction just committed, to publish."""
_PUBLISHING = "outbox_publishing"
"""Key in `Session.info`: the hook is publishing (its own commits publish nothing more)."""
FIRST_BACKOFF_SECONDS = 2
MAX_BACKOFF_SECONDS = 600
CLAIM_BATCH = 100
"""Rows one sweep claims and publishes at a time."""


@dataclass(frozen=True)
class OutgoingTask:
    """What publishing an outbox row needs, kept from the row the transaction wrote."""

    id: uuid.UUID
    kind: str
    target_id: str
    queue: str | None

    @classmethod
    def of(cls, row: OutboxMessage) -> OutgoingTask:
        return cls(id=row.id, kind=row.kind, target_id=row.target_id, queue=row.queue)


def publish_grace() -> timedelta:
    """How long a new row is left to the commit that wrote it and to its task."""
    return timedelta(seconds=float(current_app.config["OUTBOX_PUBLISH_GRACE"]))


_OUTBOX = cast(Table, OutboxMessage.__table__)
_INSERT_ROW = prebuilt_insert(
    _OUTBOX,
    ("id", "kind", "target_id", "queue", "status", "attempts", "next_attempt_at", "created_at"),
    prefix="outbox_",
)
"""An outbox row's INSERT, built once (see clinic.models.row_inserts)."""


def enqueue(
    kind: str, target_id: object, *, queue: str | None = None, with_rows: Sequence[RowInsert] = ()
) -> uuid.UUID:
    """Write an outbox row for task `kind` with the single argument `target_id`.

    `queue` overrides the task's default queue (e.g. a specialist queue). The
    task is published once the transaction commits; the sweep takes the row
    only if it is still unfinished after OUTBOX_PUBLISH_GRACE. `with_rows` (the
    change the task is about, its audit event) are written in the same statement.
    Returns the row's id, which is the task's.
    """
    task = OutgoingTask(id=uuid.uuid4(), kind=kind, target_id=str(target_id), queue=queue)
    now = utcnow()
    row = RowInsert(
        _INSERT_ROW,
        {
            "outbox_id": task.id,
            "outbox_kind": kind,
            "outbox_target_id": task.target_id,
            "outbox_queue": queue,
            "outbox_status": "pending",
            "outbox_attempts": 0,
            "outbox_next_attempt_at": now + publish_grace(),
            "outbox_created_at": now,
        },
    )
    session = db.session()
    insert_together(session, row, *with_rows)
    _written(session, task)
    return task.id


def _written(session: Session, task: OutgoingTask) -> None:
    """Note the task of a row this transaction wrote, with the (innermost) transaction
    that wrote it: published after the outermost commits, forgotten if either rolls back."""
    written_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_NEW_IDS, []).append((task, written_in))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Rows of a rolled-back transaction or SAVEPOINT (and of those inside it) were never
    written: nothing to publish."""
    new: list[tuple[OutgoingTask, SessionTransaction | None]] | None = session.info.get(_NEW_IDS)
    if new:
        new[:] = [
            (task, written_in) for task, written_in in new if not _within(written_in, rolled_back)
        ]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a released SAVEPOINT is not durable yet
        return
    new = session.info.pop(_NEW_IDS, None)
    if new:
        session.info.setdefault(_COMMITTED_IDS, []).extend(task for task, _ in new)


@event.listens_for(Session, "after_transaction_end")
def _publish_committed(session: Session, transaction: SessionTransaction) -> None:
    """After the outermost transaction ends, publish the tasks it committed.

    Nothing is read or written when the broker takes them all. At the first
    publish it does not take, the session is free again and the failure is
    recorded in a transaction of its own (`_record_failure`); that commit
    publishes nothing more.
    """
    if transaction.parent is not None or session.info.get(_PUBLISHING):
        return
    session.info.pop(_NEW_IDS, None)  # what the outermost transaction did not commit
    committed: list[OutgoingTask] | None = session.info.pop(_COMMITTED_IDS, None)
    if not committed:
        return
    session.info[_PUBLISHING] = True
    try:
        with Publisher() as publisher:
            for number, task in enumerate(committed):
                try:
                    with logs.bound(outbox_id=str(task.id)):
                        publisher.send(task)
                except Exception as exc:  # the broker is away: the sweep publishes the rest
                    _record_failure_safely(session, task, committed[number + 1 :], exc)
                    break
    finally:
        session.info.pop(_PUBLISHING, None)


def _record_failure_safely(
    session: Session, failed: OutgoingTask, rest: list[OutgoingTask], exc: Exception
) -> None:
    log.warning("outbox %s not published (%s); the sweep will retry", failed.id, type(exc).__name__)
    try:
        with unit_of_work(session):
            _record_failure(session, session.get(OutboxMessage, failed.id), exc)
            if rest:  # never tried: due for the next sweep at once
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([task.id for task in rest]))
                    .values(next_attempt_at=utcnow())
                )
    except Exception as error:  # the database too: the rows are due after their grace
        log.warning(
            "outbox %s: the failure was not recorded (%s); due after its grace",
            failed.id,
            type(error).__name__,
        )


def _record_failure(session: Session, message: OutboxMessage | None, exc: Exception) -> None:
    """One more attempt, the error's class name, and a backoff before the sweep tries again."""
    if message is None or message.status in ("done", "failed"):
        return
    attempts = message.attempts + 1
    backoff = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS**attempts)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(
            attempts=attempts,
            last_error=type(exc).__name__,
            next_attempt_at=utcnow() + timedelta(seconds=backoff),
            claimed_until=None,
        )
    )


class Publisher:
    """Sends outbox rows over the process's kept broker connection, each publish bounded.

    Connecting, sending and (RabbitMQ) waiting for the publisher confirm each
    wait at most BROKER_PUBLISH_TIMEOUT (the socket timeouts of
    clinic.broker.celery_app), whatever the broker does — refuses, stalls, or
    is cut off. The connection is kept for the next publisher
    (clinic.broker.kept_connections). After a failure it is dropped, so that a
    late confirm is never taken for the next publish's, and the next publish
    opens a new one.
    """

    def __init__(self) -> None:
        self._celery = current_app.extensions["celery"]
        self._timeout = float(current_app.config["BROKER_PUBLISH_TIMEOUT"])
        self._kept = kept_connection(self._celery)
        self._connection: Connection | None = None
        self._reused = False
        self.failed = False

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *_: object) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._kept.give_back(connection)

    def send(self, message: OutboxMessage | OutgoingTask) -> None:
        """Publish the row's task (task id = row id); returns once the broker took it.

        A kept connection may have died while idle (the broker restarted): a
        publish that fails on one other than by timing out is tried once more,
        on a new connection. One that timed out is not, so that no publish
        waits for a stalled broker more than once.
        """
        try:
            try:
                self._send(message)
            except Exception as exc:
                if not self._reused or _timed_out(exc):
                    raise
                self._send(message)
        except BaseException:
            self.failed = True
            raise

    def _send(self, message: OutboxMessage | OutgoingTask) -> None:
        if self._connection is None:
            self._connection, self._reused = self._kept.take(self._celery)
        try:
            self._celery.send_task(
                message.kind,
                args=[message.target_id],
                argsrepr=repr([message.target_id]),  # what Celery would write, without saferepr
                kwargsrepr="{}",
                task_id=str(message.id),
                queue=message.queue or TASK_QUEUES[message.kind],
                connection=self._connection,
                retry=False,
                timeout=self._timeout,
                confirm_timeout=self._timeout,
                headers={"request_id": logs.current("request_id"), "outbox_id": str(message.id)},
            )
        except BaseException:
            connection, self._connection = self._connection, None
            connection.collect()
            raise


def _timed_out(exc: BaseException) -> bool:
    """The broker did not answer in time (the error or one it was raised from)."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return any(isinstance(cause, (TimeoutError, RedisTimeoutError)) for cause in chain)


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
        _record_failure(session, message, exc)
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


def _finish_unfinished(tasks: Mapping[str, Sequence[object]], **values: object) -> None:
    """Set `values` on the rows of these tasks (kind: targets) that are not finished yet."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            or_(
                *(
                    and_(
                        OutboxMessage.kind == kind,
                        OutboxMessage.target_id.in_([str(target) for target in targets]),
                    )
                    for kind, targets in tasks.items()
                )
            ),
            OutboxMessage.status.in_(("pending", "published")),
        )
        .values(**values)
    )


def mark_failed(kind: str, target_id: object, error: str) -> None:
    """In the task's own transaction: it failed for good; staff see the row as failed."""
    _finish_unfinished({kind: (target_id,)}, status="failed", last_error=error[:500])


def mark_done(kind: str, *target_ids: object) -> None:
    """In the task's own transaction: the outbox rows of its target(s) are done."""
    mark_all_done({kind: target_ids})


def mark_all_done(tasks: Mapping[str, Sequence[object]]) -> None:
    """`mark_done` for the targets of several kinds of task (kind: targets), in one statement."""
    _finish_unfinished(tasks, status="done", done_at=utcnow())


def requeue(message: OutboxMessage) -> None:
    """Admin: publish a failed or stuck row again, with a fresh count of attempts.

    In the caller's transaction; the row is published after its commit, as a new one is.
    """
    message.status = "pending"
    message.attempts = 0
    message.last_error = None
    message.next_attempt_at = utcnow() + publish_grace()
    db.session.flush()
    _written(db.session(), OutgoingTask.of(message))
