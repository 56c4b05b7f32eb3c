"""Append-only record of who did what to which record, and from where. Never answers.

An event is written unsealed, in the transaction of the change it records: no
lock, nothing shared, so audited transactions never wait on one another. The
sealer (`clinic.security.audit_seal`) later links sealed events into a chain:
each gets a position (`seal_seq`), the MAC of the event before it
(`prev_hash`) and its own MAC (`hash`): HMAC-SHA256 under a key derived from
the encryption key ring (`key_id` names it) over its fields, its id, its
position and `prev_hash`. An edited, removed, added or reordered event breaks
the chain, and without the key nobody can compute a chain that holds; the
one-row `audit_chain_head` holds the newest link, so cutting events off the end
shows too.

The ORM refuses updates and deletes below, and so does the database: triggers
reject DELETE and TRUNCATE of `audit_event`, and every UPDATE but the one that
seals an unsealed event (setting only the seal columns; migration
3d5e8f1a9c27). So no column here may ever need rewriting (no encrypted values:
`flask keys rotate` could not re-encrypt them), and a SQLite batch migration
that rebuilds this table must create the triggers again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from clinic.extensions import Model
from clinic.models.columns import UTCDateTime, created_at, utcnow

GENESIS_HASH = "0" * 64
"""The `prev_hash` of the first event of a chain."""

CHAIN_FORMAT = 2
"""1: unkeyed SHA-256, appended under a lock (until migration 3d5e8f1a9c27); 2: HMAC, sealed."""


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_seal_seq", "seal_seq", unique=True),
        Index(
            "ix_audit_event_unsealed",
            "id",
            postgresql_where="seal_seq IS NULL",
            sqlite_where="seal_seq IS NULL",
        ),
    )

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
    seal_seq: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        nullable=True,
        comment="position in the chain, from 1; null: not sealed yet",
    )
    prev_hash: Mapped[str | None] = mapped_column(
        String(64), nullable=True, comment="MAC of the event before this one in the chain"
    )
    hash: Mapped[str | None] = mapped_column(
        String(64), nullable=True, comment="HMAC-SHA256 of prev_hash, position and fields"
    )
    key_id: Mapped[str | None] = mapped_column(
        String(32), nullable=True, comment="the encryption key id the MAC key derives from"
    )
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_sealed(self) -> bool:
        """Linked into the chain (the audit log page marks the others)."""
        return self.seal_seq is not None


class AuditChainHead(Model):
    """The newest link of the audit chain; its row lock serialises sealers."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), nullable=True
    )
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def canonical_time(at: datetime) -> str:
    """`at` in UTC with microseconds, as the MAC covers it (naive means UTC: SQLite)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_mac(key: bytes, **fields: Any) -> str:
    """HMAC-SHA256 under `key` over a canonical JSON of the fields (chain format 2).

    Change the document only together with a new chain format.
    """
    document = {
        **fields,
        "format": CHAIN_FORMAT,
        "at": canonical_time(fields["at"]),
        "actor_id": None if fields["actor_id"] is None else str(fields["actor_id"]),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _refuse_change(*_: object) -> None:
    raise RuntimeError("audit events are append-only")


def _defaults(_mapper: Mapper[AuditEvent], _connection: object, target: AuditEvent) -> None:
    """Fill `at` and `detail` before the insert: the MAC covers exactly what is stored."""
    if target.at is None:
        target.at = utcnow()
    if target.detail is None:
        target.detail = {}


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)
event.listen(AuditEvent, "before_insert", _defaults)
