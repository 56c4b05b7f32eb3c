"""FHIR bulk exports: one row per $export request

Revision ID: c7f3a9e1d2b4
Revises: 3d5e8f1a9c27
Create Date: 2026-11-30 20:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7f3a9e1d2b4"
down_revision = "3d5e8f1a9c27"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fhir_export",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="accepted, completed, failed",
        ),
        sa.Column(
            "resource_types",
            sa.JSON(),
            nullable=False,
            comment="the resource types asked for (_type)",
        ),
        sa.Column(
            "queues",
            sa.JSON(),
            nullable=False,
            comment="the queues the owner could see when they asked",
        ),
        sa.Column(
            "since",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="_since: only what changed after",
        ),
        sa.Column("request_url", sa.String(length=2000), nullable=False),
        sa.Column(
            "output", sa.JSON(), nullable=True, comment="each file written: resource type and count"
        ),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["staff_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fhir_export", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fhir_export_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fhir_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_export_owner_id"))
    op.drop_table("fhir_export")
