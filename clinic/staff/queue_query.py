"""The queue dashboard's query: urgent first, then longest waiting, a page at a time.

Keyset pagination over (priority rank, created_at, id). Priorities do not
sort alphabetically in the wanted order, so the page is the union of one small
query per (queue, priority) for the open referrals, read in order from the partial
index `ix_referral_open_queue_priority`, or per (queue, status, priority) for one
status (`ix_referral_queue_status_priority`): each is an equality prefix followed
by a range on created_at, read in index order and cut at the page size. The union
of those few short lists is sorted, so a page costs the same with a thousand
referrals or a million.
A flag filter keeps the referrals whose intake has a `submission_flag` row
with that flag, or any flag (a primary-key lookup per candidate row); the "worse while
waiting" filter keeps those with `worse_since` set.

Building that union costs more than running it, so each shape of it (queues,
statuses, priorities, which filters are set, the cursor's rank, the page size)
is built once and kept; the filter values and the cursor are bound parameters.
The queues, statuses, priorities, ranks and page size are written into the SQL
as constants: PostgreSQL then proves the partial index's condition, and a first
page without filters has no parameters at all, so the plan it prepares once per
connection serves every later request (with the constants as parameters it
planned the union afresh each time).
The page's referrals, their assignees and intakes come in the same statement, and on
the dashboard each intake's referrals in the person's queues too (its other referrals'
links): one round trip for the whole list.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    String,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload

from clinic.models import IntakeSubmission, Referral, StaffUser, SubmissionFlag
from clinic.models.columns import UuidText
from clinic.models.reads import reads
from clinic.models.referral import OPEN_STATUSES
from clinic.staff.query_args import FIRST_YEAR, LAST_YEAR
from referrals.flags import FlagLabel, labels_of

PRIORITY_ORDER = ("urgent", "priority", "routine")
ALL_STATUSES = (*OPEN_STATUSES, "closed", "declined", "rerouted")
PAGE_SIZE = 50
UNASSIGNED = "none"
ANY_FLAG = "any"


@dataclass(frozen=True)
class Filters:
    queues: tuple[str, ...]
    statuses: tuple[str, ...] = OPEN_STATUSES
    priorities: tuple[str, ...] = PRIORITY_ORDER
    assignee: uuid.UUID | str | None = None
    """A staff id, UNASSIGNED, or None for anyone."""
    received_from: datetime | None = None
    received_before: datetime | None = None
    flag: str | None = None
    """A flag id, ANY_FLAG, or None: only referrals of intakes whose decision raised it."""
    worse: bool = False
    """Only referrals a re-screen while waiting showed worse (`Referral.worse_since` set)."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts (after this row)."""

    rank: int
    created_at: datetime
    id: uuid.UUID

    def token(self) -> str:
        raw = f"{self.rank}|{self.created_at.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor `token()` wrote; None for no token; ValueError for any other text
        (a rank or time the query could not compare, a time without its zone)."""
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            rank, created, ident = raw.split("|")
            cursor = cls(int(rank), datetime.fromisoformat(created), uuid.UUID(ident))
        except (ValueError, binascii.Error):
            raise ValueError("not a cursor of this list") from None
        if (
            cursor.rank not in range(len(PRIORITY_ORDER))
            or cursor.created_at.utcoffset() is None
            or not FIRST_YEAR <= cursor.created_at.year <= LAST_YEAR
        ):
            raise ValueError("not a cursor of this list")
        return cursor


class IntakeReferral(NamedTuple):
    """A referral of one of the page's intakes, as plain text (a page names a few hundred)."""

    id: str
    queue: str
    status: str


@dataclass(frozen=True)
class Page:
    referrals: list[Referral]
    next_cursor: Cursor | None
    flags: dict[uuid.UUID, tuple[FlagLabel, ...]] = field(default_factory=dict)
    """The flags of the page's intakes (from the same statement); an intake without
    flags is left out."""
    intake_referrals: dict[uuid.UUID, list[IntakeReferral]] = field(default_factory=dict)
    """When asked for: each of the page's intakes' referrals in the queues named, by rank
    (those on the page too; from the same statement)."""


