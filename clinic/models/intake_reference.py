"""Readable intake ids: `INT-2026-0042`, numbered through the year from submit.

Staff say and search for these; URLs keep the row's UUID. On PostgreSQL the
numbers come from a sequence per year (clinic.intake.references), and this
table holds, for the years before sequences were used, the last number given,
where each year's sequence starts from. On SQLite (the embedded default) one
counter row per year still holds the last number given, taken by an upsert.
"""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import Model

REFERENCE_PREFIX = "INT"


def format_reference(year: int, number: int) -> str:
    """E.g. (2026, 42) -> 'INT-2026-0042' (four digits at least, more when needed)."""
    return f"{REFERENCE_PREFIX}-{year}-{number:04d}"


class IntakeReferenceCounter(Model):
    __tablename__ = "intake_reference_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(
        Integer, nullable=False, comment="the last readable intake number given this year"
    )
