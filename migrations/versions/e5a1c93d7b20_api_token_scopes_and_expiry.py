"""API tokens: explicit scopes and an expiry

Adds to api_token: `scope` (the scopes it was given, separated by spaces) and
`expires_at`. A token made before gets the scopes its owner's role then allowed
(an intake coordinator's: `intakes:read intakes:write`; any other role: none) and
expires 90 days after it was made.

Revision ID: e5a1c93d7b20
Revises: c7f3a9e1d2b4
Create Date: 2026-11-30 20:45:00.000000

"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5a1c93d7b20"
down_revision = "c7f3a9e1d2b4"
branch_labels = None
depends_on = None

ROLE_COMMENT = (
    "the owner's role when it was made (a record: every request checks the owner's current role)"
)


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scope",
                sa.String(length=400),
                server_default="",
                nullable=False,
                comment="the scopes it was given, separated by spaces (e.g. `intakes:write`)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "expires_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="it stops working at this time",
            )
        )
        batch_op.alter_column(
            "last_used_at",
            existing_type=sa.DateTime(timezone=True),
            existing_nullable=True,
            comment="written at most once a minute",
        )
        batch_op.alter_column(
            "role",
            existing_type=sa.String(length=32),
            existing_nullable=False,
            comment=ROLE_COMMENT,
            existing_comment="the owner's role when it was made: its scope",
        )
    tokens = sa.table(
        "api_token",
        sa.column("id", sa.Uuid()),
        sa.column("role", sa.String()),
        sa.column("scope", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(tokens.c.id, tokens.c.role, tokens.c.created_at)):
        scope = "intakes:read intakes:write" if row.role == "intake_coordinator" else ""
        connection.execute(
            tokens.update()
            .where(tokens.c.id == row.id)
            .values(scope=scope, expires_at=row.created_at + timedelta(days=90))
        )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=sa.String(length=32),
            existing_nullable=False,
            comment="the owner's role when it was made: its scope",
            existing_comment=ROLE_COMMENT,
        )
        batch_op.alter_column(
            "last_used_at",
            existing_type=sa.DateTime(timezone=True),
            existing_nullable=True,
            comment=None,
        )
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
