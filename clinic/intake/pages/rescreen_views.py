"""The re-screen's client pages: `/rescreen/<token>` opens it once; then one screen per
instrument, the crisis page when an answer calls for it, the still-waiting check-in,
and a thank-you page. They share the intake's layout (quick exit, languages, no-JS),
its question markup and its crisis resources; they show nothing of the first intake.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from clinic.intake.languages import SESSION_KEY as LANGUAGE_KEY
from clinic.intake.languages import current_language
from clinic.intake.pages import views
from clinic.intake.pages.forms import step_answers, web_step_form
from clinic.intake.screens import Progress
from clinic.models import Rescreen
from clinic.models.client import STILL_WAITING_ANSWERS
from clinic.rescreen import answers
from clinic.settings.languages import LANGUAGES

bp = Blueprint("rescreen", __name__, url_prefix="/rescreen")
bp.after_request(views._no_store)
bp.context_processor(views._clinic)

CHECK_IN = "check-in"


def _gone() -> tuple[str, int]:
    return render_template("rescreen/gone.html"), 404


def _require() -> Rescreen | None:
    return answers.current()


@bp.route("/<token>")
def open_link(token: str) -> Response | tuple[str, int]:
    rescreen = answers.open_link(token)
    if rescreen is None:
        return _gone()
    language = answers.language_of(rescreen)
    if language in LANGUAGES:
        session.setdefault(LANGUAGE_KEY, language)  # the language they chose before
    return redirect(url_for("rescreen.step", number=1))


def _render(rescreen: Rescreen, index: int, form: Any, status: int = 200) -> tuple[str, int]:
    state = answers.walk(rescreen, current_language())
    screen = state.steps[index]
    language = screen.language if screen.language != current_language() else None
    errors = [(f"{q.id}-0", q.text, language) for q in screen.questions if form[q.id].errors]
    page = render_template(
        "rescreen/step.html",
        step=screen,
        number=index + 1,
        progress=Progress(index + 1, len(state.steps) + 1, may_finish_sooner=False),
        form=form,
        error_items=errors,
    )
    return page, status


@bp.route("/step/<int:number>", methods=["GET", "POST"])
def step(number: int) -> Response | tuple[str, int]:
    rescreen = _require()
    if rescreen is None:
        return _gone()
    state = answers.walk(rescreen, current_language())
    index = number - 1
    if not 0 <= index < len(state.steps):
        return redirect(_next_url(rescreen))
    screen = state.steps[index]
    form_class = web_step_form(screen)
    if request.method == "GET":
        doc = answers.document(rescreen)
        return _render(rescreen, index, form_class(data=form_class.initial_data(doc.answers)))
    form = form_class()
    if request.form.get("action") == "back":
        return redirect(url_for("rescreen.step", number=number - 1) if index else request.path)
    if not form.validate():
        return _render(rescreen, index, form)
    crisis = answers.save_answers(rescreen, step_answers(form, only_valid=False))
    shown = session.get(answers.SESSION_CRISIS_SHOWN)
    if crisis is not None and shown not in (crisis, "acute"):
        session[answers.SESSION_CRISIS_SHOWN] = crisis
        return redirect(url_for("rescreen.support"))
    return redirect(_next_url(rescreen))


def _next_url(rescreen: Rescreen) -> str:
    state = answers.walk(rescreen, current_language())
    if state.next_step is None:
        return url_for("rescreen.check_in")
    return url_for("rescreen.step", number=state.steps.index(state.next_step) + 1)


@bp.route("/support")
def support() -> str | tuple[str, int]:
    """The crisis page, as on the intake: resources first, then carry on or send now."""
    rescreen = _require()
    if rescreen is None:
        return _gone()
    return render_template("rescreen/support.html")


@bp.route("/continue")
def continue_form() -> Response | tuple[str, int]:
    rescreen = _require()
    if rescreen is None:
        return _gone()
    return redirect(_next_url(rescreen))


@bp.route("/check-in", methods=["GET", "POST"])
def check_in() -> str | Response | tuple[str, int]:
    """Are you still waiting? Then send. Also how the crisis page sends at once."""
    rescreen = _require()
    if rescreen is None:
        return _gone()
    if request.method == "POST":
        chosen = request.form.get("still_waiting")
        answers.submit(rescreen, chosen if chosen in STILL_WAITING_ANSWERS else None)
        answers.forget()
        session[answers.SESSION_SENT] = True
        return redirect(url_for("rescreen.sent"))
    state = answers.walk(rescreen, current_language())
    return render_template(
        "rescreen/check_in.html",
        progress=Progress(len(state.steps) + 1, len(state.steps) + 1, may_finish_sooner=False),
        back_number=len(state.steps),
    )


@bp.route("/sent")
def sent() -> str:
    return render_template("rescreen/sent.html", sent=bool(session.get(answers.SESSION_SENT)))
