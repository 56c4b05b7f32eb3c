"""Inviting waiting clients to a re-screen, once per cadence, by a safe channel only.

Run by beat (`rescreen.invite`, leader-locked). A client is due when a referral of
theirs is still waiting (`new`, `in_review`, `accepted`, `contacted`), its queue sends
re-screens (`rescreen` in the clinic settings), and `every_days` have passed since
their intake was sent or since their last invitation. Each due client is one unit of
work of its own, under a lock on their record: the invitation row (with the SHA-256 of a
fresh 256-bit token) and its message row are written together, and the message is
published through the outbox after commit. A client with no safe channel (or who asked
for no contact) is never invited: nothing is written, no token exists.

Time is an argument (`now`), so tests move it instead of waiting.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import Client, IntakeSubmission, Referral, Rescreen, RescreenInvitation
from clinic.models.columns import utcnow
from clinic.models.documents import contact_of
from clinic.models.unit_of_work import unit_of_work
from clinic.notifications import queue_rescreen_invitation
from clinic.notifications.client import safe_recipient
from clinic.notifications.links import rescreen_link
from clinic.rescreen import answers
from clinic.rescreen.tokens import new_token, token_hash
from clinic.security import audit
from clinic.settings.clinic_settings import clinic_settings

log = logging.getLogger(__name__)

WAITING = ("new", "in_review", "accepted", "contacted")


@dataclass(frozen=True)
class Due:
    client_id: uuid.UUID
    submission: IntakeSubmission
    since: datetime
    cadence: timedelta


def _cadence(referrals: Sequence[Referral]) -> timedelta | None:
    settings = clinic_settings().rescreen
    days = [settings.cadence_days(r.queue) for r in referrals if r.status in WAITING]
    chosen = [d for d in days if d is not None]
    return timedelta(days=min(chosen)) if chosen else None


def _due(client: Client, now: datetime) -> Due | None:
    """Whether (and about which intake) `client` is due an invitation at `now`."""
    submissions = db.session.scalars(
        select(IntakeSubmission)
        .where(
            IntakeSubmission.client_id == client.id,
            IntakeSubmission.status.in_(("routed", "needs_review")),
        )
        .order_by(IntakeSubmission.submitted_at.desc())
    ).all()
    if not submissions:
        return None
    referrals = [r for s in submissions for r in s.referrals]
    cadence = _cadence(referrals)
    if cadence is None:
        return None
    latest = submissions[0]
    last_invited = db.session.scalar(
        select(func.max(RescreenInvitation.created_at)).where(
            RescreenInvitation.client_id == client.id
        )
    )
    since = last_invited or latest.submitted_at or latest.created_at
    if since + cadence > now:
        return None
    return Due(client.id, latest, since, cadence)


def _candidates() -> Sequence[uuid.UUID]:
    """Clients in use with a referral still waiting (the cadence is checked per client)."""
    return db.session.scalars(
        select(Client.id)
        .join(IntakeSubmission, IntakeSubmission.client_id == Client.id)
        .join(Referral, Referral.submission_id == IntakeSubmission.id)
        .where(Client.merged_into_id.is_(None), Referral.status.in_(WAITING))
        .distinct()
    ).all()


LEFT_AFTER = timedelta(hours=1)
"""An opened re-screen not sent this long after it was opened was left: it is sent as it
stands (its answers may say risk), as a draft left at the safety page is."""


def send_left_rescreens(now: datetime) -> int:
    """Send every re-screen opened over LEFT_AFTER ago and never sent, if it has answers;
    one left without an answer is closed (nothing to assess). Returns how many sent."""
    left = db.session.scalars(
        select(Rescreen)
        .where(Rescreen.status == "open", Rescreen.created_at <= now - LEFT_AFTER)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for rescreen in left:
        if answers.document(rescreen).answers:
            answers.submit(rescreen, None, via="left")
            sent += 1
        else:
            rescreen.browser_key_hash = None
    return sent


def invite_due_clients(now: datetime | None = None) -> int:
    """Beat: send the re-screens clients left unsent, then invite every client due at
    `now`; returns how many were invited."""
    now = now or utcnow()
    with unit_of_work():
        send_left_rescreens(now)
    if not clinic_settings().rescreen.enabled:
        return 0
    invited = 0
    for client_id in _candidates():
        with unit_of_work():
            invited += invite_if_due(client_id, now) is not None
    return invited


def invite_if_due(client_id: uuid.UUID, now: datetime) -> str | None:
    """Invite one client if due (under a lock on their record); the link's token if
    invited (kept nowhere else but the message row), else None."""
    client = db.session.scalars(
        select(Client).where(Client.id == client_id).with_for_update(skip_locked=True)
    ).one_or_none()
    if client is None or client.merged_into_id is not None:
        return None  # another sweep holds it, or it was merged meanwhile
    due = _due(client, now)
    if due is None:
        return None
    return _invite(due, now)


def _invite(due: Due, now: datetime) -> str | None:
    """The invitation and its message; None (nothing written) with no safe channel."""
    if safe_recipient(contact_of(due.submission)) is None:
        return None
    settings = clinic_settings().rescreen
    token = new_token()
    rounds = db.session.scalar(
        select(func.count()).where(RescreenInvitation.client_id == due.client_id)
    )
    invitation = RescreenInvitation(
        id=uuid.uuid4(),
        client_id=due.client_id,
        submission_id=due.submission.id,
        round=(rounds or 0) + 1,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=settings.link_expiry_days),
    )
    db.session.add(invitation)
    queue_rescreen_invitation(
        due.submission, invitation.id, rescreen_link(token), settings.link_expiry_days
    )
    audit.record(
        "rescreen.invited",
        target_type="client",
        target_id=due.client_id,
        actor_kind="system",
        detail={"invitation": str(invitation.id), "round": invitation.round},
    )
    return token
