"""Merging two client records from a referral's page: check, confirm, merge.

The first step only shows what would be joined (both records' intakes); nothing
changes until the coordinator confirms on that page. Both steps are audited.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from clinic.security import audit
from clinic.staff import bp, client_operations
from clinic.staff.access import me, referral_or_404, require
from clinic.staff.labels import PATH_LABELS

COORDINATORS = frozenset({client_operations.MERGE_ROLE})


@bp.route("/referrals/<uuid:referral_id>/merge", methods=["GET", "POST"])
@require(COORDINATORS)
def merge_client(referral_id: uuid.UUID) -> str | Response:
    ref = referral_or_404(referral_id)
    back = url_for("staff.referral", referral_id=ref.id) + "#client"
    reference = (request.values.get("reference") or "").strip()[:24]
    if not reference:
        flash("Enter the reference of the other intake (for example INT-2026-0042).", "error")
        return redirect(back)
    try:
        plan = client_operations.plan(ref.submission, reference)
    except client_operations.MergeRefused as exc:
        flash(str(exc), "error")
        return redirect(back)
    if request.method == "POST" and request.form.get("confirm") == "yes":
        try:
            client_operations.merge(plan, actor=me())
        except client_operations.MergeRefused as exc:
            flash(str(exc), "error")
            return redirect(back)
        flash("The two client records are now one.", "info")
        return redirect(back)
    audit.record(
        "client.merge_checked",
        target_type="client",
        target_id=plan.keep.id,
        detail={"other": str(plan.other.id)},
    )
    return render_template(
        "staff/merge_client.html",
        referral=ref,
        plan=plan,
        reference=reference,
        PATH_LABELS=PATH_LABELS,
    )
