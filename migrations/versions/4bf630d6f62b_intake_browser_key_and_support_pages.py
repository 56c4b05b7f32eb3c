"""Intake drafts: the browser session key's hash, and the support pages (encrypted)

Adds to intake_submission: the SHA-256 of the key of the one browser session that
may open a draft (cleared by quick exit, so only the resume code opens it then), and
which support pages (domestic violence, child abuse) the draft's answers called for
and which the client has seen, encrypted like the answers.

Revision ID: 4bf630d6f62b
Revises: 5d8f2a41c6e7
Create Date: 2026-11-26 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4bf630d6f62b"
down_revision = "5d8f2a41c6e7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "browser_key_hash",
                sa.String(length=64),
                nullable=True,
                comment="SHA-256 of the key of the one browser session that may open the "
                "draft; null after quick exit or closing (then only the resume code opens it)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "support_pages_encrypted",
                sa.String(),
                nullable=True,
                comment="AES-GCM ciphertext bound to this row",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.drop_column("support_pages_encrypted")
        batch_op.drop_column("browser_key_hash")
