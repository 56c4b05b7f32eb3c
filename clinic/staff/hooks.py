"""Every staff request: idle timeout, no caching, error pages, template helpers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from clinic.extensions import db
from clinic.models import unit_of_work
from clinic.security import audit, ratelimit, sessions
from clinic.security.ratelimit import TooManyAttempts
from clinic.staff import bp, sign_in
from clinic.staff.access import CLINICAL, visible_queues
from referrals import QUEUES

IDLE_MESSAGE = "You were signed out after a period without activity. Please sign in again."
LIFETIME_MESSAGE = (
    "You were signed out because you signed in {hours} hours ago. Please sign in again."
)
REFUSAL_WINDOW_SECONDS = 60
"""Refused access is recorded at most once per account, route and status in this window."""
WHILE_CHANGING_PASSWORD = frozenset({"staff.password", "staff.logout", "staff.keepalive"})


@bp.before_request
def _session_timeouts() -> Response | None:
    """A session ends when idle too long, and after its absolute lifetime however active."""
    if not current_user.is_authenticated:
        return None
    over = sessions.lifetime_over()
    if over or sessions.idle_expired():
        sign_in.end_expired_session("lifetime" if over else "idle")
        if over:
            hours = int(current_app.config["STAFF_SESSION_LIFETIME"]) // 3600
            flash(LIFETIME_MESSAGE.format(hours=hours), "info")
        else:
            flash(IDLE_MESSAGE, "info")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("staff.login", next=target))
    sessions.touch()
    return None


@bp.before_request
def _own_password_first() -> Response | None:
    """Signed in with a temporary password: every other page waits for a new one.

    Setting a temporary password ended every older session, so a session of an
    account that still has one was started with it.
    """
    if (
        current_user.is_authenticated
        and current_user.temporary_password_expires_at is not None
        and request.endpoint not in WHILE_CHANGING_PASSWORD
    ):
        return redirect(url_for("staff.password"))
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    """Staff pages hold clinical details: never kept in a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(403)
@bp.errorhandler(404)
def _error_page(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    _record_refusal(code)
    return render_template("staff/error.html", code=code), code


def _record_refusal(code: int) -> None:
    """Audit a refused page, once per account (or address), route and status a minute,
    counted in the shared limit storage, so that a loop cannot flood the log. Nothing
    else the refused request wrote is kept."""
    route = request.url_rule.rule if request.url_rule is not None else request.path
    signed_in = current_user.is_authenticated
    who = f"staff:{current_user.id}" if signed_in else f"address:{request.remote_addr}"
    key = hashlib.sha256(f"{who}|{route}|{code}".encode()).hexdigest()
    if not ratelimit.first_in_window("refused", key, REFUSAL_WINDOW_SECONDS):
        return
    db.session.rollback()
    audit.record(
        "staff.access_refused",
        actor_kind=None if signed_in else "anonymous",
        detail={"status": code, "route": route, "path": request.path, "method": request.method},
    )
    unit_of_work.keep_despite_refusal()


@bp.errorhandler(TooManyAttempts)
def _rate_limited(_error: TooManyAttempts) -> tuple[str, int]:
    sign_in.record_rate_limited(request.path)
    unit_of_work.keep_despite_refusal()
    return render_template("staff/rate_limited.html"), 429


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


LOCAL_FORMAT = "%d %b %Y %H:%M"
"""A time as the console writes it, in the clinic's zone."""


@bp.app_template_filter("local")
def _local(value: datetime | None, fmt: str = LOCAL_FORMAT) -> str:
    return "" if value is None else value.astimezone(clinic_zone()).strftime(fmt)


@bp.app_template_filter("waited")
def waited(seconds: float) -> str:
    """A short duration: '45 min', '5 h', '3 d'."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (60 * 24)} d"


@bp.context_processor
def _staff_context() -> dict[str, object]:
    signed_in = current_user.is_authenticated
    return {
        "QUEUES": QUEUES,
        "my_queues": visible_queues(current_user) if signed_in else (),
        "is_clinical": signed_in and bool(current_user.roles & CLINICAL),
        "is_admin": signed_in and "admin" in current_user.roles,
        "idle_timeout": current_app.config["STAFF_IDLE_TIMEOUT"],
        "must_change_password": signed_in
        and current_user.temporary_password_expires_at is not None,
    }
