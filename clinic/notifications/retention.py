"""Failed messages (and those whose delivery is unknown) keep their details for a limited
time only.

A message that failed for good keeps its encrypted `payload` (the address and
values such as a resume link) so that an admin can send it again (*Retry*).
`FAILED_MESSAGE_RETENTION_DAYS` after its failure — the start of its last try,
`claimed_at` — the maintenance sweep wipes the payload. The row stays `failed`
with its error, so staff still see that the message did not arrive; with no
payload it can no longer be retried, and staff are told to reach the person
another way. Each wipe is audited (ids only), in the same transaction (the
sweep task's, which commits it).

No schema change: "failed with no payload" is the removed state (a sent
message's payload is wiped the same way; a failed one keeps its until now).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import func, select, update

from clinic.extensions import db
from clinic.models import NotificationMessage
from clinic.models.columns import utcnow
from clinic.security import audit
from config.settings import retention_days

log = logging.getLogger(__name__)

BATCH = 200
SETTING = "FAILED_MESSAGE_RETENTION_DAYS"


def init_app(app: Flask) -> None:
    """At app creation: a value given to create_app is checked like the environment's."""
    app.config[SETTING] = retention_days(app.config[SETTING])


def remove_expired_details(now: datetime | None = None) -> int:
    """Wipe the payload of up to BATCH messages failed longer than the limit; how many.

    Idempotent: wiped rows no longer match. Rows another transaction holds (an
    admin's retry, a second sweep) are skipped and taken by a later run.
    """
    days = retention_days(current_app.config[SETTING])
    cutoff = (now or utcnow()) - timedelta(days=days)
    failed_at = func.coalesce(NotificationMessage.claimed_at, NotificationMessage.created_at)
    still_expired = (
        NotificationMessage.status.in_(("failed", "unknown")),
        NotificationMessage.payload_encrypted.is_not(None),
        NotificationMessage.created_at <= cutoff,  # implied by the next; uses the index
        failed_at <= cutoff,
    )
    ids: list[uuid.UUID] = list(
        db.session.scalars(
            select(NotificationMessage.id)
            .where(*still_expired)
            .order_by(NotificationMessage.created_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return 0
    wiped = db.session.scalars(
        update(NotificationMessage)
        .where(NotificationMessage.id.in_(ids), *still_expired)
        .values(payload_encrypted=None)
        .returning(NotificationMessage.id)
        .execution_options(synchronize_session="fetch")
    ).all()
    for message_id in wiped:
        audit.record(
            "message.details_removed",
            target_type="notification_message",
            target_id=message_id,
            actor_kind="system",
            detail={"retention_days": days},
        )
    if wiped:
        log.info("removed the details of %d message(s) failed over %d days ago", len(wiped), days)
    return len(wiped)
