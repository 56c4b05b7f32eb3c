"""Writing audit events (in the same transaction as the change they record, unsealed)
and checking the keyed chain the sealer links them into (`clinic.security.audit_seal`)."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict, Unpack, cast

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import Row, Table, func, select

from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent, StaffUser
from clinic.models.audit import GENESIS_HASH
from clinic.models.columns import key_ring, utcnow
from clinic.models.documents import AuditDetail
from clinic.models.encryption import KeyRing
from clinic.models.row_inserts import RowInsert, prebuilt_insert
from clinic.security.audit_heads import check_heads
from clinic.security.audit_seal import derived_key, mac_of

VERIFY_BATCH = 2000


@dataclass(frozen=True)
class StaffRef:
    """A staff account known by its id alone (e.g. an API token's owner, read without
    loading the account's row), as the actor of an event."""

    id: uuid.UUID


Actor = StaffUser | StaffRef
"""Who did what an event records: a staff account, loaded or known by its id."""


_EVENTS = cast(Table, AuditEvent.__table__)
_INSERT_EVENT = prebuilt_insert(
    _EVENTS, ("at", "actor_id", "actor_kind", "action", "target_type", "target_id", "ip", "detail")
).returning(_EVENTS.c.id)
"""An event's INSERT, built once: most requests and tasks write one (an ORM object per
event cost about a twentieth of a submit's web CPU)."""


class EventFields(TypedDict, total=False):
    """What an event says besides its action (`record`); each may be left out."""

    target_type: str | None
    target_id: object
    actor: Actor | None
    actor_kind: str | None
    detail: AuditDetail | None


def record(action: str, **fields: Unpack[EventFields]) -> int:
    """Write an audit event in the session's transaction; returns its id. `detail` holds
    ids and codes, never answers.

    The event is inserted at once (what the session holds is flushed first, so an
    actor made in the same transaction exists). The address is kept for staff and
    system events only: a client's address would say where a person in danger was
    when they filled in the form.
    """
    row = event_row(action, **fields)
    event_id: int = db.session.execute(row.statement, row.values).scalar_one()
    return event_id


def event_row(action: str, **fields: Unpack[EventFields]) -> RowInsert:
    """The event `record` writes, as a row to write with another in one statement
    (`clinic.models.row_inserts`): e.g. with the outbox row of the change it records."""
    actor = fields.get("actor")
    actor_kind = fields.get("actor_kind")
    target_id = fields.get("target_id")
    ip = None
    if has_request_context():
        if actor is None and actor_kind is None and current_user.is_authenticated:
            actor = current_user._get_current_object()
        if actor_kind != "client":
            ip = request.remote_addr
    return RowInsert(
        _INSERT_EVENT,
        {
            "at": utcnow(),
            "actor_id": actor.id if actor is not None else None,
            "actor_kind": actor_kind or ("staff" if actor is not None else "system"),
            "action": action,
            "target_type": fields.get("target_type"),
            "target_id": None if target_id is None else str(target_id),
            "ip": ip,
            "detail": dict(fields.get("detail") or {}),
        },
    )


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: how many sealed events it checked, and the problems.

    `broken_at` is the first event whose link does not hold, if any; `problems`
    also names unsealed events older than AUDIT_UNSEALED_MAX_AGE and exported
    heads the chain no longer matches.
    """

    checked: int
    broken_at: int | None = None
    problems: tuple[str, ...] = ()
    unsealed: int = 0

    @property
    def problem(self) -> str | None:
        return self.problems[0] if self.problems else None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    """Where the walk along the chain stands."""

    ring: KeyRing
    expected_prev: str = GENESIS_HASH
    expected_seq: int = 1
    last_id: int | None = None
    checked: int = 0

    def problem_with(self, event: Row[Any]) -> str | None:
        """What is wrong with the next event of the chain, if anything."""
        if event.prev_hash != self.expected_prev:
            return (
                f"event {event.id} does not follow event {self.last_id or 'none'}: "
                "an event before it was removed, added or changed"
            )
        if event.seal_seq != self.expected_seq:
            return (
                f"event {event.id} is at position {event.seal_seq} of the chain, "
                f"not {self.expected_seq}: events were removed or reordered"
            )
        key = derived_key(self.ring, event.key_id)
        if key is None:
            return (
                f"event {event.id} was sealed with key {event.key_id}, which "
                "ENCRYPTION_KEYS no longer holds: it cannot be checked"
            )
        mac = mac_of(event, key, seq=event.seal_seq, prev_hash=event.prev_hash, key_id=event.key_id)
        if not hmac.compare_digest(mac, event.hash or ""):
            return f"event {event.id} was changed after it was written"
        return None

    def follow(self, event: Row[Any]) -> None:
        self.expected_prev, self.last_id = event.hash, event.id
        self.expected_seq += 1
        self.checked += 1


def _walk_chain(walk: _Walk) -> tuple[int | None, str | None]:
    """Follow the sealed events in chain order; the first broken one and why."""
    events = AuditEvent.__table__
    after: int | None = None  # not 0: a position set to 0 or below must not hide an event
    while True:
        query = select(events).where(events.c.seal_seq.is_not(None))
        if after is not None:
            query = query.where(events.c.seal_seq > after)
        batch = db.session.execute(query.order_by(events.c.seal_seq).limit(VERIFY_BATCH)).all()
        if not batch:
            return None, None
        for event in batch:
            problem = walk.problem_with(event)
            if problem is not None:
                return event.id, problem
            walk.follow(event)
        after = batch[-1].seal_seq


def _head_problem(walk: _Walk) -> str | None:
    head = db.session.get(AuditChainHead, 1)
    if head is None or head.hash != walk.expected_prev or head.last_event_id != walk.last_id:
        return (
            f"the chain ends at event {walk.last_id or 'none'} but its head records "
            f"event {head.last_event_id if head else 'none'}: events were removed from the end"
        )
    return None


def _late_events() -> tuple[int, str | None]:
    """How many events are unsealed, and a problem if any is older than the bound."""
    unsealed = AuditEvent.seal_seq.is_(None)
    count = db.session.scalar(select(func.count()).where(unsealed)) or 0
    max_age = float(current_app.config["AUDIT_UNSEALED_MAX_AGE"])
    bound = utcnow() - timedelta(seconds=max_age)
    late, oldest = db.session.execute(
        select(func.count(), func.min(AuditEvent.id)).where(unsealed, AuditEvent.at < bound)
    ).one()
    if not late:
        return count, None
    return count, (
        f"{late} event(s) older than {max_age:g} seconds are not sealed (the oldest: event "
        f"{oldest}): is the sealer running? `flask audit seal` seals them now"
    )


def verify_chain() -> ChainReport:
    """Check the keyed chain, its head, unsealed events and the exported heads."""
    walk = _Walk(ring=key_ring())
    broken_at, problem = _walk_chain(walk)
    db.session.expire_all()
    problems = [problem] if problem is not None else []
    if broken_at is None and (head_problem := _head_problem(walk)) is not None:
        problems.append(head_problem)
        broken_at = walk.last_id
    unsealed, late = _late_events()
    if late is not None:
        problems.append(late)
    problems.extend(check_heads(walk.ring))
    return ChainReport(walk.checked, broken_at, tuple(problems), unsealed)
