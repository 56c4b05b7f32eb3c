"""ix_referral_created_at carries the queue and id on PostgreSQL (INCLUDE)

The staff overview reads its eight weeks of referrals by created_at: the weekly
counts need the queue, its median time to first contact the queue and id. With
them in the index (INCLUDE, PostgreSQL only) both read the index alone instead
of fetching each referral row.

Revision ID: a8c2e6f41d57
Revises: f3b7d2c9a4e1
Create Date: 2026-12-01 04:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a8c2e6f41d57"
down_revision = "f3b7d2c9a4e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_referral_created_at", table_name="referral")
    op.create_index(
        "ix_referral_created_at",
        "referral",
        ["created_at"],
        unique=False,
        postgresql_include=["queue", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_referral_created_at", table_name="referral")
    op.create_index("ix_referral_created_at", "referral", ["created_at"], unique=False)
