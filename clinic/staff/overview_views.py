"""The overview page (SVG charts) and the CSV export of a queue's referral list."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, render_template, request, stream_with_context

from clinic.models import reads
from clinic.models.columns import utcnow
from clinic.staff import bp, overview, viewing
from clinic.staff.access import CLINICAL, me, queue_or_abort, require, visible_queues
from clinic.staff.charts import bar_chart, column_chart
from clinic.staff.dashboard_views import parse_filters
from clinic.staff.hooks import clinic_zone
from clinic.staff.queue_query import Cursor, fetch_page
from clinic.staff.rows import reference_of, rows_for
from referrals import QUEUES

EXPORT_PAGE = 500
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
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these would be a formula in a spreadsheet (OWASP CSV
injection): it is written with a single quote before it."""


def spreadsheet_safe(*values: object) -> tuple[object, ...]:
    """The row's cells, each text cell that a spreadsheet would run as a formula quoted.
    Numbers stay numbers (a negative one is not text)."""
    return tuple(
        "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
        for value in values
    )


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

    def lines() -> Iterator[str]:
        # The stream runs in an app context of its own, after the view's: it opts in again.
        reads.use_replica()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        cursor: Cursor | None = None
        while True:
            page = fetch_page(filters, cursor, EXPORT_PAGE)
            for row in rows_for(page.referrals):
                r = row.referral
                writer.writerow(
                    spreadsheet_safe(
                        r.id,
                        r.queue,
                        r.priority,
                        r.status,
                        r.created_at.astimezone(zone).isoformat(timespec="minutes"),
                        round(row.waited_seconds / 3600, 1),
                        r.assignee.display_name if r.assignee else "",
                        row.sla.due.astimezone(zone).isoformat(timespec="minutes")
                        if row.sla.due
                        else "",
                        "yes" if row.sla.breached else "no",
                        FLAG_SEPARATOR.join(f.id for f in row.flags),
                        reference_of(row.submission),
                        "yes" if row.submission.submitted_partial else "no",
                        "yes" if row.submission.left_at_crisis_page else "no",
                    )
                )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            reads.reads().expunge_all()
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{queue}-referrals-{stamp}.csv"'},
    )
