"""The `Idempotency-Key` of `POST /api/v1/intakes`: a retry returns the first result.

A client that sends a key and loses the response sends the same request again
with the same key; it gets the first response (same status, same body) and no
second intake. The key is stored only as a SHA-256 hash, per token (two tokens
may use the same key), with a hash of the request body and the first response,
and kept KEEP_HOURS hours. The same key with a different body is refused.

Two requests with the same key at once: the key row is inserted first, with
`ON CONFLICT DO NOTHING`, so the second waits on the first's unique-index
entry until that transaction ends; if the first committed, the second reads
its response; if it rolled back (an invalid intake), the second goes on as the
first. The row is written in the request's transaction (clinic.models.unit_of_work).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from clinic.extensions import db
from clinic.models import ApiIdempotencyKey
from clinic.models.columns import utcnow

KEEP_HOURS = 24
MAX_KEY_LENGTH = 255


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def request_hash(body: Any) -> str:
    """The body's canonical JSON, hashed: key order and spacing do not matter."""
    return _sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


@dataclass(frozen=True)
class Replay:
    """The first request with this key finished: its response, to send again."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Mismatch:
    """The key was used with a different request body."""


@dataclass(frozen=True)
class Claimed:
    """This request is the first with the key: `record` its response."""

    row_id: uuid.UUID


def begin(token_id: uuid.UUID, key: str, body: Any) -> Replay | Mismatch | Claimed:
    """Claim `key` for this token and body, or find the earlier request that claimed it."""
    key_hash = _sha256(key)
    body_hash = request_hash(body)
    db.session.execute(
        delete(ApiIdempotencyKey).where(
            ApiIdempotencyKey.created_at < utcnow() - timedelta(hours=KEEP_HOURS)
        )
    )
    row_id = uuid.uuid4()
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    claimed = db.session.scalars(
        insert(ApiIdempotencyKey)
        .values(
            id=row_id,
            api_token_id=token_id,
            key_hash=key_hash,
            request_hash=body_hash,
            status_code=0,
            response_body="",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["api_token_id", "key_hash"])
        .returning(ApiIdempotencyKey.id)
    ).one_or_none()
    if claimed is not None:
        return Claimed(row_id)
    earlier = db.session.scalars(
        select(ApiIdempotencyKey)
        .where(ApiIdempotencyKey.api_token_id == token_id, ApiIdempotencyKey.key_hash == key_hash)
        .execution_options(populate_existing=True)
    ).one()
    if earlier.request_hash != body_hash:
        return Mismatch()
    return Replay(earlier.status_code, json.loads(earlier.response_body))


def record(claim: Claimed, status: int, body: dict[str, Any]) -> None:
    """The first response, kept for the retries (ids only, never answers)."""
    row = db.session.get(ApiIdempotencyKey, claim.row_id)
    if row is None:  # inserted by this transaction: always there
        raise LookupError("the claimed idempotency key row is missing")
    row.status_code = status
    row.response_body = json.dumps(body)
