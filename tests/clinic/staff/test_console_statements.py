"""What a console page costs in SQL statements (counted, never timed): a page of 50
referrals is a handful of queries, never one per row; the CSV export streams one query."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from clinic.extensions import db
from clinic.models import Referral
from clinic.models.columns import utcnow
from clinic.staff.queue_query import Filters, fetch_page
from tests import factories
from tests.clinic.staff import support

HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
"""The test's own transaction around each request's commit: not the page's."""


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run while the block runs, the test harness's savepoints left out."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(HARNESS):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _referral_reads(seen: list[str]) -> int:
    """Statements loading referral rows (not the counts by priority)."""
    return sum(1 for s in seen if s.startswith("SELECT referral.id, referral.submission_id"))


def _many(count: int) -> list[Referral]:
    """`count` intakes, each referred to emdr (mixed priorities, one assigned, some flagged)
    and dbt, waiting different times."""
    cal = support.staff("clinician", queues=("emdr",), name="Cal")
    made = []
    for n in range(count):
        intake = factories.submitted_intake(contact=support.REACHABLE)
        if n % 4 == 0:
            support.decided(intake, ["partner_safety", "alcohol_use"])
        ref = support.referral(
            "emdr",
            priority=("urgent", "priority", "routine")[n % 3],
            submission=intake,
            assignee_id=cal.id if n % 5 == 0 else None,
            status="accepted" if n % 5 == 0 else "new",
        )
        ref.created_at = utcnow() - timedelta(hours=n + 1)
        made.append(ref)
        support.referral("dbt", submission=intake, status="in_review")
    db.session.commit()
    return made


@pytest.mark.usefixtures("app_context")
def test_dashboard_first_page_is_a_handful_of_statements(app: Flask, client: FlaskClient) -> None:
    _many(60)
    support.sign_in(client, support.staff())
    db.session.remove()
    with statements() as seen:
        page = client.get("/staff")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="priority-') == 50
    assert _referral_reads(seen) <= 2, seen  # the page (rows and intakes) and the others
    assert len(seen) <= 10, seen


@pytest.mark.usefixtures("app_context")
def test_one_queue_one_status_page_is_a_handful_of_statements(
    app: Flask, client: FlaskClient
) -> None:
    _many(30)
    support.sign_in(client, support.staff())
    db.session.remove()
    with statements() as seen:
        page = client.get("/staff/queues/emdr?status=new")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="priority-') == 24
    assert _referral_reads(seen) <= 2, seen
    assert len(seen) <= 10, seen


@pytest.mark.usefixtures("app_context")
def test_export_streams_one_query_with_the_dashboards_rows(app: Flask, client: FlaskClient) -> None:
    made = _many(12)
    made[1].submission.submitted_partial = True
    made[2].submission.submitted_via = "safety_page"
    db.session.commit()
    made_ids = [r.id for r in made]
    expected = [r.id for r in fetch_page(Filters(queues=("emdr",)), size=100).referrals]
    support.sign_in(client, support.staff())
    db.session.remove()
    with statements() as seen:
        response = client.get("/staff/queues/emdr/export.csv")
        assert "Content-Length" not in response.headers  # streamed as it is written
        text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    made = [db.session.get_one(Referral, i) for i in made_ids]
    assert [r["reference"] for r in rows] == [str(i) for i in expected]
    by_id = {str(r.id): r for r in made}
    for row in rows:
        ref = by_id[row["reference"]]
        assert row["priority"] == ref.priority and row["status"] == ref.status
        assert row["assignee"] == ("Cal" if ref.assignee_id else "")
        assert row["intake"] == ref.submission.reference
        flagged = ref.submission.decision is not None
        assert row["flags"] == ("partner_safety alcohol_use" if flagged else "")  # reading order
        assert row["partial"] == ("yes" if ref is made[1] else "no")
        assert row["left_at_crisis_page"] == ("yes" if ref is made[2] else "no")
    reads = [s for s in seen if "FROM referral" in s]
    assert len(reads) == 2, reads  # the count for the audit record, then the rows at once
    assert "JOIN intake_submission" in reads[1] and "flag" in reads[1]