@dataclass(frozen=True)
class _Shape:
    """What makes two page queries the same SQL: everything but the values bound into it."""

    queues: tuple[str, ...]
    statuses: tuple[str, ...]
    priorities: tuple[str, ...]
    assignee: str
    """"", UNASSIGNED or "one"."""
    received_from: bool
    received_before: bool
    flag: str
    """"", ANY_FLAG or "one"."""
    worse: bool
    after_rank: int | None
    size: int

    @classmethod
    def of(cls, filters: Filters, after: Cursor | None, size: int) -> _Shape:
        assignee = filters.assignee
        return cls(
            queues=filters.queues,
            statuses=filters.statuses,
            priorities=filters.priorities,
            assignee="" if assignee is None else UNASSIGNED if assignee == UNASSIGNED else "one",
            received_from=filters.received_from is not None,
            received_before=filters.received_before is not None,
            flag="" if filters.flag is None else ANY_FLAG if filters.flag == ANY_FLAG else "one",
            worse=filters.worse,
            after_rank=None if after is None else after.rank,
            size=size,
        )


def _values(filters: Filters, after: Cursor | None) -> dict[str, object]:
    """The values bound into a shape's SQL."""
    values: dict[str, object] = {}
    if filters.assignee is not None and filters.assignee != UNASSIGNED:
        values["assignee"] = filters.assignee
    if filters.received_from is not None:
        values["received_from"] = filters.received_from
    if filters.received_before is not None:
        values["received_before"] = filters.received_before
    if filters.flag is not None and filters.flag != ANY_FLAG:
        values["flag"] = filters.flag
    if after is not None:
        values["after_created"] = after.created_at
        values["after_id"] = after.id
    return values


def _const(value: object, type_: Any = String) -> BindParameter[Any]:
    """A value written into the SQL as a constant (from our own fixed lists, never the
    request's text), not a parameter."""
    return literal(value, type_, literal_execute=True)


def open_statuses() -> ColumnElement[bool]:
    """`status IN (the open statuses)`, as constants: the condition of the partial index
    `ix_referral_open_queue_priority`, which PostgreSQL proves only against constants."""
    return Referral.status.in_([_const(status) for status in OPEN_STATUSES])


def _branch(
    shape: _Shape, queue: str, status: str | None, priority: str
) -> Select[uuid.UUID, int, datetime] | None:
    """One (queue, status, priority) list, or (queue, priority) of the open referrals when
    `status` is None."""
    rank = PRIORITY_ORDER.index(priority)
    if shape.after_rank is not None and rank < shape.after_rank:
        return None
    query = select(Referral.id, _const(rank, Integer).label("rank"), Referral.created_at).where(
        Referral.queue == _const(queue),
        open_statuses() if status is None else Referral.status == _const(status),
        Referral.priority == _const(priority),
    )
    query = query.where(*_narrowing(shape))
    if shape.after_rank is not None and rank == shape.after_rank:
        after_created = bindparam("after_created", type_=Referral.created_at.type)
        query = query.where(
            Referral.created_at >= after_created,
            or_(
                Referral.created_at > after_created,
                Referral.id > bindparam("after_id", type_=Referral.id.type),
            ),
        )
    return query.order_by(Referral.created_at, Referral.id).limit(_const(shape.size + 1, Integer))


