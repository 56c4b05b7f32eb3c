"""on_call_alert.staff_alert_id nullable: on-call paged from a draft

An acute answer saved to a draft pages the on-call contacts at once, before the
intake is submitted or routed; the alert has no staff alert until routing writes
one and links it. Downgrading deletes alerts that were never linked (their pages
stop), because the column cannot be made required again while they exist.

Revision ID: 5d8f2a41c6e7
Revises: 0bbe0401ffd6
Create Date: 2026-11-26 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d8f2a41c6e7"
down_revision = "0bbe0401ffd6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("on_call_alert", schema=None) as batch_op:
        batch_op.alter_column(
            "staff_alert_id",
            existing_type=sa.Uuid(),
            nullable=True,
            comment="the page staff open; null: paged from a draft, not routed yet",
            existing_comment="the page staff open",
        )


def downgrade() -> None:
    op.execute("DELETE FROM on_call_alert WHERE staff_alert_id IS NULL")
    with op.batch_alter_table("on_call_alert", schema=None) as batch_op:
        batch_op.alter_column(
            "staff_alert_id",
            existing_type=sa.Uuid(),
            nullable=False,
            comment="the page staff open",
            existing_comment="the page staff open; null: paged from a draft, not routed yet",
        )
