"""Rows written with an INSERT built once, and several such rows sent as one statement.

The hot paths write a few small rows per request (an outbox row, an audit event): an
ORM object per row, flushed, cost a noticeable share of a submit's web CPU, and each
statement is one more wait on the database. A `RowInsert` is a prebuilt INSERT (its
values bind parameters) with the values of one row; `insert_together` sends several
as one statement on PostgreSQL (all but the last as data-modifying CTEs of the last),
and one after the other where the database has no such CTEs (SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RowInsert:
    """One row: `statement` (built once by `prebuilt_insert`) and its bind values."""

    statement: Insert
    values: dict[str, Any]


def prebuilt_insert(table: Table, columns: tuple[str, ...], *, prefix: str = "") -> Insert:
    """An INSERT of `columns` into `table`, each value a bind parameter named after its
    column (with `prefix`, so that two statements sent together never share a name)."""
    return insert(table).values(
        {name: bindparam(prefix + name, type_=table.c[name].type) for name in columns}
    )


_TOGETHER: dict[tuple[int, ...], Insert] = {}
"""The combined statements built so far, by the ids of their prebuilt INSERTs (each
module-level and kept for the process's life, so an id is never reused)."""


def insert_together(session: Session, *rows: RowInsert) -> Result[Any]:
    """Write the rows in the session's transaction, in one statement where the database
    allows; the result is the last row's (its RETURNING, if it has one)."""
    *firsts, last = rows
    if not firsts or session.get_bind().dialect.name != "postgresql":
        for row in firsts:
            session.execute(row.statement, row.values)
        return session.execute(last.statement, last.values)
    key = tuple(id(row.statement) for row in rows)
    statement = _TOGETHER.get(key)
    if statement is None:
        names = [name for row in rows for name in row.values]
        if len(names) != len(set(names)):
            raise ValueError("two of the INSERTs share a bind parameter's name")
        statement = last.statement.add_cte(
            *(row.statement.cte(f"row_{number}") for number, row in enumerate(firsts, 1))
        )
        _TOGETHER[key] = statement
    values: dict[str, Any] = {}
    for row in rows:
        values.update(row.values)
    return session.execute(statement, values)
