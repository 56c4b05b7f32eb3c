"""The staff console: sign-in and the referral queues."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from clinic.staff import views  # noqa: E402,F401
