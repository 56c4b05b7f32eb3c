"""Working a referral: one lifecycle step (or a note) as a ReferralEvent plus an
audit event, in the caller's transaction, guarded by optimistic locking.

`referrals.lifecycle` decides whether a step is allowed; this module checks
who may be assigned, writes the step, and turns a lost race into a plain
"changed by X, reload" message. A step that is refused (`ActionRefused`,
`Conflict`) is refused before anything is written, so the request that asked
for it still ends in one commit with nothing of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update

from clinic import notifications
from clinic.extensions import db, rows_matched
from clinic.models import Referral, ReferralEvent, ReferralNote, StaffQueue, StaffUser
from clinic.models.documents import Explanation, ReferralEventDetail
from clinic.security import audit
from clinic.staff import safe_contact
from clinic.staff.reasons import REASONS_BY_ACTION, reason_label
from referrals import QUEUES, Action, InvalidTransition, transition


class ActionRefused(Exception):
    """The step is not allowed; the message says why in plain words."""


class Conflict(Exception):
    """Someone else changed the referral first; the message names them."""


@dataclass(frozen=True)
class Step:
    """What staff asked for, from the action form (empty fields as None)."""

    action: str
    assignee_id: uuid.UUID | None = None
    reason: str | None = None
    target_queue: str | None = None
    channel: str | None = None
    outcome: str | None = None
    note: str | None = None


def eligible_assignees(queue: str) -> list[StaffUser]:
    """Enabled clinicians who work `queue`."""
    return list(
        db.session.scalars(
            select(StaffUser)
            .join(StaffQueue)
            .where(
                StaffQueue.queue == queue,
                StaffUser.role == "clinician",
                StaffUser.is_enabled.is_(True),
            )
            .order_by(StaffUser.display_name)
        )
    )


def no_clinician_message(queue: str) -> str:
    """Why a referral of `queue` cannot be accepted yet, and what to do instead."""
    return (
        f"No clinician works the {QUEUES[queue].name} queue yet, so this referral cannot be "
        "accepted: ask an administrator to assign a clinician to the queue, or reroute it."
    )


def apply(referral: Referral, step: Step, *, actor: StaffUser, expected_version: int) -> Referral:
    """Take one step; return the referral to show next (the new one after a reroute)."""
    if referral.version != expected_version:
        raise Conflict(changed_message(referral))
    source = referral.status
    details = _details(referral, step)
    try:
        target = transition(source, step.action, **details)
    except InvalidTransition as exc:
        raise ActionRefused(str(exc)) from None
    if step.action == Action.REROUTE:
        _refuse_a_queue_it_is_in(referral, step)
    accepted = step.action == Action.ACCEPT
    values: dict[str, object] = {"status": str(target)}
    if accepted:
        values["assignee_id"] = step.assignee_id
    detail = ReferralEventDetail(
        action=step.action,
        assignee_id=str(step.assignee_id) if accepted else None,
        reason=details.get("reason") or None,
        channel=details.get("channel") or None,
        outcome=details.get("outcome") or None,
        target_queue=details.get("target_queue") or None,
    )
    _write_or_conflict(referral, values, expected_version)
    shown = referral
    if step.action == Action.REROUTE:
        shown = _reroute(referral, step, actor)
        detail = detail.merged(ReferralEventDetail(new_referral_id=str(shown.id)))
    if step.note:
        note_id = str(_note(referral, step.note, actor).id)
        detail = detail.merged(ReferralEventDetail(note_id=note_id))
    kind = "contact_attempt" if step.action == Action.LOG_CONTACT_ATTEMPT else "transition"
    event = ReferralEvent(
        referral_id=referral.id,
        kind=kind,
        from_status=source,
        to_status=str(target),
        actor_id=actor.id,
        detail=detail.stored(),
    )
    db.session.add(event)
    if kind == "contact_attempt" and details.get("outcome") != "reached":
        db.session.flush()
        notifications.queue_contact_attempt(referral.submission, event.id)
    audit.record(
        f"referral.{step.action}",
        target_type="referral",
        target_id=referral.id,
        actor=actor,
        detail={"from": source, "to": str(target), "queue": referral.queue, **detail.stored()},
    )
    return shown


def add_note(referral: Referral, text: str, *, actor: StaffUser) -> None:
    """A note on the referral: the text encrypted, an event and an audit entry naming it."""
    text = text.strip()
    if not text:
        raise ActionRefused("Write the note first.")
    note = _note(referral, text, actor)
    db.session.add(
        ReferralEvent(
            referral_id=referral.id,
            kind="note",
            from_status=referral.status,
            to_status=referral.status,
            actor_id=actor.id,
            detail=ReferralEventDetail(note_id=str(note.id)).stored(),
        )
    )
    audit.record(
        "referral.note_added",
        target_type="referral",
        target_id=referral.id,
        actor=actor,
        detail={"note_id": str(note.id)},
    )


def changed_message(referral: Referral) -> str:
    last = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id.desc())
        .limit(1)
    ).first()
    who = "someone else"
    if last is not None and last.actor_id is not None:
        actor = db.session.get(StaffUser, last.actor_id)
        who = actor.display_name if actor else who
    status = referral.status.replace("_", " ")
    return (
        f"This referral was changed by {who} while you had it open (it is now {status}). "
        "Nothing you entered was saved: reload the page to see the change, then try again."
    )


def _details(referral: Referral, step: Step) -> dict[str, str | None]:
    """The step's details in the lifecycle's terms, each checked against what is allowed."""
    details: dict[str, str | None] = {}
    if step.action == Action.ACCEPT:
        eligible = {u.id for u in eligible_assignees(referral.queue)}
        if not eligible:
            raise ActionRefused(no_clinician_message(referral.queue))
        if step.assignee_id is None:
            raise ActionRefused("To accept a referral, choose the clinician it is assigned to.")
        if step.assignee_id not in eligible:
            raise ActionRefused(
                f"Choose a clinician who works the {QUEUES[referral.queue].name} queue."
            )
        details["assignee"] = str(step.assignee_id)
    reasons = REASONS_BY_ACTION.get(step.action)
    if reasons is not None and step.reason is not None and step.reason not in reasons:
        raise ActionRefused(f"Choose one of the reasons listed ({', '.join(reasons.values())}).")
    if step.reason is not None:
        details["reason"] = step.reason
    if step.action == Action.REROUTE:
        details["current_queue"] = referral.queue
        details["target_queue"] = step.target_queue
    if step.action == Action.LOG_CONTACT_ATTEMPT:
        why = safe_contact.refusal(referral, step.channel, step.outcome)
        if why is not None:
            raise ActionRefused(why)
    if step.channel is not None or step.outcome is not None:
        details["channel"] = step.channel
        details["outcome"] = step.outcome
    return details


def _refuse_a_queue_it_is_in(referral: Referral, step: Step) -> None:
    assert step.target_queue is not None  # checked by the lifecycle
    exists = db.session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.submission_id == referral.submission_id, Referral.queue == step.target_queue
        )
    )
    if exists:
        raise ActionRefused(
            f"This intake already has a referral in the {QUEUES[step.target_queue].name} queue."
        )


def _reroute(referral: Referral, step: Step, actor: StaffUser) -> Referral:
    assert step.target_queue is not None  # checked by the lifecycle
    rank = db.session.scalar(
        select(func.max(Referral.rank)).where(Referral.submission_id == referral.submission_id)
    )
    sentence = (
        f"{QUEUES[step.target_queue].name}: rerouted by staff from "
        f"{QUEUES[referral.queue].name} ({reason_label(step.reason)})"
    )
    new = Referral(
        id=uuid.uuid4(),
        submission_id=referral.submission_id,
        queue=step.target_queue,
        rank=(rank or 0) + 1,
        priority=referral.priority,
        status="new",
        rerouted_from_id=referral.id,
        explanation=Explanation(rule_ids=["staff.reroute"], facts={}, sentence=sentence).stored(),
    )
    db.session.add(new)
    db.session.flush()
    db.session.add(
        ReferralEvent(
            referral_id=new.id,
            kind="created",
            to_status="new",
            actor_id=actor.id,
            detail=ReferralEventDetail(rerouted_from=str(referral.id), reason=step.reason).stored(),
        )
    )
    return new


def _note(referral: Referral, text: str, actor: StaffUser) -> ReferralNote:
    note = ReferralNote(referral_id=referral.id, author_id=actor.id, text=text)
    db.session.add(note)
    return note


def _write_or_conflict(
    referral: Referral, values: dict[str, object], expected_version: int
) -> None:
    """Write the step now, guarded by the version the form showed: if someone else
    committed a change since, the UPDATE matches no row and nothing is written."""
    written = db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.version == expected_version)
        .values(**values, version=Referral.version + 1)
    )
    if rows_matched(written):
        return
    current = db.session.get(Referral, referral.id, populate_existing=True)
    message = changed_message(current) if current else "This referral no longer exists."
    raise Conflict(message)
