"""Index on referral_event(to_status, kind, created_at, referral_id) for the overview

The staff overview's median time to first contact reads the `contacted`
transitions of its eight weeks only; this index gives it them in date order
(an index-only range scan) instead of the whole event history.

Revision ID: d4e8b2a61f93
Revises: d4b8e2f61a93
Create Date: 2026-12-01 00:55:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d4e8b2a61f93"
down_revision = "d4b8e2f61a93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_referral_event_contacted",
        "referral_event",
        ["to_status", "kind", "created_at", "referral_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_referral_event_contacted", table_name="referral_event")
