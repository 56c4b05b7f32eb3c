"""Writing message rows, in the caller's transaction, each with its outbox row — or,
inside `one_task_for(submission)`, all with one outbox row for the intake.

The unique key (event, recipient, channel) makes writing idempotent: code that
runs twice (a task delivered again) finds the row and writes nothing more.
Routing writes an intake's staff alerts and on-call pages inside
`one_task_for`: one `notifications.send_intake` task then sends them all
(clinic.notifications.sending.send_for_intake), each message still claimed,
sent and marked on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import NotificationMessage
from clinic.models.row_inserts import RowInsert, insert_together

_BATCH = "notification_batch"
"""Key in `Session.info`: the messages written inside `one_task_for`, sent by one task."""


@dataclass(frozen=True)
class Recipient:
    """Someone to tell, by one channel. `key` names them in the message's unique key."""

    key: str
    channel: str
    address: str
    language: str = "en"


def find(event: str, recipient: str, channel: str) -> NotificationMessage | None:
    return db.session.scalars(
        select(NotificationMessage).where(
            NotificationMessage.event == event,
            NotificationMessage.recipient == recipient,
            NotificationMessage.channel == channel,
        )
    ).one_or_none()


def add_message(
    event: str,
    recipient: Recipient,
    template: str,
    values: Mapping[str, Any],
    *,
    sender: str | None = None,
    submission_id: uuid.UUID | None = None,
    referral_id: uuid.UUID | None = None,
    new_event: bool = False,
) -> NotificationMessage:
    """The message for this key: the existing one, or a new one to be sent after commit.

    `new_event`: the event names a row this transaction made (a new alert or page),
    so no message can have its key yet and none is looked for.
    """
    if not new_event:
        existing = find(event, recipient.key, recipient.channel)
        if existing is not None:
            return existing
    payload: dict[str, Any] = {"to": recipient.address, "values": dict(values)}
    if sender:
        payload["sender"] = sender
    message = NotificationMessage(
        event=event,
        recipient=recipient.key,
        channel=recipient.channel,
        template=template,
        language=recipient.language,
        status="pending",
        submission_id=submission_id,
        referral_id=referral_id,
        payload=payload,
    )
    db.session.add(message)
    batch: list[NotificationMessage] | None = db.session.info.get(_BATCH)
    if batch is None:
        outbox.enqueue(TaskNames.SEND_NOTIFICATION, message.id)
    else:
        batch.append(message)
    return message


@contextmanager
def one_task_for(submission_id: uuid.UUID, with_rows: Sequence[RowInsert] = ()) -> Iterator[None]:
    """The staff and on-call messages written inside are sent by one task for the intake.

    In the caller's transaction: when the block wrote any message, one outbox row
    for `notifications.send_intake` with the submission's id (published after the
    commit); none otherwise. Client messages never go this way (they are at most
    once, each its own task): the task sends only staff and on-call messages.
    `with_rows` (routing's audit event) are written with that outbox row in one
    statement, or on their own when there is none.
    """
    outer = db.session.info.get(_BATCH)
    batch: list[NotificationMessage] = []
    db.session.info[_BATCH] = batch
    try:
        yield
    finally:
        if outer is None:
            db.session.info.pop(_BATCH, None)
        else:
            db.session.info[_BATCH] = outer
    if batch:
        outbox.enqueue(TaskNames.SEND_INTAKE_NOTIFICATIONS, submission_id, with_rows=with_rows)
    elif with_rows:
        insert_together(db.session(), *with_rows)


def record_not_sent(
    event: str, template: str, reason: str, *, submission_id: uuid.UUID
) -> NotificationMessage:
    """A client message that must not be sent (no safe channel): kept, visible to staff."""
    existing = find(event, "client", "none")
    if existing is not None:
        return existing
    message = NotificationMessage(
        event=event,
        recipient="client",
        channel="none",
        template=template,
        status="skipped",
        last_error=reason,
        submission_id=submission_id,
    )
    db.session.add(message)
    return message
