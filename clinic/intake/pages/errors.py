"""A page left open too long: its CSRF token expired. Nothing typed is lost.

The answers in the refused request are not saved (they came without a valid
token), but the page is shown again with them filled in and a fresh token,
asking the client to press the button once more. Any other bad request (a
control character in a field, clinic.web.input_checks) gets a plain page.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest

from clinic.intake import drafts
from clinic.intake.pages import bp, navigation, review
from clinic.intake.pages.forms import StartForm
from clinic.intake.pages.views import posted_form, render_screen


def _notice() -> str:
    return str(
        _(
            "For your security, this page timed out. Your answers are still filled in below: "
            "please check them and press the button again."
        )
    )


@bp.errorhandler(CSRFError)
def csrf_expired(error: CSRFError) -> tuple[str, int]:
    endpoint = request.endpoint or ""
    if endpoint == "intake.start":
        form = StartForm()
        return render_template("intake/start.html", form=form, draft=None, notice=_notice()), 400
    draft = drafts.current_draft()
    if draft is not None and endpoint == "intake.step":
        place = navigation.position(draft)
        index = place.index_of(request.form.get("screen", ""))
        if index is not None:
            form = posted_form(draft, place.screens[index])
            return render_screen(draft, place, index, form, notice=_notice(), status=400)
    if draft is not None and endpoint == "intake.support_leave":
        return render_template("intake/support.html", draft=draft, notice=_notice()), 400
    if draft is not None and endpoint == "intake.review" and navigation.position(draft).complete:
        sections = review.sections(draft, navigation.position(draft))
        return render_template("intake/review.html", sections=sections, notice=_notice()), 400
    return render_template("intake/expired.html", has_draft=draft is not None), 400


@bp.errorhandler(BadRequest)
def bad_request(_error: BadRequest) -> tuple[str, int]:
    has_draft = drafts.current_draft() is not None
    return render_template("intake/bad_request.html", has_draft=has_draft), 400
