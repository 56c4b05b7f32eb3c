"""The next readable intake id (`INT-2026-0042`), taken in the submit's transaction.

The year is the clinic's (CLINIC_TIMEZONE). On PostgreSQL each year has a sequence
of its own (`intake_reference_2026`): taking a number holds no lock, so submits at
the same time never wait for each other. (A counter row updated in the submit's
transaction was locked until that transaction's commit had reached the disk, so
every submit queued behind the one before it: most of the database's time under
load was spent waiting on that row.) Numbers are unique and rise through the year;
a submit that is rolled back leaves a gap.

A year's sequence is made by the first submit that needs it, in a short
transaction of its own (which also gives that submit its number), and starts
after the year's `intake_reference_counter` row: the numbers given before
sequences were used. Once a web process or worker has seen a year's sequence
(`reference_for`), its later submits take their number inside the submission's
own INSERT: a submit waits on the database once less. On SQLite (the embedded
default, one writer at a time) that counter row is still the source: one upsert
returns the number.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, Executable, String, Table, bindparam, select, text
from sqlalchemy.dialects import sqlite

from clinic.extensions import db
from clinic.models import IntakeReferenceCounter
from clinic.models.intake_reference import REFERENCE_PREFIX, format_reference

_NEXT_IN_SEQUENCE = text(
    "SELECT CASE WHEN to_regclass(:name) IS NULL THEN NULL ELSE nextval(:name) END"
)
"""The sequence's next number, or NULL when the year has no sequence yet (one statement)."""

_CREATE_LOCK = 0x494E54  # 'INT': advisory lock key, taken while a year's sequence is made


def _counter_upsert() -> Executable:
    table = cast(Table, IntakeReferenceCounter.__table__)
    return (
        sqlite.insert(table)
        .values(year=bindparam("year"), last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.year], set_={"last_number": table.c.last_number + 1}
        )
        .returning(table.c.last_number)
    )


_COUNTER_UPSERT = _counter_upsert()
"""SQLite's counter upsert, built once."""


_NUMBERED = text(
    "SELECT :reference_prefix || lpad(n::text, greatest(4, length(n::text)), '0')"
    " AS reference FROM nextval(CAST(:reference_name AS regclass)) AS n"
)
NUMBERED_IN_INSERT = _NUMBERED.columns(reference=String).scalar_subquery()
"""A reference formatted as `format_reference` does, for an INSERT to evaluate; its bind
values are those of `numbered_in_insert`."""

_YEARS_SEEN = "intake_reference_years"
"""Key in `app.extensions`: the years whose sequence this process has seen."""


def sequence_name(year: int) -> str:
    return f"intake_reference_{year}"


def _clinic_year(at: datetime) -> int:
    return at.astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"])).year


def numbered_in_insert(at: datetime) -> dict[str, str] | None:
    """The bind values of NUMBERED_IN_INSERT for an intake submitted at `at`, when the
    submission's INSERT can take its number (on PostgreSQL, once this process has seen
    the year's sequence: sequences are never dropped, so a year seen once stays seen);
    None when `next_reference` must give it."""
    year = _clinic_year(at)
    if year not in current_app.extensions.get(_YEARS_SEEN, ()):
        return None
    return {
        "reference_prefix": f"{REFERENCE_PREFIX}-{year}-",
        "reference_name": sequence_name(year),
    }


def reference_for(at: datetime) -> str | ColumnElement[str]:
    """What to store as the reference of an intake submitted at `at`: the reference, or
    an expression that the submission's INSERT evaluates (`numbered_in_insert`; read
    back only if the reference is asked for)."""
    numbering = numbered_in_insert(at)
    if numbering is None:
        return next_reference(at)
    return _NUMBERED.bindparams(**numbering).columns(reference=String).scalar_subquery()


def next_reference(at: datetime) -> str:
    """A new reference for an intake submitted at `at`."""
    year = _clinic_year(at)
    with db.session.no_autoflush:  # the submission is inserted once, with its reference
        if db.engine.dialect.name != "postgresql":
            number = db.session.execute(_COUNTER_UPSERT, {"year": year}).scalar_one()
        else:
            number = db.session.execute(
                _NEXT_IN_SEQUENCE, {"name": sequence_name(year)}
            ).scalar() or _take_from_new_sequence(year)
            current_app.extensions.setdefault(_YEARS_SEEN, set()).add(year)
    return format_reference(year, number)


def _take_from_new_sequence(year: int) -> int:
    """The year's sequence was not found: make it if no one has, starting after the year's
    counter row, and take a number from it, on a connection of its own.

    Sequences are not transactional, so a number taken there is as good as one taken in
    the submit's transaction; and that transaction, which may have looked for the
    sequence before it existed, need not see it yet.
    """
    name = sequence_name(year)
    with db.engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_LOCK})
        last = connection.scalar(
            select(IntakeReferenceCounter.last_number).where(IntakeReferenceCounter.year == year)
        )
        start = int(last or 0) + 1
        connection.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {start}"))
        return int(connection.execute(text("SELECT nextval(:name)"), {"name": name}).scalar_one())
