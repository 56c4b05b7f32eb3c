"""The next readable intake id (`INT-2026-0042`), taken in the submit's transaction.

The year is the clinic's (CLINIC_TIMEZONE). One upsert on the year's counter row
returns the number: concurrent submits queue on that row lock, so each gets its
own number, and a rolled-back submit gives its number back with the rest. The
upsert does not flush the session first, so the submission is inserted once,
with its reference, at the commit.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from clinic.extensions import db
from clinic.models import IntakeReferenceCounter
from clinic.models.intake_reference import format_reference


def next_reference(at: datetime) -> str:
    """A new reference for an intake submitted at `at`."""
    year = at.astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"])).year
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = IntakeReferenceCounter.__table__
    statement = (
        dialect.insert(table)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.year], set_={"last_number": table.c.last_number + 1}
        )
        .returning(table.c.last_number)
    )
    with db.session.no_autoflush:
        number = db.session.execute(statement).scalar_one()
    return format_reference(year, number)