@lru_cache(maxsize=512)
def _page_shape(shape: _Shape) -> Select[uuid.UUID, int, datetime] | None:
    """The SQL of one page shape, built once: the union of one short index-ordered list per
    (queue, priority) of the open referrals, or per (queue, status, priority). Built per
    request it cost more than running it."""
    statuses: tuple[str | None, ...] = (
        (None,) if shape.statuses == OPEN_STATUSES else shape.statuses
    )
    branches = [
        branch
        for queue in shape.queues
        for status in statuses
        for priority in PRIORITY_ORDER
        if priority in shape.priorities
        and (branch := _branch(shape, queue, status, priority)) is not None
    ]
    if not branches:
        return None
    parts = [
        select(sub.c.id, sub.c.rank, sub.c.created_at) for sub in (b.subquery() for b in branches)
    ]
    union = union_all(*parts).subquery("page")
    return (
        select(union.c.id, union.c.rank, union.c.created_at)
        .order_by(union.c.rank, union.c.created_at, union.c.id)
        .limit(_const(shape.size + 1, Integer))
    )


@lru_cache(maxsize=512)
def _loading_shape(
    shape: _Shape, intake_queues: tuple[str, ...]
) -> Select[Referral, str | None, str | None] | None:
    """The page's referrals themselves, with assignee, intake, the intake's flags and its
    referrals in `intake_queues` (none when empty), in page order: one query."""
    ids = _page_shape(shape)
    if ids is None:
        return None
    page = ids.subquery("page_ids")
    return (
        select(
            Referral, _intake_flags().label("flags"), _intake_referrals(intake_queues).label("also")
        )
        .join(page, page.c.id == Referral.id)
        .options(joinedload(Referral.assignee), joinedload(Referral.submission))
        .order_by(page.c.rank, page.c.created_at, page.c.id)
    )


def page_query(
    filters: Filters, after: Cursor | None, size: int
) -> Select[uuid.UUID, int, datetime] | None:
    """The SQL of one page (id, rank, created_at) with its values, or None when no branch
    can match."""
    query = _page_shape(_Shape.of(filters, after, size))
    return None if query is None else query.params(_values(filters, after))


def fetch_page(
    filters: Filters,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
    intake_queues: tuple[str, ...] = (),
) -> Page:
    """A page of referrals; `intake_queues`: also each intake's referrals in these queues."""
    query = _loading_shape(_Shape.of(filters, after, size), intake_queues)
    if query is None:
        return Page([], None)
    rows = reads().execute(query, _values(filters, after)).all()
    referrals = [row[0] for row in rows]
    next_cursor = None
    if len(referrals) > size:
        last = referrals[size - 1]
        next_cursor = Cursor(PRIORITY_ORDER.index(last.priority), last.created_at, last.id)
    flags = {r.submission_id: labels_of(text.split()) for r, text, _ in rows[:size] if text}
    also = {r.submission_id: _intake_referrals_of(text) for r, _, text in rows[:size] if text}
    return Page(referrals[:size], next_cursor, flags, also)


def _intake_flags() -> ScalarSelect[Any]:
    """The flag ids of the referral's intake as one space-separated text (None if none)."""
    return (
        select(func.aggregate_strings(SubmissionFlag.flag, " "))
        .where(SubmissionFlag.submission_id == Referral.submission_id)
        .scalar_subquery()
    )


def _intake_referrals(queues: tuple[str, ...]) -> ScalarSelect[Any]:
    """The referrals of the referral's intake in `queues`, as one text: "rank id queue
    status", comma-separated (None if none, or if no queues are named)."""
    other = aliased(Referral)
    item = (
        cast(other.rank, String) + " " + UuidText(other.id) + " " + other.queue + " " + other.status
    )
    return (
        select(func.aggregate_strings(item, ","))
        .where(
            other.submission_id == Referral.submission_id,
            other.queue.in_([_const(queue) for queue in queues]) if queues else false(),
        )
        .scalar_subquery()
    )


def _intake_referrals_of(text: str) -> list[IntakeReferral]:
    """The `_intake_referrals` text read back, by rank."""
    items = sorted((item.split(" ") for item in text.split(",")), key=lambda item: int(item[0]))
    return [IntakeReferral(ident, queue, status) for _, ident, queue, status in items]


