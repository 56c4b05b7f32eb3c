"""Initial schema: submissions, referrals, staff, audit, outbox

Revision ID: 06d6b1875874
Revises:
Create Date: 2026-11-25 18:04:38.619412

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "06d6b1875874"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_submission",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("path", sa.String(length=32), nullable=False, comment="respondent path"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "definitions_version",
            sa.String(length=64),
            nullable=False,
            comment="version of the instrument definitions asked",
        ),
        sa.Column(
            "answers_encrypted",
            sa.String(),
            nullable=True,
            comment="AES-GCM ciphertext bound to this row",
        ),
        sa.Column(
            "contact_encrypted",
            sa.String(),
            nullable=True,
            comment="AES-GCM ciphertext bound to this row",
        ),
        sa.Column(
            "routing_error",
            sa.String(),
            nullable=True,
            comment="why routing failed (needs_review); no answers in it",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "path IN ('adult_self', 'teen_self', 'caregiver_child')",
            name=op.f("ck_intake_submission_path"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'routed', 'needs_review')",
            name=op.f("ck_intake_submission_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_submission")),
    )
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_submission_status"), ["status"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False, comment="task to publish"),
        sa.Column("target_id", sa.String(length=64), nullable=False, comment="id the task takes"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="publish attempts"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'published', 'done', 'failed')",
            name=op.f("ck_outbox_message_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_message_kind_target_id", ["kind", "target_id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_message_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "staff_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False, comment="argon2id"),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('intake_coordinator', 'clinician', 'admin')", name=op.f("ck_staff_user_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_user_email")),
    )
    op.create_table(
        "audit_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True, comment="null: system or client"),
        sa.Column(
            "actor_kind", sa.String(length=16), nullable=False, comment="staff/system/client"
        ),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True, comment="client address"),
        sa.Column("detail", sa.JSON(), nullable=False, comment="ids and codes only, never answers"),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_user.id"], name=op.f("fk_audit_event_actor_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_target_id"), ["target_id"], unique=False)

    op.create_table(
        "referral",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False, comment="specialist queue"),
        sa.Column(
            "rank", sa.Integer(), nullable=False, comment="order in the decision; 0 is the primary"
        ),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "explanation",
            sa.JSON(),
            nullable=False,
            comment="rule ids, facts and plain sentences behind this referral",
        ),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, comment="optimistic lock counter"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority IN ('urgent', 'priority', 'routine')", name=op.f("ck_referral_priority")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff_user.id"], name=op.f("fk_referral_assignee_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["intake_submission.id"],
            name=op.f("fk_referral_submission_id_intake_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
        sa.UniqueConstraint("submission_id", "queue", name="uq_referral_submission_queue"),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(
            "ix_referral_queue_status_priority",
            ["queue", "status", "priority", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "staff_queue",
        sa.Column("staff_user_id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_queue_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_user_id", "queue", name=op.f("pk_staff_queue")),
    )
    with op.batch_alter_table("staff_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_queue_queue"), ["queue"], unique=False)

    op.create_table(
        "referral_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=32),
            nullable=False,
            comment="created, transition, contact_attempt, note",
        ),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True, comment="null: the system"),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_user.id"], name=op.f("fk_referral_event_actor_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_event_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_event")),
    )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_event_referral_id"), ["referral_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_event_referral_id"))
        batch_op.drop_index(batch_op.f("ix_referral_event_actor_id"))

    op.drop_table("referral_event")
    with op.batch_alter_table("staff_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_queue_queue"))

    op.drop_table("staff_queue")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_submission_id"))
        batch_op.drop_index("ix_referral_queue_status_priority")
        batch_op.drop_index(batch_op.f("ix_referral_assignee_id"))

    op.drop_table("referral")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_target_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    op.drop_table("staff_user")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_status_next_attempt_at")
        batch_op.drop_index("ix_outbox_message_kind_target_id")

    op.drop_table("outbox_message")
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_submission_status"))

    op.drop_table("intake_submission")
