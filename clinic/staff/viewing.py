"""What staff open in the console, recorded: each read loads what a page shows and
adds the audit event of that viewing (the request commits it with the rest)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from clinic.models import Referral
from clinic.security import audit
from clinic.staff import detail, overview
from clinic.staff.access import referral_or_404
from clinic.staff.queue_query import Cursor, Filters, Page, fetch_page, filtered_count


def referral(referral_id: uuid.UUID) -> Referral:
    """A referral in one of the user's queues (else 404)."""
    ref = referral_or_404(referral_id)
    audit.record("referral.viewed", target_type="referral", target_id=ref.id)
    return ref


def answers(referral_id: uuid.UUID) -> tuple[Referral, detail.AnswersView]:
    """A referral's intake answers, by section (404 outside the user's queues)."""
    ref = referral_or_404(referral_id)
    view = detail.answer_sections(ref.submission)
    audit.record("referral.answers_viewed", target_type="referral", target_id=ref.id)
    return ref, view


def queue_page(
    shown_as: str, filters: Filters, after: Cursor | None, intake_queues: tuple[str, ...]
) -> Page:
    """One page of the referrals `filters` select, with their intakes' referrals in
    `intake_queues`; `shown_as`: the queue, or "mine"."""
    page = fetch_page(filters, after, intake_queues=intake_queues)
    audit.record(
        "staff.queue_viewed",
        target_type="queue",
        target_id=shown_as,
        detail={"queues": list(filters.queues), "shown": len(page.referrals)},
    )
    return page


@dataclass(frozen=True)
class OverviewFigures:
    weekly: dict[str, list[int]]
    """Referrals received per queue, one number per week of `starts`."""
    medians: dict[str, float | None]
    """Median hours to first contact per queue, since the first week (at most five minutes
    old)."""
    urgent: dict[str, int]
    """Open urgent referrals per queue."""


def overview_figures(queues: Sequence[str], starts: Sequence[datetime]) -> OverviewFigures:
    """The overview's figures for these queues and weeks."""
    figures = OverviewFigures(
        weekly=overview.referrals_per_week(queues, starts),
        medians=overview.cached_median_hours_to_contact(queues, starts[0]),
        urgent=overview.open_urgent(queues),
    )
    audit.record("staff.overview_viewed", detail={"queues": list(queues)})
    return figures


def export_count(queue: str, filters: Filters) -> int:
    """How many rows the queue's CSV export holds; the export is recorded before it starts."""
    count = filtered_count(filters)
    audit.record(
        "referral_list.exported",
        target_type="queue",
        target_id=queue,
        detail={
            "rows": count,
            "statuses": list(filters.statuses),
            "priorities": list(filters.priorities),
            "flag": filters.flag,
            "worse_while_waiting": filters.worse,
        },
    )
    return count
