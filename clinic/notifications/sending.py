"""Sending one message: claim, send, mark sent; what happens when the worker dies between.

1. Claim: the row goes from `pending` to `sending` (attempts + 1) in a unit of
   work of its own, committed before anything is sent, guarded by the attempts
   counter, so two deliveries of the same task cannot both claim it.
2. Send through the channel (SMTP, SMS provider, development files).
3. Mark: `sent` (payload wiped), `pending` again with a backoff for a temporary
   failure, or `failed`; a unit of work of its own, committed at once. A mark
   `sent` that fails for a database error is tried again here, a few times with
   backoff (MARK_SENT_RETRY_DELAYS), before the task gives up: the message went,
   so it is never turned into a resend.

The claim and the mark (each way) are `unit_of_work()` blocks, the only commits
here; anything else (a message already finished or missing) is committed by the task.

`send_for_intake` sends an intake's staff alerts and on-call pages (written by
routing, clinic.notifications.queueing.one_task_for) in one task, batched per
recipient: the same three steps, with one recipient's messages claimed in one
commit and those sent marked in one commit.

A task delivered again after the row was marked sent does nothing. One finding
the row `sending` waits out the lease (a hard time limit keeps a live send
shorter): the previous worker died before the far end accepted, or after it
accepted and before step 3 committed; nobody can tell which. Then the delivery
semantics of the message's kind decide:

- staff and on-call messages are **at least once**: sent again, with the same
  Message-ID (the row id), so a mail program shows one; the alert pages say a
  duplicate may arrive;
- client messages are **at most once** (a second "we tried to reach you" or
  resume link can do harm where it is not safe): never sent again by itself,
  the row becomes `unknown` ("delivery unknown" for staff, audited), and an
  admin may send it again from the operations page (audited).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db, rows_matched
from clinic.models import NotificationMessage, Referral
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications.channel_choice import channel_for, connected_channel
from clinic.notifications.channels import (
    Channel,
    DeliveryFailure,
    Outgoing,
    TemporaryFailure,
)
from clinic.notifications.render import render
from clinic.observability import metrics
from clinic.security import audit

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 2.0
FINISHED = ("sent", "failed", "skipped", "unknown")
AT_MOST_ONCE_RECIPIENTS = ("client",)
MARK_SENT_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
"""Waits between tries of the mark `sent` (about 7.5 s in all, inside the send's time limit)."""


def at_most_once(message: NotificationMessage) -> bool:
    """Client messages: never sent again when the outcome of a send is unknown."""
    return message.recipient in AT_MOST_ONCE_RECIPIENTS


def send_time_limit(config: Mapping[str, Any]) -> float:
    """Hard time limit of one send task: four SMTP steps' worth of MAIL_TIMEOUT."""
    return 4 * float(config["MAIL_TIMEOUT"])


def lease_seconds(config: Mapping[str, Any]) -> float:
    """After this, a `sending` row belongs to a worker that is gone."""
    return 5 * float(config["MAIL_TIMEOUT"])


def retry_delay(attempts: int) -> float:
    """Exponential backoff with equal jitter, capped by TASK_RETRY_MAX_DELAY."""
    ceiling = min(
        float(current_app.config["TASK_RETRY_MAX_DELAY"]),
        FIRST_RETRY_SECONDS * 2.0 ** max(0, attempts - 1),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Outcome:
    """What became of the row; `retry_in`: the task should run again after that many seconds."""

    status: str
    retry_in: float | None = None


def send_message(message_id: str) -> Outcome:
    message = db.session.get(NotificationMessage, uuid.UUID(message_id))
    if message is None or message.status in FINISHED:  # missing: its draft was purged
        _finish_outbox(message_id)
        return Outcome("missing" if message is None else message.status)
    now = utcnow()
    if message.status == "pending" and message.next_attempt_at > now:
        return Outcome("pending")  # early: the retry scheduled with the backoff will come
    if message.status == "sending" and message.claimed_at is not None:
        lease_end = message.claimed_at + timedelta(seconds=lease_seconds(current_app.config))
        if lease_end > now:
            return Outcome("sending", retry_in=(lease_end - now).total_seconds() + 1)
        if at_most_once(message):
            return _mark_unknown(message)
        log.warning("message %s: the last send did not finish; sending again", message_id)
        metrics.NOTIFICATIONS.labels(channel=message.channel, outcome="unknown").inc()
    if not _claim(message, now):
        return Outcome("claimed elsewhere")
    return _send_claimed(message)


SETTLED = (*FINISHED, "missing")
"""Outcomes after which the intake's task has nothing more to do for the message."""


def intake_messages(submission_id: uuid.UUID) -> list[NotificationMessage]:
    """The intake's unfinished staff and on-call messages, grouped by recipient.

    Client messages are never among them: each is at most once, with a task of its own.
    """
    referrals = select(Referral.id).where(Referral.submission_id == submission_id)
    return list(
        db.session.scalars(
            select(NotificationMessage)
            .where(
                or_(
                    NotificationMessage.referral_id.in_(referrals),
                    NotificationMessage.submission_id == submission_id,
                ),
                NotificationMessage.recipient.not_in(AT_MOST_ONCE_RECIPIENTS),
                NotificationMessage.status.not_in(FINISHED),
            )
            .order_by(
                NotificationMessage.recipient,
                NotificationMessage.channel,
                NotificationMessage.created_at,
            )
        )
    )


def send_for_intake(submission_id: str) -> Outcome:
    """Send the intake's staff alerts and pages, a recipient's messages together.

    The messages of one recipient (and channel) that are due are claimed in one
    commit, sent one after another, and those the far end took are marked sent
    in one commit: the same three steps as `send_message`, per recipient rather
    than per message (a worker dying between a send and the mark sends those
    staff messages again after the lease, as for one message). A message in any
    other state (claimed by a worker that may still be sending, or waiting out a
    backoff) goes through `send_message` on its own.

    Messages are claimed only in the first MAIL_TIMEOUT of the run, and one
    claimed but not yet sent when that time is up is given back unsent, so each
    send has most of the task's time limit (4 x MAIL_TIMEOUT, shorter than the
    lease); the rest come in the next run (`retry_in` 0). A message that must
    wait (a backoff, another worker's lease) brings the task back when the first
    of them is due. Once every message is settled, the intake's outbox row is done
    (in the last mark's commit when the last recipient's messages all went).
    """
    started = time.monotonic()
    budget = float(current_app.config["MAIL_TIMEOUT"])
    now = utcnow()
    waits: list[float] = []
    messages = intake_messages(uuid.UUID(submission_id))
    snapshots = [_Snapshot.of(message, now) for message in messages]  # before any commit
    groups = [
        list(group)
        for _, group in groupby(
            snapshots, key=lambda snapshot: (snapshot.recipient, snapshot.channel)
        )
    ]
    for number, group in enumerate(groups):
        if time.monotonic() - started > budget:
            return Outcome("more to send", retry_in=0.0)
        due: list[_Snapshot] = []
        for snapshot in group:
            if snapshot.due:
                due.append(snapshot)
                continue
            outcome = send_message(str(snapshot.id))
            if outcome.status not in SETTLED:
                waits.append(_wait_for(snapshot.id, outcome))
        if due:
            last = number == len(groups) - 1 and not waits and len(due) == len(group)
            group_waits, done = _send_together(
                due, lambda: time.monotonic() - started > budget, submission_id if last else None
            )
            if done:
                return Outcome("sent")
            waits += group_waits
    if waits:
        return Outcome("pending", retry_in=min(waits))
    outbox.mark_done(TaskNames.SEND_INTAKE_NOTIFICATIONS, submission_id)
    return Outcome("sent")


@dataclass(frozen=True)
class _Snapshot:
    """What sending a message of the intake needs, read before any commit expires its row.

    `due`: pending and due now; only those are rendered here (a rendering that
    fails keeps its error: the message fails once claimed, as in `_send_claimed`).
    """

    id: uuid.UUID
    recipient: str
    channel: str
    attempts: int
    due: bool
    outgoing: Outgoing | None = None
    error: Exception | None = None

    @classmethod
    def of(cls, message: NotificationMessage, now: datetime) -> _Snapshot:
        found = cls(
            message.id,
            message.recipient,
            message.channel,
            message.attempts,
            due=message.status == "pending" and message.next_attempt_at <= now,
        )
        if not found.due:
            return found
        try:
            return replace(found, outgoing=_outgoing(message))
        except Exception as exc:
            return replace(found, error=exc)


def _send_together(
    snapshots: list[_Snapshot], time_is_up: Callable[[], bool], intake: str | None
) -> tuple[list[float], bool]:
    """Claim one recipient's due messages at once, send each, mark those taken sent at once.

    Returns the waits before the task should run again (a temporary failure's
    backoff, another worker's claim, or 0 for messages given back unsent —
    `pending`, their attempt not counted — because the time was up before their
    turn), and whether the `intake` task's outbox row was marked done with them:
    given when these are the intake's last messages, it is, once all of them went.
    """
    claimed = _claim_all(snapshots)
    sent: list[_Snapshot] = []
    waits: list[float] = []
    done = False
    try:
        with ExitStack() as connections:
            channel = _GroupChannel(snapshots[0].channel, connections)
            for number, snapshot in enumerate(snapshots):
                if snapshot.id not in claimed:
                    waits.append(_wait_for(snapshot.id, Outcome("claimed elsewhere")))
                    continue
                if time_is_up():
                    _give_back([later.id for later in snapshots[number:] if later.id in claimed])
                    waits.append(0.0)
                    break
                outcome = _send_snapshot(snapshot, channel)
                if outcome is None:
                    sent.append(snapshot)
                elif outcome.retry_in is not None:
                    waits.append(outcome.retry_in)
    finally:
        if sent:
            done = intake is not None and len(sent) == len(snapshots)
            _mark_sent([snapshot.id for snapshot in sent], intake if done else None)
    for snapshot in sent:
        log.info("message %s sent by %s", snapshot.id, snapshot.channel)
        metrics.NOTIFICATIONS.labels(channel=snapshot.channel, outcome="sent").inc()
    return waits, done


class _GroupChannel:
    """The channel of one recipient's messages, made at the first send (inside that send's
    error handling); over SMTP the messages share one connection."""

    def __init__(self, name: str, connections: ExitStack) -> None:
        self._name = name
        self._connections = connections
        self._channel: Channel | None = None

    def send(self, outgoing: Outgoing) -> None:
        if self._channel is None:
            self._channel = self._connections.enter_context(connected_channel(self._name))
        self._channel.send(outgoing)


def _send_snapshot(snapshot: _Snapshot, channel: Channel) -> Outcome | None:
    """Step 2 of a claimed message: None when the far end took it, else what step 3 recorded."""
    try:
        if snapshot.outgoing is None:
            raise snapshot.error or ValueError("not rendered")
        channel.send(snapshot.outgoing)
    except DeliveryFailure as exc:
        message = db.session.get(NotificationMessage, snapshot.id)
        if message is None:
            return Outcome("missing")
        if isinstance(exc, TemporaryFailure):
            return _temporary(message, str(exc))
        return _fail(message, str(exc))
    except Exception as exc:  # a bug or an unexpected library error: never loop on it
        log.exception("message %s: unexpected error while sending", snapshot.id)
        message = db.session.get(NotificationMessage, snapshot.id)
        return Outcome("missing") if message is None else _fail(message, type(exc).__name__)
    return None


def _claim_all(snapshots: list[_Snapshot]) -> set[uuid.UUID]:
    """Step 1 for several messages, committed before any is sent (guards as in `_claim`)."""
    with unit_of_work():
        claimed = db.session.scalars(
            update(NotificationMessage)
            .where(
                NotificationMessage.status == "pending",
                or_(
                    *(
                        and_(
                            NotificationMessage.id == snapshot.id,
                            NotificationMessage.attempts == snapshot.attempts,
                        )
                        for snapshot in snapshots
                    )
                ),
            )
            .values(
                status="sending", claimed_at=utcnow(), attempts=NotificationMessage.attempts + 1
            )
            .returning(NotificationMessage.id),
            execution_options={"synchronize_session": False},
        )
        return set(claimed)


def _give_back(message_ids: list[uuid.UUID]) -> None:
    """Claimed but never handed to a channel: pending again, as before the claim."""
    if not message_ids:
        return
    with unit_of_work():
        db.session.execute(
            update(NotificationMessage)
            .where(NotificationMessage.id.in_(message_ids), NotificationMessage.status == "sending")
            .values(status="pending", claimed_at=None, attempts=NotificationMessage.attempts - 1),
            execution_options={"synchronize_session": False},
        )


def _wait_for(message_id: uuid.UUID, outcome: Outcome) -> float:
    """Seconds until the unsettled message can be tried again."""
    if outcome.retry_in is not None:
        return outcome.retry_in
    message = db.session.get(NotificationMessage, message_id)
    if message is not None and message.status == "pending":  # not due yet: its backoff
        return max(0.0, (message.next_attempt_at - utcnow()).total_seconds()) + 1
    return lease_seconds(current_app.config) + 1  # claimed by another worker


def _claim(message: NotificationMessage, now: datetime) -> bool:
    with unit_of_work():  # step 1, committed before the send
        claimed = db.session.execute(
            update(NotificationMessage)
            .where(
                NotificationMessage.id == message.id,
                NotificationMessage.status == message.status,
                NotificationMessage.attempts == message.attempts,
            )
            .values(status="sending", claimed_at=now, attempts=NotificationMessage.attempts + 1)
        )
    return bool(rows_matched(claimed))


def _outgoing(message: NotificationMessage) -> Outgoing:
    payload = message.payload or {}
    rendered = render(message.template, message.language, message.channel, payload["values"])
    return Outgoing(
        key=str(message.id),
        to=payload["to"],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        sender=payload.get("sender"),
    )


def _send_claimed(message: NotificationMessage) -> Outcome:
    try:
        outgoing = _outgoing(message)
        channel_for(message.channel).send(outgoing)
    except TemporaryFailure as exc:
        return _temporary(message, str(exc))
    except DeliveryFailure as exc:
        return _fail(message, str(exc))
    except Exception as exc:  # a bug or an unexpected library error: never loop on it
        log.exception("message %s: unexpected error while sending", message.id)
        return _fail(message, type(exc).__name__)
    message_id, channel = message.id, message.channel
    _mark_sent([message_id])
    log.info("message %s sent by %s", message_id, channel)
    metrics.NOTIFICATIONS.labels(channel=channel, outcome="sent").inc()
    return Outcome("sent")


def _mark_sent(message_ids: list[uuid.UUID], intake: str | None = None) -> None:
    """Step 3 for messages the far end took: retried on a database error, then raised.

    `intake`: these were the intake's last messages; its task's outbox row is done too.
    """
    for delay in (*MARK_SENT_RETRY_DELAYS, None):
        try:
            with unit_of_work():
                db.session.execute(
                    update(NotificationMessage)
                    .where(
                        NotificationMessage.id.in_(message_ids),
                        NotificationMessage.status.in_(("sending", "unknown")),
                    )
                    .values(
                        status="sent",
                        sent_at=utcnow(),
                        last_error=None,
                        payload_encrypted=None,  # the address and any link are not needed now
                    ),
                    execution_options={"synchronize_session": False},
                )
                done: dict[str, Sequence[object]] = {TaskNames.SEND_NOTIFICATION: message_ids}
                if intake is not None:
                    done[TaskNames.SEND_INTAKE_NOTIFICATIONS] = (intake,)
                outbox.mark_all_done(done)
            return
        except SQLAlchemyError as exc:
            if delay is None:
                raise
            log.warning(
                "messages %s were sent but not marked sent (%s); marking again in %.1fs",
                ", ".join(map(str, message_ids)),
                type(exc).__name__,
                delay,
            )
            _discard_session()
            time.sleep(delay)


def _discard_session() -> None:
    """After a database error: a fresh connection for the next try."""
    try:
        db.session.close()
    except SQLAlchemyError:
        db.session.remove()


def _mark_unknown(message: NotificationMessage) -> Outcome:
    """A client message whose last send never recorded its outcome: not sent again."""
    with unit_of_work():
        message.status = "unknown"
        message.last_error = "delivery unknown: the send began and its outcome was not recorded"
        _finish_outbox(str(message.id))
        audit.record(
            "message.delivery_unknown",
            target_type="notification_message",
            target_id=message.id,
            actor_kind="system",
        )
    log.warning(
        "message %s: the last send did not finish; delivery unknown, not resent", message.id
    )
    return Outcome("unknown")


def _temporary(message: NotificationMessage, error: str) -> Outcome:
    if message.attempts >= current_app.config["NOTIFICATION_MAX_ATTEMPTS"]:
        return _fail(message, f"{error}; gave up after {message.attempts} tries")
    delay = retry_delay(message.attempts)
    with unit_of_work():  # step 3, committed before the task raises its retry
        message.status = "pending"
        message.last_error = error
        message.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.info("message %s not sent (%s); trying again in %.0fs", message.id, error, delay)
    metrics.NOTIFICATIONS.labels(channel=message.channel, outcome="retrying").inc()
    return Outcome("pending", retry_in=delay)


def _fail(message: NotificationMessage, error: str) -> Outcome:
    with unit_of_work():  # step 3
        message.status = "failed"
        message.last_error = error[:120]
        _finish_outbox(str(message.id))
    log.warning("message %s failed: %s", message.id, error)
    metrics.NOTIFICATIONS.labels(channel=message.channel, outcome="failed").inc()
    return Outcome("failed")


def _finish_outbox(message_id: str) -> None:
    outbox.mark_done(TaskNames.SEND_NOTIFICATION, message_id)
