"""api_idempotency_key, service_heartbeat, notification_message status "unknown"

- `api_idempotency_key`: the JSON API's Idempotency-Key (hashed, per token, 24 h)
  with the first response, so a retried POST returns it instead of a second intake.
- `service_heartbeat`: beat's leader lease and heartbeat, and each worker's.
- `notification_message.status` may be `unknown`: a client message whose send
  began but whose outcome was never recorded; it is not sent again by itself.
  Downgrading turns those back into `failed`.

Revision ID: c7a91e3f5b20
Revises: a7d3c9e1f2b4
Create Date: 2026-11-30 20:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7a91e3f5b20"
down_revision = "a7d3c9e1f2b4"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')"
NEW_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'unknown')"


def upgrade() -> None:
    op.create_table(
        "api_idempotency_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("api_token_id", sa.Uuid(), nullable=False),
        sa.Column(
            "key_hash",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the Idempotency-Key header",
        ),
        sa.Column(
            "request_hash",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the request body's canonical JSON",
        ),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response_body",
            sa.String(),
            nullable=False,
            comment="the first response's JSON (ids only)",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_token_id"],
            ["api_token.id"],
            name=op.f("fk_api_idempotency_key_api_token_id_api_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_key")),
        sa.UniqueConstraint("api_token_id", "key_hash", name="uq_api_idempotency_key_token_key"),
    )
    with op.batch_alter_table("api_idempotency_key", schema=None) as batch_op:
        batch_op.create_index("ix_api_idempotency_key_created_at", ["created_at"], unique=False)

    op.create_table(
        "service_heartbeat",
        sa.Column(
            "name", sa.String(length=200), nullable=False, comment="beat, or worker:<hostname>"
        ),
        sa.Column(
            "owner",
            sa.String(length=200),
            nullable=False,
            comment="the process that wrote it (host and pid)",
        ),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "lease_until",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="beat: the leader's lease ends (null for workers)",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_heartbeat")),
    )

    with op.batch_alter_table("notification_message", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_message_status"), type_="check")
        batch_op.create_check_constraint("status", NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE notification_message SET status = 'failed' WHERE status = 'unknown'")
    with op.batch_alter_table("notification_message", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_message_status"), type_="check")
        batch_op.create_check_constraint("status", OLD_STATUSES)
    op.drop_table("service_heartbeat")
    with op.batch_alter_table("api_idempotency_key", schema=None) as batch_op:
        batch_op.drop_index("ix_api_idempotency_key_created_at")
    op.drop_table("api_idempotency_key")
