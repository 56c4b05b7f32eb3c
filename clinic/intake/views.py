"""Client-facing intake pages."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from clinic import outbox
from clinic.intake import bp
from clinic.intake.forms import PlaceholderIntakeForm
from clinic.intake.services import submit_intake


@bp.after_request
def _no_store(response: Response) -> Response:
    """Client pages may hold sensitive answers: never keep them in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("", methods=["GET", "POST"])
def start() -> str | Response:
    form = PlaceholderIntakeForm()
    if form.validate_on_submit():
        submit_intake(
            path=form.path.data, subject_age=form.subject_age.data, answers=form.answers()
        )
        outbox.commit()
        return redirect(url_for("intake.thanks"))
    return render_template("intake/start.html", form=form)


@bp.route("/thanks")
def thanks() -> str:
    return render_template("intake/thanks.html")
