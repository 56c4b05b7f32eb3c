"""Append-only record of who did what to which record, and from where. Never answers.

Each event carries a SHA-256 hash over its own fields and the previous event's
hash, so an edited, removed or reordered row breaks the chain; the one-row
`audit_chain_head` holds the newest hash, so cutting events off the end shows too.

The ORM refuses updates and deletes below, and so does the database: triggers
(migration 649da06592b8) reject UPDATE, DELETE and TRUNCATE of `audit_event`.
So no column here may ever need rewriting (no encrypted values: `flask keys
rotate` could not re-encrypt them), and a SQLite batch migration that rebuilds
this table must create the triggers again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    event,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from clinic.extensions import Model
from clinic.models.columns import UTCDateTime, created_at, utcnow

GENESIS_HASH = "0" * 64
"""The `prev_hash` of the first event of a chain."""


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = created_at()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True, comment="null: system or client"
    )
    actor_kind: Mapped[str] = mapped_column(
        String(16), nullable=False, comment="staff/system/client"
    )
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    target_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True, comment="client address")
    detail: Mapped[dict[str, Any]] = mapped_column(
        JSON, nullable=False, default=dict, comment="ids and codes only, never answers"
    )
    prev_hash: Mapped[str] = mapped_column(
        String(64), nullable=False, comment="hash of the event before this one"
    )
    hash: Mapped[str] = mapped_column(
        String(64), nullable=False, comment="SHA-256 of prev_hash and this event's fields"
    )

    def digest(self) -> str:
        """The hash this event's fields and `prev_hash` give (compare with `hash`)."""
        return event_digest(
            self.prev_hash,
            at=self.at,
            actor_id=self.actor_id,
            actor_kind=self.actor_kind,
            action=self.action,
            target_type=self.target_type,
            target_id=self.target_id,
            ip=self.ip,
            detail=self.detail,
        )


class AuditChainHead(Model):
    """The newest link of the audit chain; its row lock serialises appends."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), nullable=True
    )
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def event_digest(prev_hash: str, **fields: Any) -> str:
    """SHA-256 over a canonical JSON of the fields (chain format 1).

    The migration that introduced the chain holds a copy of this function;
    change the format only together with a new chain version.
    """
    at = fields["at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    document = {
        **fields,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": None if fields["actor_id"] is None else str(fields["actor_id"]),
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refuse_change(*_: object) -> None:
    raise RuntimeError("audit events are append-only")


_TAIL = "audit_chain_tail"
"""Key in `Connection.info`: the newest hash this transaction has chained to."""


def _head_table() -> Table:
    """The chain head's table, for the plain SQL the flush events run."""
    table = AuditChainHead.__table__
    if not isinstance(table, Table):
        raise TypeError("audit_chain_head is mapped to a table")
    return table


def _tail(connection: Connection) -> list[str]:
    """Lock the chain head for this transaction (first append only) and hold its hash.

    The UPDATE takes the head's row lock on PostgreSQL and the write lock on
    SQLite before the hash is read, so two transactions never chain to the
    same event; the lock is held until commit.
    """
    tail: list[str] | None = connection.info.get(_TAIL)
    if tail is None:
        head = _head_table()
        connection.execute(update(head).where(head.c.id == 1).values(updated_at=utcnow()))
        current = connection.execute(select(head.c.hash).where(head.c.id == 1)).scalar_one()
        tail = connection.info[_TAIL] = [current]
    return tail


def _chain(_mapper: Mapper[AuditEvent], connection: Connection, target: AuditEvent) -> None:
    if target.at is None:
        target.at = utcnow()
    if target.detail is None:
        target.detail = {}
    tail = _tail(connection)
    target.prev_hash = tail[0]
    target.hash = target.digest()
    tail[0] = target.hash


def _advance_head(_mapper: Mapper[AuditEvent], connection: Connection, target: AuditEvent) -> None:
    head = _head_table()
    connection.execute(
        update(head).where(head.c.id == 1).values(hash=target.hash, last_event_id=target.id)
    )


def _forget_tail(connection: Connection, *_: object) -> None:
    """A transaction (or savepoint) ended: the next append reads the head again.

    A connection that died mid-transaction is invalidated, and its `info` went with
    it (the next one starts empty); touching `info` then would raise
    PendingRollbackError out of the very rollback that recovers from the loss.
    """
    if connection.invalidated:
        return
    connection.info.pop(_TAIL, None)


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)
event.listen(AuditEvent, "before_insert", _chain)
event.listen(AuditEvent, "after_insert", _advance_head)
for _end in ("commit", "rollback", "rollback_savepoint"):
    event.listen(Engine, _end, _forget_tail)