def filtered_count(filters: Filters) -> int:
    """How many referrals the filters match (for the export's audit record)."""
    query = (
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.queue.in_(filters.queues),
            Referral.status.in_(filters.statuses),
            Referral.priority.in_(filters.priorities),
            *_narrowing(_Shape.of(filters, None, 0)),
        )
    )
    return int(reads().scalar(query, _values(filters, None)) or 0)


def export_query(filters: Filters) -> tuple[Select[Any], dict[str, object]]:
    """Every referral the filters match in the dashboard's order, one flat row each (no ORM
    objects): what the CSV export writes, read in one query on a server-side cursor. The
    ids come as text and the intake's flags as one space-separated text."""
    rank = case(
        *((Referral.priority == p, n) for n, p in enumerate(PRIORITY_ORDER)),
        else_=len(PRIORITY_ORDER),
    )
    # The flags of every flagged intake in one grouped pass, joined: a subquery per row
    # (as on the dashboard's page of 50) took longer than the rest of the query.
    flags = (
        select(
            SubmissionFlag.submission_id,
            func.aggregate_strings(SubmissionFlag.flag, " ").label("flags"),
        )
        .group_by(SubmissionFlag.submission_id)
        .subquery("intake_flags")
    )
    query = (
        select(
            UuidText(Referral.id),
            Referral.queue,
            Referral.priority,
            Referral.status,
            Referral.created_at,
            StaffUser.display_name.label("assignee"),
            flags.c.flags,
            UuidText(IntakeSubmission.id).label("submission_id"),
            IntakeSubmission.reference,
            IntakeSubmission.submitted_partial,
            IntakeSubmission.submitted_via,
        )
        .join(IntakeSubmission, IntakeSubmission.id == Referral.submission_id)
        .outerjoin(StaffUser, StaffUser.id == Referral.assignee_id)
        .outerjoin(flags, flags.c.submission_id == Referral.submission_id)
        .where(
            Referral.queue.in_(filters.queues),
            Referral.status.in_(filters.statuses),
            Referral.priority.in_(filters.priorities),
            *_narrowing(_Shape.of(filters, None, 0)),
        )
        .order_by(rank, Referral.created_at, Referral.id)
    )
    return query, _values(filters, None)


def _narrowing(shape: _Shape) -> list[ColumnElement[bool]]:
    """The assignee, date, flag and worse-while-waiting filters (queue, status and
    priority pick the branches), their values bound by name (`_values`)."""
    conditions: list[ColumnElement[bool]] = []
    if shape.assignee == UNASSIGNED:
        conditions.append(Referral.assignee_id.is_(None))
    elif shape.assignee:
        conditions.append(Referral.assignee_id == bindparam("assignee", type_=Referral.id.type))
    if shape.received_from:
        conditions.append(
            Referral.created_at >= bindparam("received_from", type_=Referral.created_at.type)
        )
    if shape.received_before:
        conditions.append(
            Referral.created_at < bindparam("received_before", type_=Referral.created_at.type)
        )
    if shape.flag:
        flagged = exists().where(SubmissionFlag.submission_id == Referral.submission_id)
        if shape.flag != ANY_FLAG:
            flagged = flagged.where(SubmissionFlag.flag == bindparam("flag"))
        conditions.append(flagged)
    if shape.worse:
        conditions.append(Referral.worse_since.is_not(None))
    return conditions


def next_in_queue(referral: Referral) -> Referral | None:
    """The open referral after this one in its queue's dashboard order (urgent first, then
    longest waiting); from the end, the first one again; None when it is the only one."""
    filters = Filters(queues=(referral.queue,))
    here = Cursor(PRIORITY_ORDER.index(referral.priority), referral.created_at, referral.id)
    after = fetch_page(filters, here, size=1).referrals
    if after:
        return after[0]
    first = [r for r in fetch_page(filters, None, size=2).referrals if r.id != referral.id]
    return first[0] if first else None
