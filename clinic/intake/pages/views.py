"""Client intake pages: start, each screen, content notes, the safety page, review, sent."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from clinic.extensions import csrf_exempt
from clinic.intake import draft_safety, drafts, screens, support_pages
from clinic.intake.languages import SESSION_KEY as LANGUAGE_KEY
from clinic.intake.languages import current_language
from clinic.intake.pages import bp, navigation
from clinic.intake.pages import review as review_rows
from clinic.intake.pages.contact_forms import ChannelsForm, EmailForm, MoreForm, PhoneForm
from clinic.intake.pages.forms import (
    PREFER_NOT,
    AboutForm,
    StartForm,
    step_answers,
    web_step_form,
)
from clinic.intake.services import submit_draft
from clinic.models import IntakeSubmission
from clinic.models.documents import ContactDocument, answers_of, contact_of
from clinic.routing.waits import cached_waits
from clinic.settings.clinic_settings import clinic_settings
from clinic.settings.languages import LANGUAGES
from clinic.text import text_problem


@bp.after_request
def _no_store(response: Response) -> Response:
    """Client pages may hold sensitive answers: never keep them in any cache."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.context_processor
def _clinic() -> dict[str, Any]:
    settings = clinic_settings()
    return {
        "clinic": settings,
        "safety_tips_url": settings.safety_tips_url or url_for("intake.safety_tips"),
        "quick_exit_site": urlsplit(settings.quick_exit_url).netloc.removeprefix("www."),
    }


@bp.route("", methods=["GET", "POST"])
def start() -> str | Response:
    form = StartForm()
    if form.validate_on_submit():
        age = form.age()
        assert age is not None  # validated
        drafts.start_draft(path=form.path.data, subject_age=age, language=current_language())
        return redirect(navigation.step_url(0))
    return render_template("intake/start.html", form=form, draft=drafts.current_draft())


@bp.route("/privacy")
def privacy() -> str:
    return render_template("intake/privacy.html")


@bp.route("/safety-tips")
def safety_tips() -> str:
    return render_template("intake/safety_tips.html")


@bp.post("/language")
@csrf_exempt  # only a display preference changes; a timed-out page must still switch
def language() -> Response:
    target = request.form.get("next", "")
    if text_problem(target) is not None:
        abort(400)  # a line break in a redirect would be a header of its own
    chosen = request.form.get("language")
    if chosen in LANGUAGES:
        session[LANGUAGE_KEY] = chosen
    if not target.startswith(("/intake", "/rescreen/")) or "//" in target or "\\" in target:
        target = url_for("intake.start")
    return redirect(target)


@bp.route("/continue")
def continue_form() -> Response:
    draft = navigation.require_draft()
    if support_pages.pending(draft):  # e.g. after the crisis page, when one save called for both
        return redirect(url_for("intake.more_support"))
    return redirect(navigation.continue_url(draft))


def _contact_form(draft: IntakeSubmission, kind: str, *, shown: bool) -> Any:
    """The form of a contact screen: as posted, or (``shown``) with what was chosen before."""
    contact = contact_of(draft) or ContactDocument()
    teen = draft.path == "teen_self"
    initial: dict[str, Any] | None = None
    if shown and kind in drafts.progress(draft)["done"]:
        initial = {
            screens.CONTACT: lambda: ChannelsForm.initial(contact),
            screens.CONTACT_PHONE: lambda: PhoneForm.initial(contact),
            screens.CONTACT_EMAIL: lambda: EmailForm.initial(contact),
            screens.CONTACT_MORE: lambda: MoreForm.initial(contact, teen),
        }[kind]()
    data = {"data": initial} if shown else {}
    if kind == screens.CONTACT:
        return ChannelsForm(**data)
    if kind == screens.CONTACT_PHONE:
        return PhoneForm(contact=contact, **data)
    if kind == screens.CONTACT_EMAIL:
        return EmailForm(**data)
    return MoreForm(teen=teen, contact=contact, **data)


def _screen_form(draft: IntakeSubmission, screen: screens.Screen) -> Any:
    document = answers_of(draft)
    done = drafts.progress(draft)["done"]
    if screen.kind in screens.CONTACT_KINDS:
        return _contact_form(draft, screen.kind, shown=True)
    if screen.kind == screens.ABOUT:
        initial = None
        if "about" in done:
            initial = {"sex": document.sex or PREFER_NOT}
        return AboutForm(data=initial)
    assert screen.step is not None
    form_class = web_step_form(screen.step)
    return form_class(data=form_class.initial_data(document.answers))


