"""Save and come back later: the resume code and link, emailing the link, resuming."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from clinic.intake import codes, draft_safety, drafts
from clinic.intake.pages import bp, navigation
from clinic.intake.pages.forms import EmailLinkForm, ResumeForm
from clinic.models import IntakeSubmission
from clinic.models.documents import ContactDocument, contact_of
from clinic.notifications import queue_resume_link
from clinic.notifications.links import site_link


def resume_link(code: str) -> str:
    """The full resume link, on the clinic's public address: the resume page + `#code`.

    A fragment is never sent to a server, so the code stays out of web server and
    proxy logs; intake.js on the resume page puts it in the form, removes it from
    the address bar and posts it. Without JavaScript the client types the code.
    """
    return site_link(url_for("intake.resume", _anchor=code))


def _render_saved(draft: IntakeSubmission, code: str | None, email_form: EmailLinkForm) -> str:
    if code is not None:
        email_form.code.data = code
    return render_template(
        "intake/saved.html",
        draft=draft,
        code=None if code is None else codes.grouped(code),
        link=None if code is None else resume_link(code),
        email_form=email_form,
        email_address=email_address_for_link(draft),
        contact_number=1,
        expires=draft.draft_expires_at,
        autosubmit=draft_safety.autosubmit(draft),
    )


@bp.route("/saved")
def saved() -> str:
    """A resume code is shown once, on the response that makes it: it is kept only as a
    hash, never in the session cookie (which the browser can read)."""
    draft = navigation.require_draft()
    code = drafts.issue_resume_code(draft) if draft.resume_code_hash is None else None
    return _render_saved(draft, code, EmailLinkForm())


@bp.post("/saved/new-code")
def new_code() -> str:
    draft = navigation.require_draft()
    return _render_saved(draft, drafts.issue_resume_code(draft), EmailLinkForm())


def email_address_for_link(draft: IntakeSubmission) -> str | None:
    """The address the client gave as safe for email, or None (then no email is offered)."""
    contact = contact_of(draft)
    if contact is None or not contact.channels.email.allowed:
        return None
    return contact.email or None


def queue_resume_email(draft: IntakeSubmission, code: str) -> None:
    """Record that the client asked for the link by email; notifications send it after commit."""
    current = contact_of(draft) or ContactDocument()
    draft.contact = current.merged(ContactDocument(resume_email_ok=True)).stored()
    queue_resume_link(draft, resume_link(code), codes.grouped(code))


@bp.post("/saved/email")
def email_link() -> str | Response:
    draft = navigation.require_draft()
    form = EmailLinkForm()
    code = form.code.data or ""
    if not drafts.code_matches(draft, code) or email_address_for_link(draft) is None:
        flash(_("That code has been replaced. Please use the newest code."), "error")
        return redirect(url_for("intake.saved"))
    if not form.validate():
        return _render_saved(draft, code, form)
    queue_resume_email(draft, code)
    flash(_("We will email the link to you. It may take a few minutes."), "info")
    return _render_saved(draft, code, EmailLinkForm())


@bp.post("/close")
def close() -> Response:
    """Forget the form in this browser (the draft stays saved for its resume code)."""
    drafts.end_browser_session()
    flash(
        _("The form is closed on this device. Your answers are saved: use your code to come back."),
        "info",
    )
    return redirect(url_for("intake.start"))


def _not_found_message() -> str:
    return str(
        _(
            "We could not find a saved form with that code. Please check the code. "
            "Saved forms are deleted after a while, "
            "and a form that was sent cannot be opened again."
        )
    )


@bp.route("/resume", methods=["GET", "POST"])
def resume() -> str | Response:
    form = ResumeForm()
    if form.validate_on_submit():
        draft = drafts.draft_for_code(form.code.data)
        if draft is not None:
            drafts.resume(draft, via="code")
            flash(_("Welcome back. You can carry on where you left off."), "info")
            return redirect(navigation.continue_url(draft))
        form.code.errors.append(_not_found_message())
    return render_template("intake/resume.html", form=form)
