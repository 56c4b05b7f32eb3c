"""One referral: the detail page, its answers, lifecycle steps and notes."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from clinic.extensions import db
from clinic.models import Referral, ReferralEvent, ReferralNote, StaffAlert, StaffUser
from clinic.models.documents import (
    contact_reading,
    decision_reading,
    event_detail_of,
    note_text_reading,
    scores_reading,
)
from clinic.notifications import status as notification_status
from clinic.staff import bp, client_operations, detail, rescreen_rows, trends, viewing
from clinic.staff.access import CLINICAL, me, referral_or_404, require, visible_queues
from clinic.staff.forms import ActionForm, NoteForm
from clinic.staff.queue_query import next_in_queue
from clinic.staff.reasons import (
    CHANNEL_LABELS,
    CLOSE_REASONS,
    DECLINE_REASONS,
    OUTCOME_LABELS,
    REROUTE_REASONS,
    reason_label,
)
from clinic.staff.referral_actions import (
    ActionRefused,
    Conflict,
    Step,
    add_note,
    apply,
    eligible_assignees,
    no_clinician_message,
)
from clinic.staff.rows import rows_for
from clinic.staff.safe_contact import allowed_channels
from referrals import QUEUES, allowed_actions
from referrals.flags import labels_of

DONE = {
    "start_review": "Review started.",
    "accept": "Referral accepted and assigned.",
    "mark_contacted": "Marked as contacted.",
    "schedule": "Marked as scheduled.",
    "close": "Referral closed.",
    "decline": "Referral declined.",
    "reroute": "Referral rerouted: a new referral is waiting in the other queue (linked below).",
    "contact_attempt": "Contact attempt logged.",
}


FINDING_LABELS = {
    "acute": "acute risk",
    "suicide_risk": "suicide risk",
    "deteriorated:phq9": "PHQ-9 reliably worse",
    "deteriorated:gad7": "GAD-7 reliably worse",
    "improved:phq9": "PHQ-9 reliably better",
    "improved:gad7": "GAD-7 reliably better",
    "remission:phq9": "PHQ-9 in remission",
}


def _history(referral: Referral) -> list[dict[str, object]]:
    events = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id)
    ).all()
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = {
        u.id: u.display_name
        for u in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(actor_ids)))
    }
    details = {e.id: event_detail_of(e) for e in events}
    note_ids = [uuid.UUID(d.note_id) for d in details.values() if d.note_id]
    notes = {
        n.id: note_text_reading(n)
        for n in db.session.scalars(select(ReferralNote).where(ReferralNote.id.in_(note_ids)))
    }
    assignees = {
        u.id: u.display_name
        for u in db.session.scalars(
            select(StaffUser).where(
                StaffUser.id.in_(
                    [uuid.UUID(d.assignee_id) for d in details.values() if d.assignee_id]
                )
            )
        )
    }
    history = []
    for e in events:
        d = details[e.id]
        history.append(
            {
                "event": e,
                "actor": actors.get(e.actor_id, "System") if e.actor_id else "System",
                "reason": reason_label(d.reason) if d.reason else None,
                "note": notes.get(uuid.UUID(d.note_id)) if d.note_id else None,
                "assignee": assignees.get(uuid.UUID(d.assignee_id)) if d.assignee_id else None,
                "channel": CHANNEL_LABELS.get(d.channel or ""),
                "outcome": OUTCOME_LABELS.get(d.outcome or ""),
                "priority_from": d.priority_from,
                "priority_to": d.priority_to,
                "findings": ", ".join(FINDING_LABELS.get(f, f) for f in d.findings or ()),
                "target_queue": QUEUES[d.target_queue].name
                if d.target_queue is not None and d.target_queue in QUEUES
                else None,
            }
        )
    return history


@bp.route("/referrals/<uuid:referral_id>")
@require(CLINICAL)
def referral(referral_id: uuid.UUID) -> str:
    ref = viewing.referral(referral_id)
    submission = ref.submission
    decision = decision_reading(submission)
    visible = set(visible_queues(me()))
    linked = [r for r in submission.referrals if r.id != ref.id and r.queue in visible]
    rescreens, still_waiting_reason = rescreen_rows.rows(ref)
    return render_template(
        "staff/referral.html",
        referral=ref,
        row=rows_for([ref])[0],
        submission=submission,
        risks=detail.risk_lines(ref, decision.document),
        decision_unreadable=decision.unreadable,
        flags=labels_of(decision.document.flags if decision.document is not None else ()),
        why=detail.explanation(ref, decision),
        scores=detail.score_views(scores_reading(submission)),
        trends=trends.trend_views(ref),
        contact=detail.contact_view(contact_reading(submission), submission.path),
        history=_history(ref),
        linked=linked,
        rerouted_to=[r for r in linked if r.rerouted_from_id == ref.id],
        actions=[str(a) for a in allowed_actions(ref.status)],
        assignees=eligible_assignees(ref.queue),
        no_clinician=no_clinician_message(ref.queue),
        next_referral=next_in_queue(ref),
        decline_reasons=DECLINE_REASONS,
        reroute_reasons=REROUTE_REASONS,
        close_reasons=CLOSE_REASONS,
        channels=allowed_channels(ref),
        outcomes=OUTCOME_LABELS,
        other_queues=[q for q in QUEUES.values() if q.id != ref.queue],
        action_form=ActionForm(),
        note_form=NoteForm(),
        alert=db.session.scalars(
            select(StaffAlert).where(StaffAlert.referral_id == ref.id)
        ).first(),
        messages=notification_status.messages_about(ref),
        labels=notification_status.TEMPLATE_LABELS,
        recipient_kind=notification_status.recipient_kind,
        rescreens=rescreens,
        still_waiting_reason=still_waiting_reason,
        can_merge=client_operations.MERGE_ROLE in me().roles,
    )


@bp.route("/referrals/<uuid:referral_id>/answers")
@require(CLINICAL)
def answers(referral_id: uuid.UUID) -> str:
    ref, view = viewing.answers(referral_id)
    return render_template(
        "staff/answers.html", referral=ref, sections=view.sections, unreadable=view.unreadable
    )


def _none_if_blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


@bp.route("/referrals/<uuid:referral_id>/actions", methods=["POST"])
@require(CLINICAL)
def act(referral_id: uuid.UUID) -> Response:
    ref = referral_or_404(referral_id)
    back = url_for("staff.referral", referral_id=ref.id)
    form = ActionForm()
    if not form.validate_on_submit() or not form.version.data.isdecimal():
        flash("That form was incomplete or expired. Please try again.", "error")
        return redirect(back)
    assignee = _none_if_blank(form.assignee.data)
    try:
        assignee_id = uuid.UUID(assignee) if assignee else None
    except ValueError:
        flash("Choose a clinician from the list.", "error")
        return redirect(back)
    step = Step(
        action=form.action.data,
        assignee_id=assignee_id,
        reason=_none_if_blank(form.reason.data),
        target_queue=_none_if_blank(form.target_queue.data),
        channel=_none_if_blank(form.channel.data),
        outcome=_none_if_blank(form.outcome.data),
        note=_none_if_blank(form.note.data),
    )
    try:
        _take(ref, step, int(form.version.data))
    except (ActionRefused, Conflict) as exc:  # refused before anything was written
        flash(str(exc), "error")
        return redirect(back)
    flash(DONE.get(step.action, "Done."), "info")
    return redirect(back)


def _take(ref: Referral, step: Step, version: int) -> None:
    """The step; accepting a referral nobody has reviewed yet starts its review first
    (two events, one request), so triage is one page: open, read, accept."""
    if step.action != "accept" or ref.status != "new":
        apply(ref, step, actor=me(), expected_version=version)
        return
    with db.session.begin_nested():  # both steps, or neither
        apply(ref, Step(action="start_review"), actor=me(), expected_version=version)
        db.session.refresh(ref)
        apply(ref, step, actor=me(), expected_version=version + 1)


@bp.route("/referrals/<uuid:referral_id>/notes", methods=["POST"])
@require(CLINICAL)
def note(referral_id: uuid.UUID) -> Response:
    ref = referral_or_404(referral_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            add_note(ref, form.text.data, actor=me())
        except ActionRefused as exc:  # refused before anything was written
            flash(str(exc), "error")
        else:
            flash("Note added.", "info")
    else:
        flash("Write the note first.", "error")
    return redirect(url_for("staff.referral", referral_id=ref.id) + "#history")
