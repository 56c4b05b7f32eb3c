"""The queue dashboard's query: urgent first, then longest waiting, a page at a time.

Keyset pagination over (priority rank, created_at, id). Priorities do not
sort alphabetically in the wanted order, so the page is the union of one small
query per (queue, status, priority): each is an equality prefix of the index
`ix_referral_queue_status_priority` followed by a range on created_at, read in
index order and cut at the page size. The union of those few short lists is
sorted, so a page costs the same with a thousand referrals or a million.
A flag filter keeps the referrals whose intake has a `submission_flag` row
with that flag, or any flag (a primary-key lookup per candidate row); the "worse while
waiting" filter keeps those with `worse_since` set.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload

from clinic.extensions import db
from clinic.models import Referral, SubmissionFlag
from clinic.models.reads import reads
from clinic.staff.query_args import FIRST_YEAR, LAST_YEAR

PRIORITY_ORDER = ("urgent", "priority", "routine")
OPEN_STATUSES = ("new", "in_review", "accepted", "contacted", "scheduled")
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


@dataclass(frozen=True)
class Page:
    referrals: list[Referral]
    next_cursor: Cursor | None


def _branch(
    filters: Filters, queue: str, status: str, priority: str, after: Cursor | None, limit: int
) -> Select[uuid.UUID, int, datetime] | None:
    rank = PRIORITY_ORDER.index(priority)
    if after is not None and rank < after.rank:
        return None
    query = select(Referral.id, literal(rank, Integer).label("rank"), Referral.created_at).where(
        Referral.queue == queue, Referral.status == status, Referral.priority == priority
    )
    query = query.where(*_narrowing(filters))
    if after is not None and rank == after.rank:
        query = query.where(
            Referral.created_at >= after.created_at,
            or_(Referral.created_at > after.created_at, Referral.id > after.id),
        )
    return query.order_by(Referral.created_at, Referral.id).limit(limit)


def page_query(
    filters: Filters, after: Cursor | None, size: int
) -> Select[uuid.UUID, int, datetime] | None:
    """The SQL of one page (rank, created_at, id), or None when no branch can match."""
    branches = [
        branch
        for queue in filters.queues
        for status in filters.statuses
        for priority in PRIORITY_ORDER
        if priority in filters.priorities
        and (branch := _branch(filters, queue, status, priority, after, size + 1)) is not None
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
        .limit(size + 1)
    )


def fetch_page(filters: Filters, after: Cursor | None = None, size: int = PAGE_SIZE) -> Page:
    query = page_query(filters, after, size)
    if query is None:
        return Page([], None)
    rows = reads().execute(query).all()
    ids = [row.id for row in rows[:size]]
    loaded = {
        r.id: r
        for r in reads().scalars(
            select(Referral)
            .where(Referral.id.in_(ids))
            .options(joinedload(Referral.assignee), joinedload(Referral.submission))
        )
    }
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = Cursor(last.rank, last.created_at, last.id)
    return Page([loaded[i] for i in ids], next_cursor)


def open_counts(queues: Sequence[str]) -> dict[str, dict[str, int]]:
    """Open referrals by queue and priority (every queue and priority present, 0 if none)."""
    counts = {queue: dict.fromkeys(PRIORITY_ORDER, 0) for queue in queues}
    if not queues:
        return counts
    rows = db.session.execute(
        select(Referral.queue, Referral.priority, func.count())
        .where(Referral.queue.in_(queues), Referral.status.in_(OPEN_STATUSES))
        .group_by(Referral.queue, Referral.priority)
    )
    for queue, priority, count in rows:
        counts[queue][priority] = count
    return counts


def filtered_count(filters: Filters) -> int:
    """How many referrals the filters match (for the export's audit record)."""
    query = (
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.queue.in_(filters.queues),
            Referral.status.in_(filters.statuses),
            Referral.priority.in_(filters.priorities),
            *_narrowing(filters),
        )
    )
    return int(reads().scalar(query) or 0)


def _narrowing(filters: Filters) -> list[ColumnElement[bool]]:
    """The assignee, date, flag and worse-while-waiting filters (queue, status and priority
    pick the branches)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.assignee == UNASSIGNED:
        conditions.append(Referral.assignee_id.is_(None))
    elif filters.assignee is not None:
        conditions.append(Referral.assignee_id == filters.assignee)
    if filters.received_from is not None:
        conditions.append(Referral.created_at >= filters.received_from)
    if filters.received_before is not None:
        conditions.append(Referral.created_at < filters.received_before)
    if filters.flag is not None:
        flagged = exists().where(SubmissionFlag.submission_id == Referral.submission_id)
        if filters.flag != ANY_FLAG:
            flagged = flagged.where(SubmissionFlag.flag == filters.flag)
        conditions.append(flagged)
    if filters.worse:
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
