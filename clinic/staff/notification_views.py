"""Staff console pages of notifications: an alert (and acknowledging it), an on-call
alert paged from a draft, failed messages.

The staff console's rules apply: alerts are clinical pages (intake coordinators
and clinicians; a clinician sees only alerts about referrals in their queues,
others answer 404 as if absent); the failed-messages page and its retry button
are for admins (403 for anyone else). An on-call alert paged from a draft is in
no queue until routing links it to a staff alert, so every clinical role may
open it (it shows nothing of the answers); once linked, its staff alert's rule
applies.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from clinic.extensions import db
from clinic.models import OnCallAlert, StaffAlert
from clinic.notifications import on_call, staff_alerts, status, viewing
from clinic.notifications.retention import SETTING as RETENTION_SETTING
from clinic.settings.clinic_settings import clinic_settings
from clinic.staff.access import ADMIN, CLINICAL, me, require, visible_queues

# Nested in the staff console (clinic.staff): its sign-in, idle timeout, no-store and
# error pages apply here too. Endpoints are `staff.notifications.*`, URLs under /staff.
bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _retention_for_templates() -> dict[str, Any]:
    return {"failed_message_retention_days": current_app.config[RETENTION_SETTING]}


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
    shown = viewing.alert(staff_alert)
    return render_template(
        "staff/notifications/alert.html",
        alert=staff_alert,
        page=shown.page,
        messages=shown.messages,
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
    return redirect(url_for("staff.notifications.alert", alert_id=alert_id))


def _visible_on_call_alert(page_id: uuid.UUID) -> OnCallAlert:
    """The on-call alert; once linked, only if its staff alert is visible (else 404)."""
    page = db.session.get(OnCallAlert, page_id)
    if page is None:
        abort(404)
    linked = on_call.linked_staff_alert(page)
    if linked is not None and linked.queue not in visible_queues(me()):
        abort(404)
    return page


@bp.route("/on-call/<uuid:page_id>")
@require(CLINICAL)
def on_call_alert(page_id: uuid.UUID) -> str:
    page = _visible_on_call_alert(page_id)
    shown = viewing.on_call_alert(page)
    return render_template(
        "staff/notifications/on_call.html",
        page=page,
        stage=shown.submission.status,
        staff_alert=on_call.linked_staff_alert(page),
        quiet_minutes=clinic_settings().acute_autosubmit_minutes,
        messages=shown.messages,
        labels=status.TEMPLATE_LABELS,
        recipient_kind=status.recipient_kind,
    )


@bp.route("/on-call/<uuid:page_id>/acknowledge", methods=["POST"])
@require(CLINICAL)
def acknowledge_on_call(page_id: uuid.UUID) -> Response:
    page = _visible_on_call_alert(page_id)
    if on_call.acknowledge(page, me()):
        flash("Acknowledged: the on-call pages have stopped.", "success")
    else:
        flash("This alert was already acknowledged.", "info")
    return redirect(url_for("staff.notifications.on_call_alert", page_id=page_id))


@bp.route("/messages/failed")
@require(ADMIN)
def failed() -> str:
    shown = viewing.failed_messages()
    return render_template(
        "staff/notifications/failed.html",
        messages=shown.messages,
        alerts=shown.alerts,
        draft_pages=shown.draft_pages,
        labels=status.TEMPLATE_LABELS,
        recipient_kind=status.recipient_kind,
    )


@bp.route("/messages/<uuid:message_id>/retry", methods=["POST"])
@require(ADMIN)
def retry(message_id: uuid.UUID) -> Response:
    outcome = status.retry(message_id)
    if outcome is status.Retry.QUEUED:
        flash("The message will be sent again.", "success")
    elif outcome is status.Retry.DETAILS_REMOVED:
        days = current_app.config["FAILED_MESSAGE_RETENTION_DAYS"]
        flash(
            f"That message cannot be sent again: its details were removed after {days} days. "
            "Contact the person another way.",
            "error",
        )
    else:
        flash("That message is not failed (any more).", "info")
    return redirect(url_for("staff.notifications.failed"))
