"""Counting the SQL statements and commits a piece of code sends (counts, never times).

The tests' sessions run inside an outer transaction, where a session's commit
releases a SAVEPOINT: a commit is a COMMIT or that RELEASE, and the SAVEPOINT
statements of the arrangement are not counted as statements. (A session commit
with nothing to commit sends nothing, and is not counted.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_TEST_ARRANGEMENT = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@dataclass
class Statements:
    """What the engine sent while counting: each statement's text, and the commits."""

    sent: list[str] = field(default_factory=list)
    commits: int = 0

    @property
    def count(self) -> int:
        return len(self.sent)


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    """Count the statements and commits sent on `engine` inside the block."""
    seen = Statements()

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("RELEASE SAVEPOINT"):
            seen.commits += 1
        elif not statement.startswith(_TEST_ARRANGEMENT):
            seen.sent.append(statement)

    def on_commit(_conn: Any) -> None:
        seen.commits += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
