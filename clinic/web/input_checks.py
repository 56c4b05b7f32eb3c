"""Every query parameter and form field is acceptable text, or the request is refused.

A control character (clinic.text) has no place in a query string; in a form field
only a tab or a line break may appear (a note has lines). Anything else is a 400
before a view runs: the intake and the staff console show their own page for it,
and the JSON API answers in its error shape (clinic.api.errors).
"""

from __future__ import annotations

from flask import Flask, abort, request

from clinic.text import text_problem

CONTROL_CHARACTER = "The request held a character that cannot be used (a control character)."


def _check_request() -> None:
    for key, value in request.args.items(multi=True):
        if text_problem(key) or text_problem(value):
            abort(400, CONTROL_CHARACTER)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, value in request.form.items(multi=True):
            if text_problem(key) or text_problem(value, lines=True):
                abort(400, CONTROL_CHARACTER)


def init_app(app: Flask) -> None:
    app.before_request(_check_request)
