"""JSON API for staff systems (phone intake, paper forms keyed in, kiosks)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from clinic.api import openapi, queue_views, views  # noqa: E402,F401
