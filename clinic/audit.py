"""Writing audit events (in the same transaction as the change they record) and
checking the hash chain that links them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from clinic.documents import AuditDetail
from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent, StaffUser
from clinic.models.audit import GENESIS_HASH

VERIFY_BATCH = 2000


def record(
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    actor: StaffUser | None = None,
    actor_kind: str | None = None,
    detail: AuditDetail | None = None,
) -> AuditEvent:
    """Add an audit event to the session. `detail` holds ids and codes, never answers.

    The address is kept for staff and system events only: a client's address
    would say where a person in danger was when they filled in the form.
    """
    ip = None
    if has_request_context():
        if actor is None and actor_kind is None and current_user.is_authenticated:
            actor = current_user._get_current_object()
        if actor_kind != "client":
            ip = request.remote_addr
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_kind=actor_kind or ("staff" if actor is not None else "system"),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=ip,
        detail=dict(detail or {}),
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: how many events it checked and the first broken link."""

    checked: int
    broken_at: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain() -> ChainReport:
    """Walk every audit event in id order and recompute its hash."""
    expected_prev, last_id, checked = GENESIS_HASH, None, 0
    after = -1
    while True:
        batch = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > after)
            .order_by(AuditEvent.id)
            .limit(VERIFY_BATCH)
        ).all()
        if not batch:
            break
        for event in batch:
            checked += 1
            if event.prev_hash != expected_prev:
                return ChainReport(
                    checked,
                    event.id,
                    f"event {event.id} does not follow event {last_id or 'none'}: "
                    "an event before it was removed, added or changed",
                )
            if event.digest() != event.hash:
                return ChainReport(
                    checked, event.id, f"event {event.id} was changed after it was written"
                )
            expected_prev, last_id = event.hash, event.id
        after = batch[-1].id
        db.session.expunge_all()
    head = db.session.get(AuditChainHead, 1)
    if head is None or head.hash != expected_prev or head.last_event_id != last_id:
        return ChainReport(
            checked,
            last_id,
            f"the chain ends at event {last_id or 'none'} but its head records "
            f"event {head.last_event_id if head else 'none'}: events were removed from the end",
        )
    return ChainReport(checked)
