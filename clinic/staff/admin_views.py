"""Admin pages: staff accounts (roles, queues, enabled, MFA reset, temporary password) and
the audit log."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from clinic.extensions import db
from clinic.models import StaffUser
from clinic.models.columns import utcnow
from clinic.staff import audit_log, bp, mfa
from clinic.staff.access import ADMIN, me, require
from clinic.staff.forms import AccessForm, NewStaffForm
from clinic.staff.hooks import clinic_zone
from clinic.staff.services import (
    TEMPORARY_PASSWORD_LIFETIME,
    RefusedChange,
    add_staff_user,
    new_temporary_password,
    set_enabled,
    set_temporary_password,
    update_access,
)


def _user_or_404(user_id: uuid.UUID) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users")
@require(ADMIN)
def admin_users() -> str:
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.display_name)).all()
    return render_template("staff/admin_users.html", users=users)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require(ADMIN)
def admin_new_user() -> str | Response:
    form = NewStaffForm()
    if form.validate_on_submit():
        password = new_temporary_password(form.email.data, form.display_name.data)
        try:
            user = add_staff_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=password,
                role=form.role.data,
                queues=form.queues.data or (),
                is_admin=form.is_admin.data,
                temporary=True,
                actor=me(),
            )
        except ValueError as exc:  # refused before anything was added
            form.email.errors.append(str(exc))
        else:
            return render_template(
                "staff/admin_temporary_password.html",
                user=user,
                password=password,
                expires_at=user.temporary_password_expires_at,
                new_account=True,
            )
    return render_template("staff/admin_new_user.html", form=form)


@bp.route("/admin/users/<uuid:user_id>", methods=["GET", "POST"])
@require(ADMIN)
def admin_user(user_id: uuid.UUID) -> str | Response:
    user = _user_or_404(user_id)
    form = AccessForm(
        data=None
        if request.method == "POST"
        else {
            "role": user.role,
            "is_admin": user.is_admin,
            "queues": user.queues,
        }
    )
    if form.validate_on_submit():
        try:
            update_access(
                user,
                role=form.role.data,
                is_admin=form.is_admin.data,
                queues=form.queues.data or (),
                actor=me(),
            )
        except RefusedChange as exc:
            flash(str(exc), "error")
        else:
            flash("Access changed; their sessions have ended so it applies at once.", "info")
        return redirect(url_for("staff.admin_user", user_id=user.id))
    temporary_until = user.temporary_password_expires_at
    return render_template(
        "staff/admin_user.html",
        user=user,
        form=form,
        codes_left=mfa.unused_recovery_codes(user),
        temporary_until=temporary_until,
        temporary_expired=temporary_until is not None and temporary_until <= utcnow(),
        temporary_hours=TEMPORARY_PASSWORD_LIFETIME // timedelta(hours=1),
        is_me=user.id == me().id,
    )


@bp.route("/admin/users/<uuid:user_id>/enabled", methods=["POST"])
@require(ADMIN)
def admin_set_enabled(user_id: uuid.UUID) -> Response:
    user = _user_or_404(user_id)
    enable = request.form.get("enabled") == "1"
    try:
        set_enabled(user, enable, actor=me())
    except RefusedChange as exc:
        flash(str(exc), "error")
    else:
        flash(
            "Account enabled." if enable else "Account disabled; its sessions have ended.", "info"
        )
    return redirect(url_for("staff.admin_user", user_id=user.id))


@bp.route("/admin/users/<uuid:user_id>/reset-mfa", methods=["POST"])
@require(ADMIN)
def admin_reset_mfa(user_id: uuid.UUID) -> Response:
    user = _user_or_404(user_id)
    mfa.reset(user, actor=me())
    flash("Authenticator reset: they set it up again at their next sign-in.", "info")
    return redirect(url_for("staff.admin_user", user_id=user.id))


@bp.route("/admin/users/<uuid:user_id>/temporary-password", methods=["POST"])
@require(ADMIN)
def admin_temporary_password(user_id: uuid.UUID) -> str | Response:
    """A generated password for someone who forgot theirs, shown to the admin only now."""
    user = _user_or_404(user_id)
    try:
        password = set_temporary_password(user, actor=me())
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.admin_user", user_id=user.id))
    return render_template(
        "staff/admin_temporary_password.html",
        user=user,
        password=password,
        expires_at=user.temporary_password_expires_at,
    )


@bp.route("/admin/audit")
@require(ADMIN)
def admin_audit() -> str:
    """The audit log, newest first, filtered; pages by event id (keyset)."""
    page = audit_log.read_page(request.args, clinic_zone())
    return render_template(
        "staff/admin_audit.html",
        events=page.events,
        staff=page.staff,
        args={k: v for k, v in request.args.items() if k != "before"},
        next_before=page.next_before,
    )
