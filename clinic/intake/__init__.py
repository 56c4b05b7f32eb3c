"""The client intake: start, one screen at a time, save and resume, safety page, review, send."""

from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/intake")

from clinic.intake import errors, quick_exit, resume_views, support_views, views  # noqa: E402,F401
