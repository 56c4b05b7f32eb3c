"""The next readable intake id (`INT-2026-0042`), taken in the submit's transaction.

The year is the clinic's (CLINIC_TIMEZONE). One upsert on the year's counter row
returns the number: concurrent submits queue on that row lock, so each gets its
own number, and a rolled-back submit gives its number back with the rest. The
upsert does not flush the session first, so the submission is inserted once,
with its reference, at the commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Executable, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from clinic.extensions import db
from clinic.models import IntakeReferenceCounter
from clinic.models.intake_reference import format_reference


def _upsert(dialect: str) -> Executable:
    table = cast(Table, IntakeReferenceCounter.__table__)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return (
        insert.values(year=bindparam("year"), last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.year], set_={"last_number": table.c.last_number + 1}
        )
        .returning(table.c.last_number)
    )


_UPSERTS = {dialect: _upsert(dialect) for dialect in ("postgresql", "sqlite")}
"""The counter's upsert on each database, built once: every submit runs it."""


def next_reference(at: datetime) -> str:
    """A new reference for an intake submitted at `at`."""
    year = at.astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"])).year
    statement = _UPSERTS["postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"]
    with db.session.no_autoflush:
        number = db.session.execute(statement, {"year": year}).scalar_one()
    return format_reference(year, number)
