"""Loading the session's draft and working out where a client goes next."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from clinic.intake import drafts, screens
from clinic.models import IntakeSubmission
from clinic.models.documents import answers_of, contact_of


def require_draft() -> IntakeSubmission:
    """The session's open draft, or leave for the start page with a plain word why."""
    draft = drafts.current_draft()
    if draft is not None:
        return draft
    submission = drafts.session_submission()
    drafts.forget()
    if submission is not None and submission.status != "draft":
        flash(_("Your answers have already been sent to our team."), "info")
    elif submission is not None:
        flash(
            _("Your saved form has closed. Saved answers are deleted after a while."),
            "info",
        )
    leave(url_for("intake.start"))


def leave(location: str) -> NoReturn:
    abort(redirect(location))


def position(draft: IntakeSubmission) -> screens.Position:
    return screens.position(
        draft.path, answers_of(draft), drafts.progress(draft)["done"], contact_of(draft)
    )


def step_url(index: int) -> str:
    return url_for("intake.step", number=index + 1)


def continue_url(draft: IntakeSubmission) -> str:
    """The first screen not finished yet, or the review page when all are."""
    place = position(draft)
    if place.first_open is None:
        return url_for("intake.review")
    return step_url(place.first_open)


def after_save(draft: IntakeSubmission, screen_id: str, action: str) -> Response:
    """Where to go after a screen was saved: back, on, or back to the review page."""
    place = position(draft)
    index = place.index_of(screen_id)
    if index is None:
        return redirect(continue_url(draft))
    if action == "back":
        return redirect(step_url(index - 1) if index > 0 else url_for("intake.start"))
    if action == "save":
        return redirect(url_for("intake.saved"))
    following = index + 1
    if session.get(drafts.SESSION_RETURN_TO_REVIEW):
        same_section = (
            following < place.total
            and place.screens[following].section == place.screens[index].section
        )
        if same_section:
            return redirect(step_url(following))
        session.pop(drafts.SESSION_RETURN_TO_REVIEW, None)
        return redirect(continue_url(draft))
    if place.first_open is not None and place.first_open < following:
        following = place.first_open
    if following >= place.total:
        return redirect(continue_url(draft))
    return redirect(step_url(following))


def needs_note(draft: IntakeSubmission, place: screens.Position, index: int) -> bool:
    """Show the section's content note before its first screen, until it was read."""
    screen = place.screens[index]
    if screen.step is None or not screen.step.content_note:
        return False
    if place.first_of_section(screen.section) != index:
        return False
    if screen.section in drafts.progress(draft)["notes_read"]:
        return False
    document = answers_of(draft)
    return not screens.section_started(
        screen.section, draft.path, document.subject_age, document.answers
    )
