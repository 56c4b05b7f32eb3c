"""referral.worse_since; an index for the expected waits

- `referral.worse_since` (nullable, indexed): when a re-screen while waiting first
  showed a reliable deterioration or new risk; the console's "worse while waiting"
  filter and badge read it. Null for every referral so far.
- `ix_referral_event_to_status_created_at`: the expected waits read the steps to
  `scheduled` of the last 90 days; without it that is a scan of every event.

Revision ID: d4b8e2f61a93
Revises: c7a91e3f5b20
Create Date: 2026-12-01 00:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4b8e2f61a93"
down_revision = "c7a91e3f5b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch_op:
        batch_op.add_column(
            sa.Column(
                "worse_since",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when a re-screen while waiting first showed a reliable deterioration "
                "or new risk; null: not worse while waiting",
            )
        )
        batch_op.create_index("ix_referral_worse_since", ["worse_since"], unique=False)
    with op.batch_alter_table("referral_event") as batch_op:
        batch_op.create_index(
            "ix_referral_event_to_status_created_at", ["to_status", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_event") as batch_op:
        batch_op.drop_index("ix_referral_event_to_status_created_at")
    with op.batch_alter_table("referral") as batch_op:
        batch_op.drop_index("ix_referral_worse_since")
        batch_op.drop_column("worse_since")
