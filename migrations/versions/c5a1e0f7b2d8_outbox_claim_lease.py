"""Outbox rows: the lease of the sweep that claimed them

Adds `claimed_until` to outbox_message: a sweep claims the due rows it will
publish (FOR UPDATE SKIP LOCKED on PostgreSQL, the claim's UPDATE on SQLite)
until then, so two sweeps running at once never publish the same row.

Revision ID: c5a1e0f7b2d8
Revises: e5a1c93d7b20
Create Date: 2026-11-30 20:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5a1e0f7b2d8"
down_revision = "e5a1c93d7b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "claimed_until",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="a sweep publishes this row until then; null or past: free",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
