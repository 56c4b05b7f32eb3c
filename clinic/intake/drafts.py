"""Drafts: an intake in progress, saved encrypted after every screen.

The browser's session holds only `<draft id>:<browser key>` (never an answer); the
draft keeps the key's hash, so one browser session at a time may open it, and ending
that session server-side (quick exit, closing the form) makes every copy of the
cookie useless. A draft can also be reopened with its resume code, which is stored
only as a hash; it expires `draft_expiry_days` after it was last saved and is then
purged by the drafts sweep. The views commit at the request boundary.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache

from flask import session
from sqlalchemy import select, update

import forms
import referrals
from clinic.extensions import db
from clinic.intake import codes, draft_safety, support_pages
from clinic.intake.screens import can_skip_section
from clinic.models import IntakeSubmission
from clinic.models.columns import utcnow
from clinic.models.documents import AnswersDocument, ContactDocument, answers_of, contact_of
from clinic.security import audit
from clinic.settings.clinic_settings import clinic_settings
from forms.flows import FLOWS

SESSION_DRAFT = "intake_draft"
SESSION_RETURN_TO_REVIEW = "intake_return_to_review"
SESSION_SENT = "intake_sent"


@cache
def definitions_version() -> str:
    """Which questions were asked: a digest of every section's version and the flows'
    (loaded once, at import: the digest is worked out once per process)."""
    versions = ";".join(f"{s}={forms.get_definition(s).version}" for s in sorted(forms.SECTION_IDS))
    versions += f";flows={FLOWS.version}"
    return "forms-" + hashlib.sha256(versions.encode()).hexdigest()[:16]


def _expiry(now: datetime) -> datetime:
    return now + timedelta(days=clinic_settings().draft_expiry_days)


def start_draft(*, path: str, subject_age: int, language: str) -> IntakeSubmission:
    """A new draft with the client's consent recorded; remembered in the session."""
    now = utcnow()
    draft = IntakeSubmission(
        path=path,
        status="draft",
        definitions_version=definitions_version(),
        answers=AnswersDocument(subject_age=subject_age, sex=None, answers={}).stored(),
        contact=ContactDocument.empty(language).stored(),
        consent_version=clinic_settings().privacy_notice_version,
        consented_at=now,
        draft_expires_at=_expiry(now),
        progress={"done": [], "notes_read": []},
    )
    db.session.add(draft)
    audit.record(
        "draft.started",
        target_type="submission",
        target_id=draft.id,
        actor_kind="client",
        detail={"path": path, "consent_version": draft.consent_version},
    )
    remember(draft)
    return draft


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def remember(draft: IntakeSubmission) -> None:
    """This browser session now holds the draft; any other session that did stops."""
    key = secrets.token_urlsafe(32)
    draft.browser_key_hash = _key_hash(key)
    session[SESSION_DRAFT] = f"{draft.id}:{key}"
    session.pop(SESSION_RETURN_TO_REVIEW, None)


def forget() -> None:
    for key in (SESSION_DRAFT, SESSION_RETURN_TO_REVIEW):
        session.pop(key, None)


def end_browser_session() -> None:
    """No browser session may open the session's draft any more (only its resume code
    does), and this session forgets it."""
    draft = session_submission()
    if draft is not None:  # leaving is not activity: updated_at (the sweep's clock) stays
        db.session.execute(
            update(IntakeSubmission)
            .where(IntakeSubmission.id == draft.id)
            .values(browser_key_hash=None, updated_at=IntakeSubmission.updated_at)
        )
    forget()


def is_open(draft: IntakeSubmission | None) -> bool:
    return (
        draft is not None
        and draft.status == "draft"
        and draft.draft_expires_at is not None
        and draft.draft_expires_at > utcnow()
    )


def session_submission() -> IntakeSubmission | None:
    """The intake this browser session is working on, whatever its status."""
    raw = str(session.get(SESSION_DRAFT) or "")
    draft_id, _, key = raw.partition(":")
    if not key:
        return None
    try:
        draft = db.session.get(IntakeSubmission, uuid.UUID(draft_id))
    except ValueError:
        return None
    if draft is None or draft.browser_key_hash is None:
        return None
    return draft if hmac.compare_digest(draft.browser_key_hash, _key_hash(key)) else None


def current_draft() -> IntakeSubmission | None:
    """The open draft of this browser session, or None."""
    draft = session_submission()
    return draft if is_open(draft) else None


