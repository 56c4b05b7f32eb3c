"""Audit chain keyed (HMAC) and sealed off the hot path

Events are now written unsealed and linked into the chain later by the sealer
(`clinic.security.audit_seal`), under a MAC key derived from the encryption key
ring: new columns `seal_seq` (position in the chain), `key_id`, `sealed_at`;
`prev_hash` and `hash` may be null until then.

The unkeyed links of existing events (chain format 1) prove nothing against
someone who can rewrite the table, so they are cleared and the chain head goes
back to the start: the sealer seals every existing event under the key at its
first run (`flask audit seal` right after upgrading; check them with `flask
audit verify` before upgrading). Downgrading chains every event again in id
order under format 1 (copied below, so this revision never changes with the
app).

The append-only triggers now let exactly one UPDATE through: the one that
seals an unsealed event, setting only the seal columns. On SQLite the table is
rebuilt, so its triggers are created again.

Revision ID: 3d5e8f1a9c27
Revises: 4bf630d6f62b
Create Date: 2026-11-30 20:40:00.000000

"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3d5e8f1a9c27"
down_revision = "4bf630d6f62b"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
EVENT_COLUMNS = ("id", "at", "actor_id", "actor_kind", "action", "target_type", "target_id", "ip")
SEAL_COLUMNS = ("seal_seq", "prev_hash", "hash", "key_id", "sealed_at")

POSTGRESQL_REFUSE = """
    CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {seal_once}
        RAISE EXCEPTION USING
            ERRCODE = 'restrict_violation',
            MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused',
            HINT = 'Audit events are never changed or removed; record a new event instead.';
    END;
    $$
"""
_unchanged = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in EVENT_COLUMNS)
POSTGRESQL_SEAL_ONCE = f"""
        IF TG_OP = 'UPDATE' THEN
            IF {" AND ".join(f"OLD.{c} IS NULL" for c in SEAL_COLUMNS)}
               AND {" AND ".join(f"NEW.{c} IS NOT NULL" for c in SEAL_COLUMNS)}
               AND {_unchanged}
               AND NEW.detail::text IS NOT DISTINCT FROM OLD.detail::text
            THEN
                RETURN NEW;
            END IF;
        END IF;
"""
POSTGRESQL_TRIGGER = "audit_event_append_only"

SQLITE_NO_DELETE = """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN
        SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused');
    END
"""
SQLITE_NO_UPDATE = """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event {when}
    BEGIN
        SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused');
    END
"""
SQLITE_SEAL_ONCE = "WHEN NOT ({})".format(
    " AND ".join(
        [
            *(f"OLD.{c} IS NULL" for c in SEAL_COLUMNS),
            *(f"NEW.{c} IS NOT NULL" for c in SEAL_COLUMNS),
            *(f"NEW.{c} IS OLD.{c}" for c in (*EVENT_COLUMNS, "detail")),
        ]
    )
)

EVENTS = sa.table(
    "audit_event",
    sa.column("id", sa.BigInteger()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Uuid()),
    sa.column("actor_kind", sa.String()),
    sa.column("action", sa.String()),
    sa.column("target_type", sa.String()),
    sa.column("target_id", sa.String()),
    sa.column("ip", sa.String()),
    sa.column("detail", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
HEAD = sa.table(
    "audit_chain_head",
    sa.column("id", sa.Integer()),
    sa.column("last_event_id", sa.BigInteger()),
    sa.column("hash", sa.String()),
)


def _dialect():
    return op.get_context().dialect.name


def _lift_guard():
    """Let this migration rewrite the links (it is the table's owner)."""
    if _dialect() == "postgresql":
        op.execute(sa.text(f"ALTER TABLE audit_event DISABLE TRIGGER {POSTGRESQL_TRIGGER}"))
    else:
        op.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        op.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_no_delete"))


def _restore_guard(*, seal_once):
    if _dialect() == "postgresql":
        body = POSTGRESQL_SEAL_ONCE if seal_once else ""
        op.execute(sa.text(POSTGRESQL_REFUSE.format(seal_once=body)))
        op.execute(sa.text(f"ALTER TABLE audit_event ENABLE TRIGGER {POSTGRESQL_TRIGGER}"))
    else:
        op.execute(sa.text(SQLITE_NO_UPDATE.format(when=SQLITE_SEAL_ONCE if seal_once else "")))
        op.execute(sa.text(SQLITE_NO_DELETE))


def _digest(prev_hash, row):
    """Chain format 1 (unkeyed SHA-256), as revision 20cc87abc790 wrote it."""
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    document = {
        "prev_hash": prev_hash,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": None if row.actor_id is None else str(row.actor_id),
        "actor_kind": row.actor_kind,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "ip": row.ip,
        "detail": row.detail,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _chain_in_format_1():
    bind = op.get_bind()
    prev, last_id = GENESIS_HASH, None
    for row in bind.execute(sa.select(EVENTS).order_by(EVENTS.c.id)).all():
        digest = _digest(prev, row)
        bind.execute(
            EVENTS.update().where(EVENTS.c.id == row.id).values(prev_hash=prev, hash=digest)
        )
        prev, last_id = digest, row.id
    bind.execute(HEAD.update().where(HEAD.c.id == 1).values(last_event_id=last_id, hash=prev))


def upgrade():
    _lift_guard()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "seal_seq",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
                comment="position in the chain, from 1; null: not sealed yet",
            )
        )
        batch_op.add_column(
            sa.Column(
                "key_id",
                sa.String(length=32),
                nullable=True,
                comment="the encryption key id the MAC key derives from",
            )
        )
        batch_op.add_column(sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column(
            "prev_hash",
            existing_type=sa.String(length=64),
            nullable=True,
            comment="MAC of the event before this one in the chain",
            existing_comment="hash of the event before this one",
        )
        batch_op.alter_column(
            "hash",
            existing_type=sa.String(length=64),
            nullable=True,
            comment="HMAC-SHA256 of prev_hash, position and fields",
            existing_comment="SHA-256 of prev_hash and this event's fields",
        )
        batch_op.create_index("ix_audit_event_seal_seq", ["seal_seq"], unique=True)
        batch_op.create_index(
            "ix_audit_event_unsealed",
            ["id"],
            unique=False,
            postgresql_where=sa.text("seal_seq IS NULL"),
            sqlite_where=sa.text("seal_seq IS NULL"),
        )
    op.execute(EVENTS.update().values(prev_hash=None, hash=None))
    op.execute(HEAD.update().where(HEAD.c.id == 1).values(last_event_id=None, hash=GENESIS_HASH))
    _restore_guard(seal_once=True)


def downgrade():
    _lift_guard()
    _chain_in_format_1()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_unsealed")
        batch_op.drop_index("ix_audit_event_seal_seq")
        batch_op.alter_column(
            "hash",
            existing_type=sa.String(length=64),
            nullable=False,
            comment="SHA-256 of prev_hash and this event's fields",
            existing_comment="HMAC-SHA256 of prev_hash, position and fields",
        )
        batch_op.alter_column(
            "prev_hash",
            existing_type=sa.String(length=64),
            nullable=False,
            comment="hash of the event before this one",
            existing_comment="MAC of the event before this one in the chain",
        )
        batch_op.drop_column("sealed_at")
        batch_op.drop_column("key_id")
        batch_op.drop_column("seal_seq")
    _restore_guard(seal_once=False)
