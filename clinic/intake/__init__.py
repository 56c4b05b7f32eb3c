"""The client intake (placeholder form until the instrument flows land)."""

from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/intake")

from clinic.intake import views  # noqa: E402,F401
