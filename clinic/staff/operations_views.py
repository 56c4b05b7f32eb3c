"""The admins' operations page: what is stuck or unknown, the heartbeats, and the
republish and resend actions (clinic.operations.actions). Admins only (403 for
anyone else); every view and action is audited."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from clinic.notifications import status
from clinic.operations import actions
from clinic.staff import bp
from clinic.staff.access import ADMIN, require


@bp.route("/admin/operations")
@require(ADMIN)
def admin_operations() -> str:
    return render_template(
        "staff/admin_operations.html",
        shown=actions.view(),
        labels=status.TEMPLATE_LABELS,
        recipient_kind=status.recipient_kind,
    )


@bp.route("/admin/operations/outbox/<uuid:row_id>/republish", methods=["POST"])
@require(ADMIN)
def admin_republish(row_id: uuid.UUID) -> Response:
    if actions.republish(row_id):
        flash("The task will be published again.", "success")
    else:
        flash("That task is already done.", "info")
    return redirect(url_for("staff.admin_operations"))


@bp.route("/admin/operations/messages/<uuid:message_id>/resend", methods=["POST"])
@require(ADMIN)
def admin_resend(message_id: uuid.UUID) -> Response:
    outcome = actions.resend(message_id)
    if outcome is status.Retry.QUEUED:
        flash("The message will be sent again.", "success")
    elif outcome is status.Retry.DETAILS_REMOVED:
        flash(
            "That message cannot be sent again: its details were removed. "
            "Contact the person another way.",
            "error",
        )
    else:
        flash("That message's delivery is no longer unknown.", "info")
    return redirect(url_for("staff.admin_operations"))
