"""The queue dashboard: all my queues, or one; counts by priority, filters, pages, SLA, flags."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, literal, select, union_all
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral, StaffQueue, StaffUser
from clinic.models.columns import UuidText
from clinic.models.referral import OPEN_STATUSES
from clinic.routing.waits import WINDOW, cached_waits
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
from clinic.staff.hooks import clinic_zone
from clinic.staff.query_args import day_start
from clinic.staff.queue_query import (
    ALL_STATUSES,
    ANY_FLAG,
    PRIORITY_ORDER,
    UNASSIGNED,
    Cursor,
    Filters,
    open_statuses,
)
from clinic.staff.rows import cases_of, rows_for
from clinic.staff.sla import parse_targets
from referrals.flags import FLAG_LABELS

WORSE = "worse"
"""`?waiting=worse`: only the referrals a re-screen while waiting showed worse."""
_ANY_ID = uuid.UUID(int=0)


def referral_urls() -> Callable[[str], str]:
    """The link to a referral's page, as `url_for` builds it, built once: a dashboard page
    links a few hundred referrals."""
    before, _, after = url_for("staff.referral", referral_id=_ANY_ID).partition(str(_ANY_ID))
    return lambda referral_id: f"{before}{referral_id}{after}"


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
        worse=args.get("waiting") == WORSE,
    )


_COUNT = "count"
_CLINICIAN = "clinician"
"""The kinds of row `_counts_and_assignees` reads."""


class Assignee(NamedTuple):
    """A clinician the list can be filtered by."""

    id: str
    display_name: str


def _counts_and_assignees(
    queues: tuple[str, ...],
) -> tuple[dict[str, dict[str, int]], list[Assignee]]:
    """Open referrals by queue and priority (every queue and priority present, 0 if none),
    and the enabled clinicians who work any of `queues`, by name: one statement for both."""
    counts = {queue: dict.fromkeys(PRIORITY_ORDER, 0) for queue in queues}
    if not queues:
        return counts, []
    by_priority = (
        select(
            literal(_COUNT).label("kind"),
            Referral.queue.label("a"),
            Referral.priority.label("b"),
            func.count().label("n"),
        )
        .where(Referral.queue.in_(queues), open_statuses())
        .group_by(Referral.queue, Referral.priority)
    )
    clinicians = select(
        literal(_CLINICIAN), UuidText(StaffUser.id), StaffUser.display_name, literal(0)
    ).where(
        StaffUser.role == "clinician",
        StaffUser.is_enabled.is_(True),
        select(StaffQueue.queue)
        .where(StaffQueue.staff_user_id == StaffUser.id, StaffQueue.queue.in_(queues))
        .exists(),
    )
    both = union_all(by_priority, clinicians).subquery()
    assignees = []
    for kind, a, b, n in db.session.execute(select(both).order_by(both.c.kind, both.c.b, both.c.a)):
        if kind == _COUNT:
            counts[a][b] = n
        else:
            assignees.append(Assignee(a, b))
    return counts, assignees


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
    page = viewing.queue_page(queue or "mine", filters, after, visible_queues(me()))
    counts, assignees = _counts_and_assignees(queues)
    figures = cached_waits().by_queue
    waits = {q: {p: figures.get((q, p)) for p in PRIORITY_ORDER} for q in queues}
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
        cases=cases_of(
            rows_for(page.referrals, page.flags), page.intake_referrals, referral_urls()
        ),
        first_url=url_for(str(request.endpoint), **here),
        next_url=next_url,
        counts=counts,
        waits=waits,
        wait_window_days=WINDOW.days,
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


@bp.route("/find")
@require(CLINICAL)
def find_intake() -> Response:
    """Open an intake by its readable id (`INT-2026-0042`): its first referral in my queues."""
    wanted = request.args.get("reference", "").strip().upper()
    found = None
    if wanted:
        found = db.session.scalars(
            select(Referral)
            .join(IntakeSubmission)
            .where(IntakeSubmission.reference == wanted, Referral.queue.in_(visible_queues(me())))
            .order_by(Referral.rank)
            .limit(1)
        ).first()
    if found is None:
        flash(f"No intake {wanted or 'id'} in your queues.", "error")
        return redirect(url_for("staff.dashboard"))
    return redirect(url_for("staff.referral", referral_id=found.id))
