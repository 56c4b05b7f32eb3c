"""The queue dashboard with a million referrals on PostgreSQL.

Loads 1,000,000 referrals (200,000 intakes x 5 queues, two years of them,
about 6 % still open) into a fresh database, then measures a first page, a
deep page (after 20 pages), one clinician's queue, the counts by priority, the
"worse while waiting" filter, the expected waits (each referral's "created" event and
the scheduling steps of the last 120 days) and the overview's median time to first
contact (the first contact of the referrals of the last 120 days), both of these the way
PostgreSQL takes them and the way SQLite does (every wait read into Python).
The page query's plan must read `referral` only through index scans (no
sequential scan, no sort of the whole table): that is checked, not timed.

Run (needs PostgreSQL at TEST_DATABASE_URL; the load takes about a minute):
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    .venv/bin/python -m pytest bench/bench_dashboard.py --benchmark-only
BENCH_INTAKES=20000 loads a tenth (100,000 referrals), for a quick run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import text

from clinic import create_app
from clinic.extensions import db
from clinic.models.columns import utcnow
from clinic.routing.waits import WINDOW, current_figures
from clinic.staff.overview import WEEKS, median_hours_to_contact
from clinic.staff.queue_query import Cursor, Filters, fetch_page, open_counts, page_query
from tests.conftest import app_overrides, apply_migrations
from tests.support.services import create_postgres_database, drop_postgres_database, reachable

QUEUES = ("family", "play", "dbt", "emdr", "intake")
INTAKES = int(os.environ.get("BENCH_INTAKES", "200000"))

LOAD = [
    f"""
    INSERT INTO intake_submission (id, path, status, definitions_version, created_at, updated_at)
    SELECT gen_random_uuid(), 'adult_self', 'routed', 'bench',
           now() - (n * interval '315 seconds'), now()
    FROM generate_series(1, {INTAKES}) AS n
    """,
    f"""
    INSERT INTO referral (id, submission_id, queue, rank, priority, status, version,
                          created_at, updated_at)
    SELECT gen_random_uuid(), s.id, q.queue, q.rank,
           CASE WHEN r < 0.05 THEN 'urgent' WHEN r < 0.25 THEN 'priority' ELSE 'routine' END,
           CASE WHEN age < interval '21 days'
                THEN (ARRAY['new', 'in_review', 'accepted', 'contacted', 'scheduled'])[pick]
                ELSE (ARRAY['closed', 'closed', 'closed', 'declined', 'rerouted'])[pick]
           END,
           1, s.created_at + q.rank * interval '1 second', now()
    FROM (SELECT id, created_at, now() - created_at AS age, random() AS r,
                 1 + floor(random() * 5)::int AS pick
          FROM intake_submission) AS s
    CROSS JOIN (VALUES {", ".join(f"('{q}', {i})" for i, q in enumerate(QUEUES))}) AS q(queue, rank)
    """,
    # Each referral's "created" event, as routing writes it.
    """
    INSERT INTO referral_event (referral_id, kind, to_status, detail, created_at)
    SELECT id, 'created', 'new', '{}', created_at FROM referral
    """,
    # Every referral of the last 120 days that is scheduled or closed was scheduled 1 to
    # 60 days after it was made (the expected waits' history).
    """
    INSERT INTO referral_event (referral_id, kind, from_status, to_status, detail, created_at)
    SELECT id, 'transition', 'contacted', 'scheduled', '{}',
           created_at + (1 + floor(random() * 60)::int) * interval '1 day'
    FROM referral
    WHERE status IN ('scheduled', 'closed') AND created_at > now() - interval '120 days'
    """,
    # Every referral of the last 120 days that got as far as contact was first contacted
    # 1 to 200 hours after it was made (the overview's median time to first contact).
    """
    INSERT INTO referral_event (referral_id, kind, from_status, to_status, detail, created_at)
    SELECT id, 'transition', 'accepted', 'contacted', '{}',
           created_at + (1 + floor(random() * 200)::int) * interval '1 hour'
    FROM referral
    WHERE status IN ('contacted', 'scheduled', 'closed')
      AND created_at > now() - interval '120 days'
    """,
    # One open referral in fifty was worse while waiting.
    """
    UPDATE referral SET worse_since = created_at + interval '14 days'
    WHERE status IN ('new', 'in_review', 'accepted', 'contacted') AND random() < 0.02
    """,
    "ANALYZE",
]


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base or not reachable(base):
        pytest.skip("needs PostgreSQL at TEST_DATABASE_URL")
    url = create_postgres_database(base)
    instance = tmp_path_factory.mktemp("bench-instance")
    try:
        apply_migrations(url, Path(instance))
        app = create_app(app_overrides(url, Path(instance)))
        with app.app_context():
            for statement in LOAD:
                db.session.execute(text(statement))
                db.session.commit()
            count = db.session.scalar(text("SELECT count(*) FROM referral"))
            assert count == INTAKES * len(QUEUES)
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_postgres_database(url)


def _plan(filters: Filters, after: Cursor | None) -> str:
    query = page_query(filters, after, 50)
    assert query is not None
    sql = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    rows = db.session.execute(text(f"EXPLAIN {sql}")).scalars().all()
    return "\n".join(rows)


def _assert_index_only(plan: str) -> None:
    assert "Seq Scan on referral" not in plan, plan
    assert "Index Scan" in plan or "Index Only Scan" in plan, plan


def test_first_page_all_queues(benchmark: BenchmarkFixture, million: Flask) -> None:
    filters = Filters(queues=QUEUES)
    _assert_index_only(_plan(filters, None))
    page = benchmark(fetch_page, filters)
    assert len(page.referrals) == 50 and page.referrals[0].priority == "urgent"


def test_page_twenty_one_all_queues(benchmark: BenchmarkFixture, million: Flask) -> None:
    filters = Filters(queues=QUEUES)
    cursor = None
    for _ in range(20):
        cursor = fetch_page(filters, cursor).next_cursor
    assert cursor is not None
    _assert_index_only(_plan(filters, cursor))
    page = benchmark(fetch_page, filters, cursor)
    assert len(page.referrals) == 50


def test_one_queue_one_status(benchmark: BenchmarkFixture, million: Flask) -> None:
    filters = Filters(queues=("emdr",), statuses=("new",))
    _assert_index_only(_plan(filters, None))
    page = benchmark(fetch_page, filters)
    assert page.referrals


def test_closed_history_of_a_queue(benchmark: BenchmarkFixture, million: Flask) -> None:
    filters = Filters(queues=("family",), statuses=("closed",))
    _assert_index_only(_plan(filters, None))
    page = benchmark(fetch_page, filters)
    assert len(page.referrals) == 50


def test_counts_by_priority(benchmark: BenchmarkFixture, million: Flask) -> None:
    counts = benchmark(open_counts, QUEUES)
    assert sum(sum(c.values()) for c in counts.values()) > 0


def test_worse_while_waiting(benchmark: BenchmarkFixture, million: Flask) -> None:
    filters = Filters(queues=QUEUES, worse=True)
    _assert_index_only(_plan(filters, None))
    page = benchmark(fetch_page, filters)
    assert page.referrals and all(r.worse_since is not None for r in page.referrals)


def test_expected_waits(benchmark: BenchmarkFixture, million: Flask) -> None:
    """What the dashboard reads at most once every five minutes per web process."""
    since = f"now() - interval '{WINDOW.days} days'"
    plan = "\n".join(
        db.session.execute(
            text(
                "EXPLAIN SELECT 1 FROM referral_event WHERE kind = 'transition'"
                f" AND to_status = 'scheduled' AND created_at >= {since}"
            )
        ).scalars()
    )
    assert "Seq Scan on referral_event" not in plan, plan
    figures = benchmark(current_figures)
    assert figures.by_queue and figures.for_clients is not None
    assert figures == current_figures(in_sql=False)


def test_expected_waits_in_python(benchmark: BenchmarkFixture, million: Flask) -> None:
    """The same, every wait of the window read into Python (the way on SQLite)."""
    figures = benchmark(current_figures, in_sql=False)
    assert figures.by_queue and figures.for_clients is not None


def test_overview_median_to_first_contact(benchmark: BenchmarkFixture, million: Flask) -> None:
    """The overview's median time to first contact over its eight weeks."""
    since = utcnow() - timedelta(weeks=WEEKS)
    medians = benchmark(median_hours_to_contact, QUEUES, since)
    assert all(m is not None for m in medians.values())
    assert medians == median_hours_to_contact(QUEUES, since, in_sql=False)


def test_overview_median_in_python(benchmark: BenchmarkFixture, million: Flask) -> None:
    """The same, every wait read into Python (the way on SQLite)."""
    since = utcnow() - timedelta(weeks=WEEKS)
    medians = benchmark(median_hours_to_contact, QUEUES, since, in_sql=False)
    assert all(m is not None for m in medians.values())