def render_screen(
    draft: IntakeSubmission,
    place: screens.Position,
    index: int,
    form: Any,
    *,
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    screen = place.screens[index]
    error_items = None
    english_note = False
    if screen.step is not None:  # the summary names each question left unanswered
        language = screen.step.language if screen.step.language != current_language() else None
        error_items = [
            (f"{q.id}-0", q.text, language) for q in screen.step.questions if form[q.id].errors
        ]
        # Said once, at the top of the section: on its content note, else its first screen.
        english_note = bool(
            language
            and place.first_of_section(screen.section) == index
            and not screen.step.content_note
        )
    page = render_template(
        "intake/step.html",
        error_items=error_items,
        draft=draft,
        screen=screen,
        number=index + 1,
        progress=place.progress(index),
        english_note=english_note,
        form=form,
        notice=notice,
        back_url=navigation.step_url(index - 1) if index > 0 else url_for("intake.start"),
    )
    return page, status


@bp.route("/step/<int:number>", methods=["GET", "POST"])
def step(number: int) -> str | Response | tuple[str, int]:
    draft = navigation.require_draft()
    place = navigation.position(draft)
    if request.method == "POST":
        return _save_screen(draft, place)
    index = number - 1
    furthest = place.total - 1 if place.first_open is None else place.first_open
    if index < 0 or index > furthest:
        return redirect(navigation.continue_url(draft))
    if request.args.get("change"):
        session[drafts.SESSION_RETURN_TO_REVIEW] = True
    if navigation.needs_note(draft, place, index):
        screen = place.screens[index]
        subject_age = answers_of(draft).subject_age
        return render_template(
            "intake/note.html",
            screen=screen,
            number=number,
            progress=place.progress(index),
            can_skip=screens.can_skip_section(screen.section, draft.path, subject_age),
            back_url=navigation.step_url(index - 1) if index > 0 else url_for("intake.start"),
        )
    return render_screen(draft, place, index, _screen_form(draft, place.screens[index]))


def _save_screen(draft: IntakeSubmission, place: screens.Position) -> Response | tuple[str, int]:
    screen_id = request.form.get("screen", "")
    index = place.index_of(screen_id)
    if index is None:  # an earlier change means this question is no longer asked
        return redirect(navigation.continue_url(draft))
    screen = place.screens[index]
    action = request.form.get("action", "continue")
    if action not in ("continue", "back", "save"):
        action = "continue"
    form = posted_form(draft, screen)
    valid = form.validate()
    crisis = False
    if screen.kind in screens.CONTACT_KINDS:
        if not valid and action == "continue":
            return render_screen(draft, place, index, form)
        if valid:
            contact = contact_of(draft) or ContactDocument.empty(current_language())
            updated = form.updated(contact).model_copy(update={"language": current_language()})
            drafts.save_contact(draft, updated, screen.id)
    elif screen.kind == screens.ABOUT:
        if not valid and action == "continue":
            return render_screen(draft, place, index, form)
        if valid:
            drafts.save_sex(draft, form.value())
    else:
        if not valid and action == "continue":
            return render_screen(draft, place, index, form)
        answers = step_answers(form, only_valid=not valid)
        if answers:
            crisis = drafts.save_answers(draft, answers)
    if crisis:
        return redirect(url_for("intake.support"))
    if support_pages.pending(draft):
        return redirect(url_for("intake.more_support"))
    return navigation.after_save(draft, screen.id, action)


def posted_form(draft: IntakeSubmission, screen: screens.Screen) -> Any:
    if screen.kind in screens.CONTACT_KINDS:
        return _contact_form(draft, screen.kind, shown=False)
    if screen.kind == screens.ABOUT:
        return AboutForm()
    assert screen.step is not None
    return web_step_form(screen.step)()


@bp.post("/step/<int:number>/note")
def note(number: int) -> Response:
    draft = navigation.require_draft()
    place = navigation.position(draft)
    index = number - 1
    if not 0 <= index < place.total or place.screens[index].step is None:
        return redirect(navigation.continue_url(draft))
    section = place.screens[index].section
    if request.form.get("action") == "skip" and screens.can_skip_section(
        section, draft.path, answers_of(draft).subject_age
    ):
        crisis = drafts.skip_section(draft, section)
        if crisis:
            return redirect(url_for("intake.support"))
        if support_pages.pending(draft):
            return redirect(url_for("intake.more_support"))
        session.pop(drafts.SESSION_RETURN_TO_REVIEW, None)
        return redirect(navigation.continue_url(draft))
    drafts.mark_note_read(draft, section)
    return redirect(navigation.step_url(index))


@bp.route("/support")
def support() -> str:
    """The safety page: crisis resources, then continue or leave (and still be heard)."""
    draft = drafts.current_draft()
    return render_template(
        "intake/support.html", draft=draft, autosubmit=draft_safety.autosubmit(draft)
    )


@bp.post("/support/leave")
def support_leave() -> Response:
    draft = navigation.require_draft()
    complete = navigation.position(draft).complete
    submit_draft(draft, partial=not complete, via="safety_page", language=current_language())
    drafts.forget()
    session[drafts.SESSION_SENT] = "complete" if complete else "partial"
    return redirect(url_for("intake.sent"))


@bp.route("/review", methods=["GET", "POST"])
def review() -> str | Response:
    draft = navigation.require_draft()
    place = navigation.position(draft)
    if not place.complete:
        return redirect(navigation.continue_url(draft))
    session.pop(drafts.SESSION_RETURN_TO_REVIEW, None)
    if request.method == "POST":
        submit_draft(draft, partial=False, via="review", language=current_language())
        drafts.forget()
        session[drafts.SESSION_SENT] = "complete"
        return redirect(url_for("intake.sent"))
    return render_template(
        "intake/review.html", sections=review_rows.sections(draft, place), notice=None
    )


@bp.route("/sent")
def sent() -> str:
    kind = session.get(drafts.SESSION_SENT)
    return render_template(
        "intake/sent.html", partial=kind == "partial", sent=bool(kind), wait=_wait_to_tell()
    )


def _wait_to_tell() -> tuple[int, int] | None:
    """(days, weeks) most people waited lately, rounded up, where the clinic says so
    (`expected_wait_on_confirmation`) and there is enough history; else None."""
    if not clinic_settings().expected_wait_on_confirmation:
        return None
    wait = cached_waits().for_clients
    if wait is None:
        return None
    days = max(1, math.ceil(wait / timedelta(days=1)))
    return days, math.ceil(days / 7)
