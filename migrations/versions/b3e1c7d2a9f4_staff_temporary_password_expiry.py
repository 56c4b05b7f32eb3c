"""staff_user.temporary_password_expires_at

Set when an admin gives an account a temporary password: the password must be
changed at the next sign-in and stops working at this time. Cleared when the
user chooses their own.

Revision ID: b3e1c7d2a9f4
Revises: 649da06592b8
Create Date: 2026-11-25 22:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3e1c7d2a9f4"
down_revision = "649da06592b8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "temporary_password_expires_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="set: an admin set a temporary password; it must be changed, and "
                "stops working at this time",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("temporary_password_expires_at")
