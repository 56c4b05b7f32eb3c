"""Staff console pages of notifications: an alert (and acknowledging it), failed messages.

The staff console's rules apply: alerts are clinical pages (intake coordinators
and clinicians; a clinician sees only alerts about referrals in their queues,
others answer 404 as if absent); the failed-messages page and its retry button
are for admins (403 for anyone else).
"""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from clinic import audit, outbox
from clinic.extensions import db
from clinic.models import OnCallAlert, StaffAlert
from clinic.notifications import bp, staff_alerts, status
from clinic.staff.access import ADMIN, CLINICAL, me, require, visible_queues


def _visible_alert(alert_id: uuid.UUID) -> StaffAlert:
    """The alert, if it is about a referral in one of this staff member's queues; else 404."""
    alert = db.session.get(StaffAlert, alert_id)
    if alert is None or alert.queue not in visible_queues(me()):
        abort(404)
    return alert


@bp.route("/alerts/<uuid:alert_id>")
@require(CLINICAL)
def alert(alert_id: uuid.UUID) -> str:
    staff_alert = _visible_alert(alert_id)
    page = db.session.scalars(
        select(OnCallAlert).where(OnCallAlert.submission_id == staff_alert.submission_id)
    ).one_or_none()
    messages = status.messages_about(staff_alert.referral)
    audit.record("alert.viewed", target_type="referral", target_id=staff_alert.referral_id)
    db.session.commit()
    return render_template(
        "staff/notifications/alert.html",
        alert=staff_alert,
        page=page,
        messages=messages,
        labels=status.TEMPLATE_LABELS,
        recipient_kind=status.recipient_kind,
    )


@bp.route("/alerts/<uuid:alert_id>/acknowledge", methods=["POST"])
@require(CLINICAL)
def acknowledge(alert_id: uuid.UUID) -> Response:
    staff_alert = _visible_alert(alert_id)
    if staff_alerts.acknowledge(staff_alert, me()):
        flash("Acknowledged: the on-call pages have stopped.", "success")
    else:
        flash("This alert was already acknowledged.", "info")
    db.session.commit()
    return redirect(url_for("staff.notifications.alert", alert_id=alert_id))


@bp.route("/messages/failed")
@require(ADMIN)
def failed() -> str:
    messages = status.failed_messages()
    alerts = {
        a.referral_id: a.id
        for a in db.session.scalars(
            select(StaffAlert).where(
                StaffAlert.referral_id.in_([m.referral_id for m in messages if m.referral_id])
            )
        )
    }
    audit.record("messages.failed_viewed", detail={"count": len(messages)})
    db.session.commit()
    return render_template(
        "staff/notifications/failed.html",
        messages=messages,
        alerts=alerts,
        labels=status.TEMPLATE_LABELS,
        recipient_kind=status.recipient_kind,
    )


@bp.route("/messages/<uuid:message_id>/retry", methods=["POST"])
@require(ADMIN)
def retry(message_id: uuid.UUID) -> Response:
    outcome = status.retry(message_id)
    if outcome is status.Retry.QUEUED:
        audit.record("message.retried", target_type="notification_message", target_id=message_id)
        outbox.commit()
        flash("The message will be sent again.", "success")
    elif outcome is status.Retry.DETAILS_REMOVED:
        db.session.commit()
        days = current_app.config["FAILED_MESSAGE_RETENTION_DAYS"]
        flash(
            f"That message cannot be sent again: its details were removed after {days} days. "
            "Contact the person another way.",
            "error",
        )
    else:
        db.session.commit()
        flash("That message is not failed (any more).", "info")
    return redirect(url_for("staff.notifications.failed"))
