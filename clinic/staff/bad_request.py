"""A request the console cannot use (a date out of range, a cursor it did not make, a
control character): a plain 400 page, never a server error."""

from __future__ import annotations

from flask import render_template
from werkzeug.exceptions import BadRequest

from clinic.staff import bp


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[str, int]:
    return render_template("staff/error.html", code=400, description=error.description), 400
