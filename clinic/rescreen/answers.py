"""A client answering a re-screen: open the one-time link, save each screen, send it.

Opening the link uses it up: in one transaction the invitation is marked used (only if
it was not, and has not expired) and a `Rescreen` is started, remembered by the browser
session as `<re-screen id>:<browser key>` (the re-screen keeps the key's hash, as a
draft does). Nothing of the first intake is shown or opened to the browser: the
re-screen copies only the subject's age (and the sex AUDIT-C would need) server-side,
to ask the right questions. Sending writes the outbox row that has the routing worker
assess it (`rescreen.assess`). The views commit at the request boundary.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime

from flask import session
from sqlalchemy import select, update

import forms
import referrals
from clinic.broker import outbox
from clinic.broker.names import TaskNames
from clinic.extensions import db, rows_matched
from clinic.models import IntakeSubmission, Rescreen, RescreenInvitation
from clinic.models.client import STILL_WAITING_ANSWERS
from clinic.models.columns import utcnow
from clinic.models.documents import (
    AnswersDocument,
    UnreadableDocument,
    answers_of,
    contact_of,
    parse,
)
from clinic.rescreen.tokens import token_hash
from clinic.security import audit
from clinic.settings.clinic_settings import clinic_settings

SESSION_RESCREEN = "rescreen"
SESSION_CRISIS_SHOWN = "rescreen_crisis_shown"
SESSION_SENT = "rescreen_sent"


def open_link(token: str, now: datetime | None = None) -> Rescreen | None:
    """Use the link up and start the re-screen; None if the link is unknown, used or
    expired (the caller says the same for each, so a guess learns nothing)."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalars(
        select(RescreenInvitation).where(RescreenInvitation.token_hash == token_hash(token))
    ).one_or_none()
    if invitation is None or invitation.expires_at <= now:
        return None
    used = db.session.execute(
        update(RescreenInvitation)
        .where(RescreenInvitation.id == invitation.id, RescreenInvitation.used_at.is_(None))
        .values(used_at=now)
    )
    if not rows_matched(used):
        return None
    submission = db.session.get(IntakeSubmission, invitation.submission_id)
    assert submission is not None  # a foreign key
    try:
        first = answers_of(submission)
    except UnreadableDocument:
        return None
    rescreen = Rescreen(
        invitation_id=invitation.id,
        client_id=invitation.client_id,
        submission_id=submission.id,
        status="open",
        answers=AnswersDocument(subject_age=first.subject_age, sex=first.sex).stored(),
    )
    db.session.add(rescreen)
    audit.record(
        "rescreen.opened",
        target_type="client",
        target_id=invitation.client_id,
        actor_kind="client",
        detail={"invitation": str(invitation.id), "rescreen": str(rescreen.id)},
    )
    _remember(rescreen)
    return rescreen


def language_of(rescreen: Rescreen) -> str | None:
    """The language the client chose on their intake (for the pages), if known."""
    submission = db.session.get(IntakeSubmission, rescreen.submission_id)
    contact = contact_of(submission) if submission is not None else None
    return contact.language if contact is not None else None


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def _remember(rescreen: Rescreen) -> None:
    key = secrets.token_urlsafe(32)
    rescreen.browser_key_hash = _key_hash(key)
    session.pop(SESSION_CRISIS_SHOWN, None)
    session.pop(SESSION_SENT, None)
    session[SESSION_RESCREEN] = f"{rescreen.id}:{key}"


def current() -> Rescreen | None:
    """The open re-screen this browser session started, if any."""
    value = session.get(SESSION_RESCREEN)
    if not isinstance(value, str) or ":" not in value:
        return None
    rescreen_id, _, key = value.partition(":")
    try:
        found = db.session.get(Rescreen, uuid.UUID(rescreen_id))
    except ValueError:
        return None
    if found is None or found.status != "open" or found.browser_key_hash is None:
        return None
    if not hmac.compare_digest(found.browser_key_hash, _key_hash(key)):
        return None
    return found


def forget() -> None:
    session.pop(SESSION_RESCREEN, None)


def document(rescreen: Rescreen) -> AnswersDocument:
    return parse(AnswersDocument, rescreen.answers, what="re-screen answers")


def path_of(rescreen: Rescreen) -> str:
    submission = db.session.get(IntakeSubmission, rescreen.submission_id)
    assert submission is not None
    return submission.path


def walk(rescreen: Rescreen, language: str) -> forms.FlowState:
    """The re-screen's screens (the path's configured instruments) and what remains."""
    path = path_of(rescreen)
    doc = document(rescreen)
    sections = clinic_settings().rescreen.instruments.get(path, ())
    return forms.sections_walk(path, doc.subject_age, sections, doc.answers, language=language)


def save_answers(rescreen: Rescreen, answers: Mapping[str, int | None]) -> str | None:
    """Merge one screen's answers; what they call for: `acute` or `suicide_risk` (the
    crisis page, shown again when acute risk follows a page for suicide risk), else None."""
    doc = document(rescreen)
    merged = {**doc.answers, **answers}
    rescreen.answers = doc.with_answers(merged).stored()
    check = referrals.safety_check(merged, doc.subject_age)
    if check.acute.value:
        return "acute"
    return "suicide_risk" if check.suicide_risk.value else None


def submit(rescreen: Rescreen, still_waiting: str | None, *, via: str = "client") -> None:
    """Sent: its assessment is published to the routing worker after commit."""
    if rescreen.status != "open":
        return
    if still_waiting is not None and still_waiting not in STILL_WAITING_ANSWERS:
        still_waiting = None
    doc = document(rescreen)
    relevant = walk(rescreen, "en")
    kept = {k: v for k, v in doc.answers.items() if k not in relevant.irrelevant}
    rescreen.answers = doc.with_answers(kept).stored()
    rescreen.still_waiting = still_waiting
    rescreen.status = "submitted"
    rescreen.submitted_at = utcnow()
    rescreen.browser_key_hash = None
    outbox.enqueue(TaskNames.ASSESS_RESCREEN, rescreen.id)
    audit.record(
        "rescreen.submitted",
        target_type="client",
        target_id=rescreen.client_id,
        actor_kind="client" if via == "client" else "system",
        detail={"rescreen": str(rescreen.id), "via": via},
    )
