"""Partial index on the open referrals by (queue, priority, created_at, id) for the dashboard

The dashboard's page of open referrals read one (queue, status, priority) list
per open status; this index gives each queue and priority's open referrals in
page order at once, so a page is one short index read per queue and priority.

Revision ID: f3b7d2c9a4e1
Revises: e9c4a7b2d1f6
Create Date: 2026-12-01 04:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b7d2c9a4e1"
down_revision = "e9c4a7b2d1f6"
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'in_review', 'accepted', 'contacted', 'scheduled')"


def upgrade() -> None:
    op.create_index(
        "ix_referral_open_queue_priority",
        "referral",
        ["queue", "priority", "created_at", "id"],
        unique=False,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_referral_open_queue_priority", table_name="referral")
