"""submission_flag: the decision flags of each routed intake, for the dashboard's filter

The decision is encrypted, so its flags are repeated here (flag ids only). The
migration writes no rows: it cannot read encrypted decisions. Intakes routed
before it are given their rows by `flask routing backfill-flags`.

Revision ID: 0bbe0401ffd6
Revises: b3e1c7d2a9f4
Create Date: 2026-11-26 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0bbe0401ffd6"
down_revision = "b3e1c7d2a9f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_flag",
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column(
            "flag",
            sa.String(length=32),
            nullable=False,
            comment="a decision flag id, e.g. partner_safety",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["intake_submission.id"],
            name=op.f("fk_submission_flag_submission_id_intake_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", "flag", name=op.f("pk_submission_flag")),
    )
    with op.batch_alter_table("submission_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_flag_flag"), ["flag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submission_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_flag_flag"))
    op.drop_table("submission_flag")
