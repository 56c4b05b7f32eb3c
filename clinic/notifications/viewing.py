"""What staff open about notifications, recorded: each read loads what a page shows
and adds the audit event of that viewing (the request commits it with the rest).

Who may open what (404 as if absent) is the views' rule; these take the row they allow.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission, NotificationMessage, OnCallAlert, StaffAlert
from clinic.notifications import on_call, status
from clinic.security import audit


@dataclass(frozen=True)
class AlertView:
    page: OnCallAlert | None
    """The intake's on-call alert, if it was paged."""
    messages: Sequence[NotificationMessage]


def alert(staff_alert: StaffAlert) -> AlertView:
    """A staff alert: the intake's latest on-call alert (a re-screen's after the intake's)
    and the messages about its referral."""
    page = db.session.scalars(
        select(OnCallAlert)
        .where(OnCallAlert.submission_id == staff_alert.submission_id)
        .order_by(OnCallAlert.created_at.desc())
        .limit(1)
    ).first()
    messages = status.messages_about(staff_alert.referral)
    audit.record("alert.viewed", target_type="referral", target_id=staff_alert.referral_id)
    return AlertView(page=page, messages=messages)


@dataclass(frozen=True)
class OnCallView:
    submission: IntakeSubmission
    messages: Sequence[NotificationMessage]
    """Every page of the alert, oldest first."""


def on_call_alert(page: OnCallAlert) -> OnCallView:
    """An on-call alert: its intake (for its stage, never its answers) and its pages."""
    submission = db.session.get(IntakeSubmission, page.submission_id)
    assert submission is not None  # the alert's foreign key
    messages = on_call.page_messages(page)
    audit.record(
        "on_call_alert.viewed",
        target_type="submission",
        target_id=page.submission_id,
        detail={"on_call_alert": str(page.id)},
    )
    return OnCallView(submission=submission, messages=messages)


@dataclass(frozen=True)
class FailedView:
    messages: Sequence[NotificationMessage]
    alerts: Mapping[uuid.UUID, uuid.UUID]
    """Referral id to the id of its staff alert."""
    draft_pages: Mapping[uuid.UUID, uuid.UUID]
    """Message id to the on-call alert of a page sent from a draft."""


def failed_messages() -> FailedView:
    """The messages that failed for good, with where staff can follow each up."""
    messages = status.failed_messages()
    alerts = {
        a.referral_id: a.id
        for a in db.session.scalars(
            select(StaffAlert).where(
                StaffAlert.referral_id.in_([m.referral_id for m in messages if m.referral_id])
            )
        )
    }
    draft_pages = {
        m.id: on_call.page_id_of(m) for m in messages if m.template == on_call.DRAFT_PAGE_TEMPLATE
    }
    audit.record("messages.failed_viewed", detail={"count": len(messages)})
    return FailedView(messages=messages, alerts=alerts, draft_pages=draft_pages)
