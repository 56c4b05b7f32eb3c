"""The overview page (SVG charts) and the CSV export of a queue's referral list."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import lru_cache

from flask import Response, current_app, render_template, request, stream_with_context
from sqlalchemy import text

from clinic.models import reads
from clinic.models.columns import utcnow
from clinic.staff import bp, overview, viewing
from clinic.staff.access import CLINICAL, me, queue_or_abort, require, visible_queues
from clinic.staff.charts import bar_chart, column_chart
from clinic.staff.dashboard_views import parse_filters
from clinic.staff.hooks import clinic_zone
from clinic.staff.queue_query import export_query
from clinic.staff.sla import WAITING_STATUSES, SlaState, parse_targets, sla_state
from referrals import QUEUES
from referrals.flags import labels_of

EXPORT_BATCH = 2000
"""Rows fetched from the server-side cursor, and written to the response, at a time."""
EXPORT_SORT_MEMORY = "64MB"
"""PostgreSQL's work_mem for the export's read-only transaction (the sort of its rows)."""
EXPORT_COLUMNS = (
    "reference",
    "queue",
    "priority",
    "status",
    "received",
    "waiting_hours",
    "assignee",
    "sla_due",
    "sla_overdue",
    "flags",
    "intake",
    "partial",
    "left_at_crisis_page",
)
FLAG_SEPARATOR = " "
"""Between the flag ids of one row's `flags` cell, e.g. `partner_safety safety_unknown`."""
NO_SLA = SlaState(None, False, False)
"""A referral no longer waiting for first contact has no target to meet."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these would be a formula in a spreadsheet (OWASP CSV
injection): it is written with a single quote before it."""


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


@lru_cache(maxsize=1024)
def _flag_ids(flags: str | None) -> str:
    """The intake's flag ids (as the database aggregated them) in reading order, made
    spreadsheet-safe."""
    return safe_text(FLAG_SEPARATOR.join(f.id for f in labels_of((flags or "").split())))


def safe_text(value: str) -> str:
    """A text cell, quoted if a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def spreadsheet_safe(*values: object) -> tuple[object, ...]:
    """The row's cells, each text cell that a spreadsheet would run as a formula quoted.
    Numbers stay numbers (a negative one is not text)."""
    return tuple(safe_text(value) if isinstance(value, str) else value for value in values)


@bp.route("/overview")
@require(CLINICAL)
def overview_page() -> str:
    queues = visible_queues(me())
    reads.use_replica()  # the figures from the replica, if any; the audit event on the primary
    now = utcnow()
    starts = overview.week_starts(now, clinic_zone())
    figures = viewing.overview_figures(queues, starts)
    weekly, medians, urgent = figures.weekly, figures.medians, figures.urgent
    largest = max((max(v) for v in weekly.values()), default=0)
    labels = [s.strftime("%d %b") for s in starts]
    return render_template(
        "staff/overview.html",
        queues=queues,
        weekly={
            q: column_chart(list(zip(labels, weekly[q], strict=True)), largest=largest)
            for q in queues
        },
        weekly_numbers=weekly,
        week_labels=labels,
        medians=bar_chart(
            [
                (
                    QUEUES[q].name,
                    medians[q] or 0,
                    _hours(medians[q]),
                )
                for q in queues
            ]
        ),
        urgent=bar_chart([(QUEUES[q].name, urgent[q], str(urgent[q])) for q in queues]),
    )


def _hours(value: float | None) -> str:
    if value is None:
        return "no contacts yet"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


@bp.route("/queues/<queue>/export.csv")
@require(CLINICAL)
def export_queue(queue: str) -> Response:
    """The queue's referral list as the dashboard filters it; no answers, no contact details."""
    queue_or_abort(queue)
    reads.use_replica()  # the rows from the replica, if any; the audit event on the primary
    filters = parse_filters(request.args, (queue,))
    viewing.export_count(queue, filters)
    zone = clinic_zone()

    now = utcnow()
    targets = parse_targets(current_app.config["STAFF_SLA_TARGETS"])
    query, values = export_query(filters)

    def lines() -> Iterator[str]:
        """The CSV a batch of rows at a time, from one query on a server-side cursor: memory
        stays flat however long the list. The stream runs in an app context of its own,
        after the view's: it opts in to the replica again."""
        reads.use_replica()
        session = reads.reads()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        yield _drained(buffer)
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # The list's order is one sort of every row: in memory, not in temporary files;
            # and no JIT compilation, which took longer than the query it compiled.
            connection.execute(text(f"SET LOCAL work_mem = '{EXPORT_SORT_MEMORY}'"))
            connection.execute(text("SET LOCAL jit = off"))
        result = connection.execute(query, values, execution_options={"yield_per": EXPORT_BATCH})
        for batch in result.partitions():
            for (
                ident,
                queue_code,
                priority,
                status,
                created,
                assignee,
                flags,
                submission_id,
                reference,
                partial,
                via,
            ) in batch:
                sla = (
                    sla_state(
                        priority=priority,
                        status=status,
                        created_at=created,
                        now=now,
                        targets=targets,
                        zone=zone,
                    )
                    if status in WAITING_STATUSES
                    else NO_SLA
                )
                # Only the free text can start like a formula: the queue, status and
                # priority are codes the filter and the database constrain, the times
                # start with a digit, the id is a UUID.
                writer.writerow(
                    (
                        ident,
                        queue_code,
                        priority,
                        status,
                        created.astimezone(zone).isoformat(timespec="minutes"),
                        round((now - created).total_seconds() / 3600, 1),
                        safe_text(assignee or ""),
                        sla.due.astimezone(zone).isoformat(timespec="minutes") if sla.due else "",
                        "yes" if sla.breached else "no",
                        _flag_ids(flags),
                        safe_text(reference or submission_id[:8]),
                        "yes" if partial else "no",
                        "yes" if via == "safety_page" else "no",
                    )
                )
            yield _drained(buffer)
        result.close()

    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{queue}-referrals-{stamp}.csv"'},
    )
