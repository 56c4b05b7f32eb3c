"""The audit sealer: links unsealed audit events into the keyed chain, in batches.

Events are written unsealed in the transaction of the change they record, so
no audited transaction waits on another. One sealer at a time (beat runs it
every AUDIT_SEAL_SECONDS; `flask audit seal` by hand) gives each unsealed event
the next position in the chain and its MAC.

Order: the chain follows the order in which the sealer *sees* events, not their
ids. Ids are taken at insert, commits happen later and in any order: event 11
may be committed and sealed while event 10's transaction is still open. Sealing
strictly in id order would need the sealer to stop at every gap and tell an
open transaction from a rolled-back one (whose id never comes), which it
cannot; a grace period only guesses. Instead each batch takes the committed
unsealed events, whatever their ids, in id order, and chains them after the
head; event 10 joins the chain in a later batch, once committed. Each event's
position (`seal_seq`) is covered by its MAC, so the order is as
tamper-evident as the content, and no event is left behind for good.

Leadership: on PostgreSQL a transaction-scoped advisory lock; a second sealer
does not wait, it finds the lock taken and leaves the work to the first. On
SQLite (the embedded default) the UPDATE of the chain head takes the database's
write lock, so a second sealer waits for the first to commit and then finds
nothing left. Either way the head row is locked for the batch and the unique
index on `seal_seq` refuses two events in one position.

Keys: the MAC key of each seal derives (HKDF-SHA256) from an encryption key of
the ring, by its id; new seals use the first key, every key of the ring
verifies. An encryption key must stay in ENCRYPTION_KEYS while events sealed
under it exist, or they can no longer be checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Table, bindparam, func, select, update

from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent
from clinic.models.audit import GENESIS_HASH, event_mac
from clinic.models.columns import key_ring, utcnow
from clinic.models.encryption import KeyRing
from clinic.models.unit_of_work import unit_of_work

SEAL_BATCH = 500
SEALER_LOCK = 0x61756469
"""PostgreSQL advisory lock key of the sealer ("audi")."""

CHAIN_PURPOSE = b"clinic audit chain mac v1"
HEAD_PURPOSE = b"clinic audit head signature v1"

FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_kind",
    "action",
    "target_type",
    "target_id",
    "ip",
    "detail",
)
"""The columns of an event its MAC covers (with its position, `prev_hash` and key id)."""


class ChainHeadMissing(RuntimeError):
    """The event the chain head names is gone: sealing more would hide it."""


@cache
def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


def derived_key(ring: KeyRing, key_id: str, purpose: bytes = CHAIN_PURPOSE) -> bytes | None:
    """The audit key for `purpose` derived from encryption key `key_id`; None if not in the ring."""
    key = ring.keys.get(key_id)
    return None if key is None else _derive(key, purpose)


def primary_key(ring: KeyRing, purpose: bytes = CHAIN_PURPOSE) -> tuple[str, bytes]:
    """The id of the ring's first key and the audit key for `purpose` derived from it."""
    return ring.primary_id, _derive(ring.keys[ring.primary_id], purpose)


def mac_of(row: Any, key: bytes, *, seq: int, prev_hash: str, key_id: str) -> str:
    """The MAC of an event (an `AuditEvent` or a row of its table) at position `seq`."""
    fields = {name: getattr(row, name) for name in FIELDS}
    return event_mac(key, seq=seq, prev_hash=prev_hash, key_id=key_id, **fields)


def _table(model: type[AuditEvent | AuditChainHead] = AuditEvent) -> Table:
    """The model's table, for the plain SQL the sealer runs (no ORM objects to go stale)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is mapped to a table")
    return table


def _take_lead() -> bool:
    """Lead this transaction's sealing (PostgreSQL); SQLite serialises on the head's UPDATE."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return True
    return bool(connection.execute(select(func.pg_try_advisory_xact_lock(SEALER_LOCK))).scalar())


def _lock_head() -> tuple[str, int]:
    """Lock the chain head for this transaction; its MAC and its position."""
    head = _table(AuditChainHead)
    connection = db.session.connection()
    connection.execute(update(head).where(head.c.id == 1).values(updated_at=utcnow()))
    current, last_event_id = connection.execute(
        select(head.c.hash, head.c.last_event_id).where(head.c.id == 1)
    ).one()
    if last_event_id is None:
        return GENESIS_HASH, 0
    events = _table()
    seq = connection.execute(
        select(events.c.seal_seq).where(events.c.id == last_event_id)
    ).scalar_one_or_none()
    if seq is None:
        raise ChainHeadMissing(
            f"the chain head names event {last_event_id}, which is not in the chain: "
            "run `flask audit verify`"
        )
    return str(current), int(seq)


def seal_batch(limit: int = SEAL_BATCH) -> int | None:
    """Seal up to `limit` unsealed events in this transaction; how many (None: not leading).

    The caller commits (`seal_pending` does, a batch at a time).
    """
    if not _take_lead():
        return None
    prev_hash, seq = _lock_head()
    events = _table()
    connection = db.session.connection()
    rows = connection.execute(
        select(events).where(events.c.seal_seq.is_(None)).order_by(events.c.id).limit(limit)
    ).all()
    if not rows:
        return 0
    key_id, key = primary_key(key_ring())
    now = utcnow()
    seals: list[Mapping[str, Any]] = []
    for row in rows:
        seq += 1
        mac = mac_of(row, key, seq=seq, prev_hash=prev_hash, key_id=key_id)
        seals.append(
            {"event": row.id, "seq": seq, "prev": prev_hash, "mac": mac, "key": key_id, "now": now}
        )
        prev_hash = mac
    connection.execute(
        update(events)
        .where(events.c.id == bindparam("event"), events.c.seal_seq.is_(None))
        .values(
            seal_seq=bindparam("seq"),
            prev_hash=bindparam("prev"),
            hash=bindparam("mac"),
            key_id=bindparam("key"),
            sealed_at=bindparam("now"),
        ),
        seals,
    )
    head = _table(AuditChainHead)
    connection.execute(
        update(head).where(head.c.id == 1).values(hash=prev_hash, last_event_id=rows[-1].id)
    )
    return len(rows)


def seal_pending() -> int | None:
    """Seal every event committed and unsealed now, a batch per transaction.

    Returns how many; None when another sealer leads (it seals them). A
    boundary (it commits): for the beat task and `flask audit seal` only.
    """
    total = 0
    while True:
        with unit_of_work():
            sealed = seal_batch()
        if sealed is None:
            return total or None
        total += sealed
        if sealed < SEAL_BATCH:
            return total
