"""Admin pages: staff accounts (roles, queues, enabled, MFA reset, temporary password) and
the audit log."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from clinic import audit
from clinic.extensions import db
from clinic.models import AuditEvent, StaffUser
from clinic.models.columns import utcnow
from clinic.staff import bp, mfa
from clinic.staff.access import ADMIN, me, require
from clinic.staff.forms import AccessForm, NewStaffForm
from clinic.staff.hooks import clinic_zone
from clinic.staff.services import (
    TEMPORARY_PASSWORD_LIFETIME,
    create_staff_user,
    new_temporary_password,
    set_enabled,
    set_temporary_password,
    update_access,
)

AUDIT_PAGE = 100


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
            user = create_staff_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=password,
                role=form.role.data,
                queues=form.queues.data or (),
                is_admin=form.is_admin.data,
                temporary=True,
            )
        except ValueError as exc:  # refused before anything was added
            form.email.errors.append(str(exc))
        else:
            db.session.flush()
            audit.record(
                "staff.created",
                target_type="staff_user",
                target_id=user.id,
                detail={"role": user.role, "is_admin": user.is_admin, "queues": user.queues},
            )
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
        update_access(
            user,
            role=form.role.data,
            is_admin=form.is_admin.data,
            queues=form.queues.data or (),
            actor=me(),
        )
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
    if user.id == me().id and not enable:
        flash("You cannot disable your own account.", "error")
    else:
        set_enabled(user, enable, actor=me())
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


def _day(raw: str | None, days_after: int = 0) -> datetime | None:
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=days_after), time(), tzinfo=clinic_zone())


@bp.route("/admin/audit")
@require(ADMIN)
def admin_audit() -> str:
    """The audit log, newest first, filtered; pages by event id (keyset)."""
    args = request.args
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE + 1)
    if args.get("action"):
        query = query.where(AuditEvent.action.startswith(args["action"], autoescape=True))
    if args.get("actor"):
        with contextlib.suppress(ValueError):
            query = query.where(AuditEvent.actor_id == uuid.UUID(args["actor"]))
    if args.get("target"):
        query = query.where(AuditEvent.target_id == args["target"].strip())
    if (start := _day(args.get("from"))) is not None:
        query = query.where(AuditEvent.at >= start)
    if (end := _day(args.get("to"), days_after=1)) is not None:
        query = query.where(AuditEvent.at < end)
    if args.get("before", "").isdigit():
        query = query.where(AuditEvent.id < int(args["before"]))
    events = db.session.scalars(query).all()
    more = len(events) > AUDIT_PAGE
    events = events[:AUDIT_PAGE]
    staff = {u.id: u for u in db.session.scalars(select(StaffUser))}
    audit.record("audit_log.viewed", detail={"filters": sorted(k for k in args if args[k])})
    return render_template(
        "staff/admin_audit.html",
        events=events,
        staff=staff,
        args={k: v for k, v in args.items() if k != "before"},
        next_before=events[-1].id if more and events else None,
    )
