"""The staff console: sign-in with MFA, queues, referrals, overview, admin pages."""

from __future__ import annotations

from flask import Blueprint, Flask

from clinic.security import ratelimit, sessions
from clinic.staff.cli import register_commands

bp = Blueprint("staff", __name__, url_prefix="/staff")


def init_app(app: Flask) -> None:
    """Session cookie rules, rate limiter, and the blueprint itself.

    Its settings (STAFF_IDLE_TIMEOUT, ...) are declared in config/settings.py.
    """
    sessions.init_app(app)
    ratelimit.init_app(app)
    app.register_blueprint(bp)
    register_commands(app)


from clinic.staff import (  # noqa: E402,F401
    admin_views,
    auth_views,
    bad_request,
    client_views,
    dashboard_views,
    hooks,
    labels,
    notification_views,
    operations_views,
    overview_views,
    referral_views,
    token_views,
)

bp.register_blueprint(notification_views.bp)
