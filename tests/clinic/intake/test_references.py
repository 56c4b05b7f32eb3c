"""Readable intake ids on PostgreSQL: a sequence per year, so that submits at the same
time never wait for each other, starting after the numbers an earlier version gave, and
taken inside the submission's INSERT once a process has seen the year's sequence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import text

from clinic import create_app
from clinic.extensions import db
from clinic.intake.references import next_reference
from clinic.models import IntakeReferenceCounter
from tests import factories
from tests.conftest import app_overrides, fresh_postgres_database
from tests.support.services import drop_postgres_database
from tests.support.statements import counting

pytestmark = pytest.mark.postgres

MIDSUMMER_1999 = datetime(1999, 6, 21, 12, tzinfo=UTC)


@pytest.fixture
def committing_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a migrated database of this test's own, whose transactions commit."""
    url = fresh_postgres_database()
    app = create_app(app_overrides(url, tmp_path / "instance"))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_postgres_database(url)


def _number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def test_a_years_first_sequence_number_follows_the_earlier_counter(committing_app: Flask) -> None:
    with committing_app.app_context():
        db.session.add(IntakeReferenceCounter(year=1999, last_number=41))
        db.session.commit()
        first = next_reference(MIDSUMMER_1999)
        second = next_reference(MIDSUMMER_1999)
        db.session.commit()
        assert (first, second) == ("INT-1999-0042", "INT-1999-0043")
        assert next_reference(datetime(2001, 1, 1, 12, tzinfo=UTC)) == "INT-2001-0001"
        db.session.rollback()


def test_the_transaction_that_made_the_sequence_numbers_on_from_it(committing_app: Flask) -> None:
    with committing_app.app_context():
        taken = [next_reference(MIDSUMMER_1999) for _ in range(3)]
        db.session.commit()
        assert taken == ["INT-1999-0001", "INT-1999-0002", "INT-1999-0003"]
        assert next_reference(MIDSUMMER_1999) == "INT-1999-0004"
        db.session.rollback()


def test_submits_at_the_same_time_do_not_wait_for_each_other(committing_app: Flask) -> None:
    """B takes a number and commits while A has taken one and not committed.

    With a counter row locked until the commit, B would wait for A: its
    lock_timeout turns that wait into an error instead of a hang.
    """
    with committing_app.app_context():  # transaction A, left open
        first = factories.submitted_intake()
        db.session.flush()
        with committing_app.app_context():  # transaction B, on another connection
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            second = factories.submitted_intake()
            db.session.commit()
            second_reference = second.reference
        db.session.commit()
        assert first.reference is not None and second_reference is not None
        assert _number(second_reference) == _number(first.reference) + 1


def test_a_rolled_back_submit_leaves_a_gap(committing_app: Flask) -> None:
    with committing_app.app_context():
        first = factories.submitted_intake().reference
        db.session.rollback()
        second = factories.submitted_intake().reference
        db.session.commit()
        assert first is not None and second is not None
        assert _number(second) == _number(first) + 1


def test_a_year_seen_once_is_numbered_inside_the_insert(committing_app: Flask) -> None:
    """The first submit of the year finds (here: makes) its sequence; the next takes its
    number in its own INSERT, with no statement for it, formatted the same way."""
    year = datetime.now(ZoneInfo(committing_app.config["CLINIC_TIMEZONE"])).year
    with committing_app.app_context():
        db.session.add(IntakeReferenceCounter(year=year, last_number=9998))
        db.session.commit()
        first = factories.submitted_intake()
        db.session.flush()
        with counting(db.engine) as seen:
            second = factories.submitted_intake()
            db.session.flush()
        db.session.commit()
        assert (first.reference, second.reference) == (f"INT-{year}-9999", f"INT-{year}-10000")
        numbered = [statement for statement in seen.sent if "nextval" in statement]
        assert len(numbered) == 1 and "INSERT INTO intake_submission" in numbered[0]
