"""Readable intake ids and how an intake was submitted

Adds to intake_submission: `reference` (e.g. INT-2026-0042, a per-year sequence
given at submit; unique) and `submitted_via` (review, safety_page, quick_exit,
safety_autosubmit, direct), so the console, the CSV and the API can say that an
intake was partial and whether the client left at the crisis page without guessing.
Adds `intake_reference_counter` (the last number given per year). Intakes
submitted before this get references in the order they were submitted (by the
UTC year of submission); how they were submitted stays unknown (null).

Revision ID: a7d3c9e1f2b4
Revises: c5a1e0f7b2d8
Create Date: 2026-11-30 20:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7d3c9e1f2b4"
down_revision = "c5a1e0f7b2d8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_reference_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "last_number",
            sa.Integer(),
            nullable=False,
            comment="the last readable intake number given this year",
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_intake_reference_counter")),
    )
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "submitted_via",
                sa.String(length=24),
                nullable=True,
                comment="how it was submitted: review, safety_page (left at the crisis "
                "page), quick_exit, safety_autosubmit, direct (API); null before submit",
            )
        )
        batch_op.add_column(
            sa.Column(
                "reference",
                sa.String(length=24),
                nullable=True,
                comment="readable id given at submit, e.g. INT-2026-0042 (per-year sequence)",
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_intake_submission_reference"), ["reference"]
        )
    _number_earlier_intakes()


def _number_earlier_intakes() -> None:
    bind = op.get_bind()
    submission = sa.table(
        "intake_submission",
        sa.column("id"),
        sa.column("submitted_at"),
        sa.column("reference", sa.String),
    )
    counter = sa.table(
        "intake_reference_counter", sa.column("year", sa.Integer), sa.column("last_number")
    )
    rows = bind.execute(
        sa.select(submission.c.id, submission.c.submitted_at)
        .where(submission.c.submitted_at.is_not(None))
        .order_by(submission.c.submitted_at, submission.c.id)
    ).all()
    last: dict[int, int] = {}
    for ident, submitted_at in rows:
        year = submitted_at.year if hasattr(submitted_at, "year") else int(str(submitted_at)[:4])
        last[year] = last.get(year, 0) + 1
        bind.execute(
            sa.update(submission)
            .where(submission.c.id == ident)
            .values(reference=f"INT-{year}-{last[year]:04d}")
        )
    for year, number in last.items():
        bind.execute(sa.insert(counter).values(year=year, last_number=number))


def downgrade() -> None:
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_intake_submission_reference"), type_="unique")
        batch_op.drop_column("reference")
        batch_op.drop_column("submitted_via")
    op.drop_table("intake_reference_counter")