def progress(draft: IntakeSubmission) -> dict[str, list[str]]:
    raw = draft.progress or {}
    return {"done": list(raw.get("done", [])), "notes_read": list(raw.get("notes_read", []))}


def _update_progress(draft: IntakeSubmission, key: str, value: str) -> None:
    current = progress(draft)
    if value not in current[key]:
        current[key].append(value)
    draft.progress = current  # a new value, so the JSON column is written


def _touch(draft: IntakeSubmission) -> None:
    draft.draft_expires_at = _expiry(utcnow())


def mark_done(draft: IntakeSubmission, screen_id: str) -> None:
    _update_progress(draft, "done", screen_id)
    _touch(draft)


def mark_note_read(draft: IntakeSubmission, section: str) -> None:
    _update_progress(draft, "notes_read", section)


def _relevant(draft: IntakeSubmission, answers: Mapping[str, int | None]) -> dict[str, int | None]:
    return forms.relevant_answers(draft.path, answers_of(draft).subject_age, answers)


def needs_crisis_page(before: Mapping[str, int | None], after: Mapping[str, int | None]) -> bool:
    """Safety pathway: an answer just made `suicide_risk` or `acute` true (clinical policy)."""
    now = referrals.safety_check(after)
    if not now.show_crisis_page:
        return False
    earlier = referrals.safety_check(before)
    return not earlier.show_crisis_page or (now.acute.value and not earlier.acute.value)


def save_answers(draft: IntakeSubmission, new: Mapping[str, int | None]) -> bool:
    """Merge a screen's answers into the draft; True when the safety page must come next."""
    document = answers_of(draft)
    before = _relevant(draft, document.answers)
    merged = {**document.answers, **new}
    draft.answers = document.with_answers(merged).stored()
    _touch(draft)
    draft_safety.page_on_call_if_acute(draft)
    after = _relevant(draft, merged)
    crisis = needs_crisis_page(before, after)
    if crisis:
        draft.crisis_shown_at = utcnow()
    support_pages.note_answers(draft, after)
    return crisis


def skip_section(draft: IntakeSubmission, section: str) -> bool:
    """Prefer not to answer every question of a section (as the flow asks them)."""
    subject_age = answers_of(draft).subject_age
    if not can_skip_section(section, draft.path, subject_age):
        raise ValueError(f"section {section} has questions that cannot be skipped")
    crisis = False
    while True:  # a refusal can open a follow-up question of the same section (ASQ 5)
        answers = answers_of(draft).answers
        state = forms.next_steps(draft.path, subject_age, answers)
        open_ids = {
            q.id: None
            for step in state.remaining
            if step.section == section
            for q in step.questions
            if q.id not in answers
        }
        if not open_ids:
            break
        crisis = save_answers(draft, open_ids) or crisis
    mark_note_read(draft, section)
    return crisis


def save_sex(draft: IntakeSubmission, sex: str | None) -> None:
    draft.answers = answers_of(draft).with_sex(sex).stored()
    mark_done(draft, "about")


def save_contact(draft: IntakeSubmission, contact: ContactDocument, screen_id: str) -> None:
    """Keep the contact document as one contact screen updated it; that screen is done."""
    current = contact_of(draft) or ContactDocument()
    draft.contact = current.merged(contact).stored()
    mark_done(draft, screen_id)


def issue_resume_code(draft: IntakeSubmission) -> str:
    """A new resume code for the draft; the previous one stops working."""
    code = codes.new_code()
    draft.resume_code_hash = codes.code_hash(code)
    _touch(draft)
    audit.record(
        "draft.resume_code_issued",
        target_type="submission",
        target_id=draft.id,
        actor_kind="client",
    )
    return code


def draft_for_code(typed: str) -> IntakeSubmission | None:
    """The open draft a resume code belongs to, or None (wrong, expired or sent)."""
    code = codes.normalise(typed)
    if code is None:
        return None
    draft = db.session.scalars(
        select(IntakeSubmission).where(IntakeSubmission.resume_code_hash == codes.code_hash(code))
    ).one_or_none()
    return draft if is_open(draft) else None


def code_matches(draft: IntakeSubmission, typed: str) -> bool:
    code = codes.normalise(typed)
    return code is not None and draft.resume_code_hash == codes.code_hash(code)


def resume(draft: IntakeSubmission, *, via: str) -> None:
    remember(draft)
    audit.record(
        "draft.resumed",
        target_type="submission",
        target_id=draft.id,
        actor_kind="client",
        detail={"via": via},
    )
