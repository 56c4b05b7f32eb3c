"""The audit log as admins read it: filtered, newest first, a page at a time (keyset on
the event id). Each read is itself recorded; the request commits it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from clinic.extensions import db
from clinic.models import AuditEvent, StaffUser
from clinic.security import audit
from clinic.staff.query_args import day_start, event_id_before

AUDIT_PAGE = 100


@dataclass(frozen=True)
class AuditLogPage:
    events: Sequence[AuditEvent]
    staff: Mapping[uuid.UUID, StaffUser]
    next_before: int | None
    """The `before` of the next page; None on the last one."""


def _filtered(args: Mapping[str, str], zone: ZoneInfo) -> Select[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE + 1)
    if args.get("action"):
        query = query.where(AuditEvent.action.startswith(args["action"], autoescape=True))
    if args.get("actor"):
        with contextlib.suppress(ValueError):
            query = query.where(AuditEvent.actor_id == uuid.UUID(args["actor"]))
    if args.get("target"):
        query = query.where(AuditEvent.target_id == args["target"].strip())
    if (start := day_start(args.get("from"), zone)) is not None:
        query = query.where(AuditEvent.at >= start)
    if (end := day_start(args.get("to"), zone, days_after=1)) is not None:
        query = query.where(AuditEvent.at < end)
    if (before := event_id_before(args.get("before"))) is not None:
        query = query.where(AuditEvent.id < before)
    return query


def read_page(args: Mapping[str, str], zone: ZoneInfo) -> AuditLogPage:
    """One page of the log as `args` filter it (dates are days in `zone`); audited."""
    events = db.session.scalars(_filtered(args, zone)).all()
    more = len(events) > AUDIT_PAGE
    events = events[:AUDIT_PAGE]
    staff = {u.id: u for u in db.session.scalars(select(StaffUser))}
    audit.record("audit_log.viewed", detail={"filters": sorted(k for k in args if args[k])})
    return AuditLogPage(
        events=events, staff=staff, next_before=events[-1].id if more and events else None
    )
