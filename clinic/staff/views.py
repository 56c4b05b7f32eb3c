"""Staff console pages."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import case, select
from werkzeug.wrappers import Response

from clinic import audit
from clinic.extensions import db, login_manager
from clinic.models import Referral, StaffUser
from clinic.staff import bp
from clinic.staff.forms import SignInForm
from clinic.staff.services import check_sign_in

PRIORITY_ORDER = case({"urgent": 0, "priority": 1, "routine": 2}, value=Referral.priority)


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, uuid.UUID(user_id))


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything with a scheme or host goes to the queues."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("staff.queues")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("staff.queues")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = SignInForm()
    if form.validate_on_submit():
        user = check_sign_in(form.email.data, form.password.data)
        if user is None:
            audit.record("staff.sign_in_failed", actor_kind="anonymous")
            db.session.commit()
            flash("That email and password do not match an active account.", "error")
        else:
            login_user(user)
            audit.record("staff.sign_in", actor=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("staff/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    audit.record("staff.sign_out")
    db.session.commit()
    logout_user()
    return redirect(url_for("staff.login"))


@bp.route("")
@login_required
def queues() -> str:
    query = select(Referral).order_by(PRIORITY_ORDER, Referral.created_at).limit(100)
    if current_user.role == "clinician":
        query = query.where(Referral.queue.in_(current_user.queues))
    referrals = db.session.scalars(query).all()
    audit.record("staff.queue_list_viewed", detail={"count": len(referrals)})
    db.session.commit()
    return render_template("staff/queues.html", referrals=referrals)
