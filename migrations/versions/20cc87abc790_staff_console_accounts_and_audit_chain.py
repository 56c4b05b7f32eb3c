"""Staff console: MFA, session version, recovery codes, audit hash chain, reroute link, notes

Existing audit events are chained in id order (chain format 1, as in
`clinic.models.audit.event_digest`, copied below so this revision never
changes with the app) and the chain head is written.

Revision ID: 20cc87abc790
Revises: 30bcfc4d6f78
Create Date: 2026-11-25 18:23:29.292237

"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "20cc87abc790"
down_revision = "30bcfc4d6f78"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def _digest(prev_hash, row):
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


def _chain_existing_events():
    events = sa.table(
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
    bind = op.get_bind()
    prev, last_id = GENESIS_HASH, None
    for row in bind.execute(sa.select(events).order_by(events.c.id)).all():
        digest = _digest(prev, row)
        bind.execute(
            events.update().where(events.c.id == row.id).values(prev_hash=prev, hash=digest)
        )
        prev, last_id = digest, row.id
    head = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Integer()),
        sa.column("last_event_id", sa.BigInteger()),
        sa.column("hash", sa.String()),
    )
    bind.execute(head.insert().values(id=1, last_event_id=last_id, hash=prev))


def upgrade():
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "last_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.create_table(
        "staff_recovery_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("staff_user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "code_hash",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of a random 80-bit code",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_recovery_code_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_recovery_code")),
        sa.UniqueConstraint("staff_user_id", "code_hash", name="uq_recovery_code"),
    )
    with op.batch_alter_table("staff_recovery_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_recovery_code_staff_user_id"), ["staff_user_id"], unique=False
        )

    op.create_table(
        "referral_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column(
            "text_encrypted",
            sa.String(),
            nullable=True,
            comment="AES-GCM ciphertext bound to this row",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff_user.id"], name=op.f("fk_referral_note_author_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_note_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_note")),
    )
    with op.batch_alter_table("referral_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_note_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_note_referral_id"), ["referral_id"], unique=False
        )

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "prev_hash",
                sa.String(length=64),
                nullable=True,
                comment="hash of the event before this one",
            )
        )
        batch_op.add_column(
            sa.Column(
                "hash",
                sa.String(length=64),
                nullable=True,
                comment="SHA-256 of prev_hash and this event's fields",
            )
        )
    _chain_existing_events()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)

    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rerouted_from_id",
                sa.Uuid(),
                nullable=True,
                comment="the referral staff rerouted to make this one",
            )
        )
        batch_op.create_index(
            batch_op.f("ix_referral_rerouted_from_id"), ["rerouted_from_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_referral_rerouted_from_id_referral"),
            "referral",
            ["rerouted_from_id"],
            ["id"],
        )

    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_admin",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="also administers accounts (always true for role admin)",
            )
        )
        batch_op.add_column(
            sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "session_version",
                sa.Integer(),
                server_default="1",
                nullable=False,
                comment="bumped on sign-out and password change: older sessions stop working",
            )
        )
        batch_op.add_column(
            sa.Column(
                "mfa_secret_encrypted",
                sa.String(),
                nullable=True,
                comment="AES-GCM ciphertext bound to this row",
            )
        )
        batch_op.add_column(
            sa.Column(
                "mfa_confirmed_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="null: the authenticator app is not set up yet",
            )
        )
        batch_op.add_column(
            sa.Column(
                "mfa_last_step",
                sa.Integer(),
                nullable=True,
                comment="TOTP time step last accepted (a code works once)",
            )
        )
        batch_op.add_column(sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE staff_user SET is_admin = true WHERE role = 'admin'")


def downgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("last_sign_in_at")
        batch_op.drop_column("mfa_last_step")
        batch_op.drop_column("mfa_confirmed_at")
        batch_op.drop_column("mfa_secret_encrypted")
        batch_op.drop_column("session_version")
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("is_admin")

    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_referral_rerouted_from_id_referral"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_referral_rerouted_from_id"))
        batch_op.drop_column("rerouted_from_id")

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")

    with op.batch_alter_table("referral_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_note_referral_id"))
        batch_op.drop_index(batch_op.f("ix_referral_note_author_id"))
    op.drop_table("referral_note")

    with op.batch_alter_table("staff_recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_recovery_code_staff_user_id"))
    op.drop_table("staff_recovery_code")
    op.drop_table("audit_chain_head")
