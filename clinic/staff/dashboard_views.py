"""The queue dashboard: all my queues, or one; counts by priority, filters, pages, SLA, flags."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from clinic.models import Referral, StaffUser
from clinic.models.columns import utcnow
from clinic.staff import bp, viewing
from clinic.staff.access import (
    CLINICAL,
    home_url,
    login_required,
    me,
    queue_or_abort,
    require,
    visible_queues,
)
from clinic.staff.flags import FLAG_LABELS, FlagLabel, flags_of
from clinic.staff.hooks import clinic_zone
from clinic.staff.query_args import day_start
from clinic.staff.queue_query import (
    ALL_STATUSES,
    ANY_FLAG,
    OPEN_STATUSES,
    PRIORITY_ORDER,
    UNASSIGNED,
    Cursor,
    Filters,
    open_counts,
)
from clinic.staff.referral_actions import eligible_assignees
from clinic.staff.sla import SlaState, parse_targets, sla_state


@dataclass(frozen=True)
class Row:
    referral: Referral
    waited_seconds: float
    sla: SlaState
    flags: tuple[FlagLabel, ...]
    """The intake's decision flags, in reading order."""


def parse_filters(args: MultiDict[str, str], queues: tuple[str, ...]) -> Filters:
    """Filters from the query string; anything unknown is ignored, never trusted."""
    status = args.get("status", "open")
    statuses = OPEN_STATUSES if status == "open" else (status,) if status in ALL_STATUSES else ()
    priority = args.get("priority", "")
    assignee: uuid.UUID | str | None = None
    raw_assignee = args.get("assignee", "")
    if raw_assignee == UNASSIGNED:
        assignee = UNASSIGNED
    elif raw_assignee:
        try:
            assignee = uuid.UUID(raw_assignee)
        except ValueError:
            assignee = None
    flag = args.get("flag", "")
    return Filters(
        queues=queues,
        statuses=statuses or OPEN_STATUSES,
        priorities=(priority,) if priority in PRIORITY_ORDER else PRIORITY_ORDER,
        assignee=assignee,
        received_from=day_start(args.get("from"), clinic_zone()),
        received_before=day_start(args.get("to"), clinic_zone(), days_after=1),
        flag=flag if flag in FLAG_LABELS or flag == ANY_FLAG else None,
    )


def rows_for(referrals: list[Referral]) -> list[Row]:
    now = utcnow()
    targets = parse_targets(current_app.config["STAFF_SLA_TARGETS"])
    zone = clinic_zone()
    flags = flags_of({r.submission_id for r in referrals})
    return [
        Row(
            r,
            (now - r.created_at).total_seconds(),
            sla_state(
                priority=r.priority,
                status=r.status,
                created_at=r.created_at,
                now=now,
                targets=targets,
                zone=zone,
            ),
            flags.get(r.submission_id, ()),
        )
        for r in referrals
    ]


def _render(queue: str | None) -> str:
    queues = (queue,) if queue else visible_queues(me())
    chosen = request.args.get("queue", "")
    if not queue and chosen in queues:
        queues = (chosen,)
    filters = parse_filters(request.args, queues)
    try:
        after = Cursor.parse(request.args.get("after"))
    except ValueError:
        raise BadRequest("That page of the list does not exist: start from the first.") from None
    page = viewing.queue_page(queue or "mine", filters, after)
    counts = open_counts(queues)
    assignees: list[StaffUser] = []
    for q in queues:
        assignees += [a for a in eligible_assignees(q) if a not in assignees]
    view_args = request.view_args or {}
    args: dict[str, Any] = {
        k: v for k, v in request.args.items() if k != "after" and k not in view_args
    }
    here = {**view_args, **args}
    next_url = None
    if page.next_cursor is not None:
        next_url = url_for(str(request.endpoint), **here, after=page.next_cursor.token())
    return render_template(
        "staff/dashboard.html",
        queue=queue,
        queues=queues,
        filters=filters,
        args=args,
        rows=rows_for(page.referrals),
        first_url=url_for(str(request.endpoint), **here),
        next_url=next_url,
        counts=counts,
        assignees=assignees,
        statuses=ALL_STATUSES,
        priorities=PRIORITY_ORDER,
        flag_labels=FLAG_LABELS,
        targets=parse_targets(current_app.config["STAFF_SLA_TARGETS"]),
    )


@bp.route("")
@login_required
def dashboard() -> str | Response:
    """All my queues; the console's front door, so anyone else goes to their own home."""
    if not current_user.roles & CLINICAL:
        return redirect(home_url(current_user))
    return _render(None)


@bp.route("/queues/<queue>")
@require(CLINICAL)
def queue_view(queue: str) -> str:
    return _render(queue_or_abort(queue))
