"""Readable intake ids: `INT-2026-0042`, a per-year sequence assigned at submit.

Staff say and search for these; URLs keep the row's UUID. One counter row per
year holds the last number given; taking the next one is a single upsert, so
two submits at once wait for each other on that row and never share a number.
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
