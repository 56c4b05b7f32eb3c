"""Signed audit chain heads, exported to a file the database cannot rewrite.

Beat appends the chain head (the newest sealed event and its MAC) to the file
AUDIT_HEADS_FILE every AUDIT_HEAD_EXPORT_SECONDS when it moved, one JSON line
`{sealed_up_to_id, head_mac, time, key_id, signature}`, signed with an HMAC key
derived from the encryption key `key_id`. Someone who can rewrite the database
but not this file cannot cut events off the end of the chain, or rewrite it,
below a head once exported: `flask audit verify` checks every line against the
chain. Keep the file on storage the database's administrators cannot change
(an append-only mount, `chattr +a`, or ship each line to a log stream).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import AuditChainHead, AuditEvent
from clinic.models.columns import key_ring, utcnow
from clinic.models.encryption import KeyRing
from clinic.security.audit_seal import HEAD_PURPOSE, derived_key, primary_key

TAIL_BYTES = 4096
"""Enough of the file's end to hold its last line."""
CHECK_BATCH = 1000


@dataclass(frozen=True)
class ExportedHead:
    """One line of the heads file."""

    sealed_up_to_id: int
    head_mac: str
    time: str
    key_id: str
    signature: str


def heads_path() -> Path:
    """AUDIT_HEADS_FILE, or `audit-heads.jsonl` in the instance folder."""
    configured = current_app.config.get("AUDIT_HEADS_FILE") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-heads.jsonl"


def _signature(key: bytes, sealed_up_to_id: int, head_mac: str, time: str, key_id: str) -> str:
    document = {
        "sealed_up_to_id": sealed_up_to_id,
        "head_mac": head_mac,
        "time": time,
        "key_id": key_id,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _last_line(path: Path) -> str | None:
    if not path.exists():
        return None
    with path.open("rb") as file:
        file.seek(max(0, path.stat().st_size - TAIL_BYTES))
        lines = [line for line in file.read().splitlines() if line.strip()]
    return lines[-1].decode() if lines else None


def export_head() -> ExportedHead | None:
    """Append the committed chain head to the heads file; None if empty or already there."""
    last_event_id, head_mac = db.session.execute(
        select(AuditChainHead.last_event_id, AuditChainHead.hash).where(AuditChainHead.id == 1)
    ).one()
    if last_event_id is None:
        return None
    path = heads_path()
    last = _last_line(path)
    if last is not None:
        previous = json.loads(last)
        if (previous.get("sealed_up_to_id"), previous.get("head_mac")) == (last_event_id, head_mac):
            return None
    key_id, key = primary_key(key_ring(), HEAD_PURPOSE)
    time = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    line = ExportedHead(
        sealed_up_to_id=last_event_id,
        head_mac=head_mac,
        time=time,
        key_id=key_id,
        signature=_signature(key, last_event_id, head_mac, time, key_id),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write() of one short line in append mode: lines never interleave.
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(asdict(line), sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return line


def _read(path: Path, ring: KeyRing, problems: list[str]) -> Iterator[tuple[int, ExportedHead]]:
    """The file's lines with a good signature; a problem for each other line."""
    with path.open(encoding="utf-8") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            try:
                line = ExportedHead(**json.loads(text))
            except (ValueError, TypeError):
                problems.append(f"{path.name} line {number} is not an exported head")
                continue
            key = derived_key(ring, line.key_id, HEAD_PURPOSE)
            if key is None:
                problems.append(
                    f"{path.name} line {number} is signed with key {line.key_id}, "
                    "which ENCRYPTION_KEYS no longer holds"
                )
                continue
            expected = _signature(key, line.sealed_up_to_id, line.head_mac, line.time, line.key_id)
            if not hmac.compare_digest(expected, str(line.signature)):
                problems.append(f"{path.name} line {number} has a bad signature: it was altered")
                continue
            yield number, line


def check_heads(ring: KeyRing) -> list[str]:
    """Every exported head must be in the chain as it was exported: problems, or none."""
    path = heads_path()
    if not path.exists():
        return []
    problems: list[str] = []
    pending: list[tuple[int, ExportedHead]] = []
    for item in _read(path, ring, problems):
        pending.append(item)
        if len(pending) == CHECK_BATCH:
            problems.extend(_compare(path, pending))
            pending = []
    problems.extend(_compare(path, pending))
    return problems


def _compare(path: Path, heads: list[tuple[int, ExportedHead]]) -> Iterator[str]:
    if not heads:
        return
    ids = {line.sealed_up_to_id for _, line in heads}
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).where(
            AuditEvent.id.in_(ids), AuditEvent.seal_seq.is_not(None)
        )
    )
    in_chain = {event_id: mac for event_id, mac in rows}
    for number, line in heads:
        if in_chain.get(line.sealed_up_to_id) != line.head_mac:
            yield (
                f"{path.name} line {number} ({line.time}) sealed the chain up to event "
                f"{line.sealed_up_to_id}; the database no longer holds that chain: "
                "it was cut or rewritten"
            )
