"""Routing results: encrypted scores, decision and explanations; outbox queues; API tokens

The plaintext `referral.explanation` of the placeholder rule held no clinical
detail (one fixed sentence) and is dropped; explanations are encrypted from here on.

Revision ID: 30bcfc4d6f78
Revises: 06d6b1875874
Create Date: 2026-11-25 18:19:20.605073

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "30bcfc4d6f78"
down_revision = "06d6b1875874"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("staff_user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "token_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the token"
        ),
        sa.Column(
            "role",
            sa.String(length=32),
            nullable=False,
            comment="the owner's role when it was made: its scope",
        ),
        sa.Column("name", sa.String(length=120), nullable=False, comment="what it is for"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_api_token_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_token_staff_user_id"), ["staff_user_id"], unique=False
        )

    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scores_encrypted",
                sa.String(),
                nullable=True,
                comment="AES-GCM ciphertext bound to this row",
            )
        )
        batch_op.add_column(
            sa.Column(
                "decision_encrypted",
                sa.String(),
                nullable=True,
                comment="AES-GCM ciphertext bound to this row",
            )
        )
        batch_op.add_column(
            sa.Column(
                "rules_version",
                sa.String(length=64),
                nullable=True,
                comment="routing rule-set version of the decision",
            )
        )

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "queue",
                sa.String(length=32),
                nullable=True,
                comment="Celery queue; null: the task's default queue",
            )
        )

    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "explanation_encrypted",
                sa.String(),
                nullable=True,
                comment="AES-GCM ciphertext bound to this row",
            )
        )
        batch_op.drop_column("explanation")


def downgrade():
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("explanation", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.drop_column("explanation_encrypted")

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("queue")

    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.drop_column("rules_version")
        batch_op.drop_column("decision_encrypted")
        batch_op.drop_column("scores_encrypted")

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_staff_user_id"))

    op.drop_table("api_token")
