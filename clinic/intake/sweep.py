"""The drafts sweep (beat, every few minutes).

1. A draft at risk that went quiet is submitted as it stands, for routing with
   its priority (docs/clinical-policy.md, safety pathway: leaving, by any means,
   still submits): an acute one (on-call was paged from it) after
   `acute_autosubmit_minutes` without activity, one whose client was shown the
   safety page after `suicide_risk_autosubmit_minutes` (clinic.intake.draft_safety).
2. A draft past its expiry is deleted for good, with any rows that point at it
   (e.g. a resume-link email not yet sent); an audit event keeps its id only.

The sweep task commits each of the two as a unit of work of its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from clinic.extensions import db
from clinic.intake.screens import position
from clinic.intake.services import submit_draft
from clinic.models import IntakeSubmission, OnCallAlert
from clinic.models.columns import utcnow
from clinic.models.documents import answers_of
from clinic.security import audit
from clinic.settings.clinic_settings import clinic_settings

BATCH = 200


def submit_quiet_drafts_after_safety_page(now: datetime | None = None) -> int:
    """Submit drafts left after the safety page; returns how many."""
    now = now or utcnow()
    settings = clinic_settings()
    acute_quiet_since = now - timedelta(minutes=settings.acute_autosubmit_minutes)
    risk_quiet_since = now - timedelta(minutes=settings.suicide_risk_autosubmit_minutes)
    paged = select(OnCallAlert.submission_id)
    drafts = db.session.scalars(
        select(IntakeSubmission)
        .where(
            IntakeSubmission.status == "draft",
            or_(
                IntakeSubmission.id.in_(paged) & (IntakeSubmission.updated_at <= acute_quiet_since),
                IntakeSubmission.crisis_shown_at.is_not(None)
                & (IntakeSubmission.updated_at <= risk_quiet_since),
            ),
        )
        .order_by(IntakeSubmission.updated_at)
        .limit(BATCH)
    ).all()
    for draft in drafts:
        done = (draft.progress or {}).get("done", [])
        complete = position(draft.path, answers_of(draft), done).complete
        submit_draft(draft, partial=not complete, via="safety_autosubmit")
    return len(drafts)


def _dependent_tables() -> list[tuple[object, object]]:
    """(table, column) pairs whose rows point at an intake submission, children first."""
    pairs = []
    for table in reversed(db.metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column.table.name == IntakeSubmission.__tablename__:
                pairs.append((table, fk.parent))
    return pairs


def purge_expired_drafts(now: datetime | None = None) -> int:
    """Delete drafts past their expiry; returns how many."""
    now = now or utcnow()
    ids: list[uuid.UUID] = list(
        db.session.scalars(
            select(IntakeSubmission.id)
            .where(
                IntakeSubmission.status == "draft",
                IntakeSubmission.draft_expires_at <= now,
            )
            .limit(BATCH)
        )
    )
    if not ids:
        return 0
    for table, column in _dependent_tables():
        db.session.execute(delete(table).where(column.in_(ids)))  # type: ignore[arg-type,attr-defined]
    db.session.execute(
        delete(IntakeSubmission).where(
            IntakeSubmission.id.in_(ids),
            IntakeSubmission.status == "draft",
            IntakeSubmission.draft_expires_at <= now,
        )
    )
    for draft_id in ids:
        audit.record(
            "draft.purged", target_type="submission", target_id=draft_id, actor_kind="system"
        )
    return len(ids)
