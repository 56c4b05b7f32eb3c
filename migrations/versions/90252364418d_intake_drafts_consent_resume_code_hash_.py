"""Intake drafts: consent, resume code hash, expiry, safety page time, progress, partial

Adds to intake_submission: the privacy notice version agreed to and when, the SHA-256
of the draft's resume code, when the draft expires, when the safety page was shown,
the client's place in the form (never answers), and whether it was sent unfinished.

Revision ID: 90252364418d
Revises: 20cc87abc790
Create Date: 2026-11-25 18:24:19.228309

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "90252364418d"
down_revision = "20cc87abc790"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "consent_version",
                sa.String(length=32),
                nullable=True,
                comment="privacy notice version the client agreed to",
            )
        )
        batch_op.add_column(
            sa.Column(
                "consented_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when the client agreed to the privacy notice",
            )
        )
        batch_op.add_column(
            sa.Column(
                "resume_code_hash",
                sa.String(length=64),
                nullable=True,
                comment="SHA-256 of the draft's current resume code; null once submitted",
            )
        )
        batch_op.add_column(
            sa.Column(
                "draft_expires_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="a draft is purged after this",
            )
        )
        batch_op.add_column(
            sa.Column(
                "crisis_shown_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when the draft's client was shown the safety page",
            )
        )
        batch_op.add_column(
            sa.Column(
                "progress",
                sa.JSON(),
                nullable=True,
                comment="draft's screens done and notes read; never answers",
            )
        )
        batch_op.add_column(
            sa.Column(
                "submitted_partial",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="submitted before the client reached the end (safety page, or left)",
            )
        )
        batch_op.create_index(
            batch_op.f("ix_intake_submission_draft_expires_at"), ["draft_expires_at"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_intake_submission_resume_code_hash"), ["resume_code_hash"]
        )


def downgrade():
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_intake_submission_resume_code_hash"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_intake_submission_draft_expires_at"))
        batch_op.drop_column("submitted_partial")
        batch_op.drop_column("progress")
        batch_op.drop_column("crisis_shown_at")
        batch_op.drop_column("draft_expires_at")
        batch_op.drop_column("resume_code_hash")
        batch_op.drop_column("consented_at")
        batch_op.drop_column("consent_version")
