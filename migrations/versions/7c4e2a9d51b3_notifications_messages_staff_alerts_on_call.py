"""Notifications: message outbox with unique key, staff alerts, on-call pages

Revision ID: 7c4e2a9d51b3
Revises: 90252364418d
Create Date: 2026-11-25 19:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c4e2a9d51b3"
down_revision = "90252364418d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "event",
            sa.String(length=120),
            nullable=False,
            comment="what happened, e.g. alert:<staff alert id>",
        ),
        sa.Column(
            "recipient",
            sa.String(length=160),
            nullable=False,
            comment="who, as a key (staff:<id>, oncall:<name>, client)",
        ),
        sa.Column("channel", sa.String(length=8), nullable=False, comment="email, sms or none"),
        sa.Column(
            "template",
            sa.String(length=40),
            nullable=False,
            comment="templates/email/<language>/<template>.*",
        ),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="sends tried"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "claimed_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when the last send began (a lease)",
        ),
        sa.Column(
            "last_error",
            sa.String(length=120),
            nullable=True,
            comment="error class or SMTP code; never an address",
        ),
        sa.Column("submission_id", sa.Uuid(), nullable=True),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "payload_encrypted",
            sa.String(),
            nullable=True,
            comment="AES-GCM ciphertext bound to this row",
        ),
        sa.CheckConstraint(
            "channel IN ('email', 'sms', 'none')", name=op.f("ck_notification_message_channel")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'skipped')",
            name=op.f("ck_notification_message_status"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_notification_message_referral_id_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["intake_submission.id"],
            name=op.f("fk_notification_message_submission_id_intake_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_message")),
        sa.UniqueConstraint("event", "recipient", "channel", name="uq_notification_message_key"),
    )
    with op.batch_alter_table("notification_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_message_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            "ix_notification_message_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_message_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "staff_alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column(
            "delivery",
            sa.String(length=16),
            nullable=False,
            comment="immediate, or in the queue's digest",
        ),
        sa.Column(
            "notified_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="null: waiting for the next digest",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "delivery IN ('immediate', 'digest')", name=op.f("ck_staff_alert_delivery")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_staff_alert_referral_id_referral")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["intake_submission.id"],
            name=op.f("fk_staff_alert_submission_id_intake_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_alert")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_staff_alert_referral_id")),
    )
    with op.batch_alter_table("staff_alert", schema=None) as batch_op:
        batch_op.create_index(
            "ix_staff_alert_queue_delivery_notified_at",
            ["queue", "delivery", "notified_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_staff_alert_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "on_call_alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("staff_alert_id", sa.Uuid(), nullable=False, comment="the page staff open"),
        sa.Column(
            "pages_sent", sa.Integer(), nullable=False, comment="the first page and its repeats"
        ),
        sa.Column(
            "next_page_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="null: acknowledged, no more repeats",
        ),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["staff_user.id"],
            name=op.f("fk_on_call_alert_acknowledged_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_alert_id"],
            ["staff_alert.id"],
            name=op.f("fk_on_call_alert_staff_alert_id_staff_alert"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["intake_submission.id"],
            name=op.f("fk_on_call_alert_submission_id_intake_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_on_call_alert")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_on_call_alert_submission_id")),
    )
    with op.batch_alter_table("on_call_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_on_call_alert_acknowledged_by_id"), ["acknowledged_by_id"], unique=False
        )
        batch_op.create_index("ix_on_call_alert_next_page_at", ["next_page_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_on_call_alert_staff_alert_id"), ["staff_alert_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("on_call_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_on_call_alert_staff_alert_id"))
        batch_op.drop_index("ix_on_call_alert_next_page_at")
        batch_op.drop_index(batch_op.f("ix_on_call_alert_acknowledged_by_id"))

    op.drop_table("on_call_alert")
    with op.batch_alter_table("staff_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_alert_submission_id"))
        batch_op.drop_index("ix_staff_alert_queue_delivery_notified_at")

    op.drop_table("staff_alert")
    with op.batch_alter_table("notification_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_message_submission_id"))
        batch_op.drop_index("ix_notification_message_status_created_at")
        batch_op.drop_index(batch_op.f("ix_notification_message_referral_id"))

    op.drop_table("notification_message")
