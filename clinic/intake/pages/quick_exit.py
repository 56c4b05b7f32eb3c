"""Quick exit: leave for a neutral site at once, leaving nothing of the form readable.

`/intake/exit` is where "Leave this site quickly" goes, with or without JavaScript
(intake.js also goes there on Esc pressed twice). It ends the draft's browser session
on the server (the draft stays saved; only its resume code opens it again), empties
the session, and redirects to the clinic's neutral site asking the browser to drop
everything this site keeps on the device: cookies, storage and cached copies of pages
(`Clear-Site-Data`; browsers honour it over HTTPS and on localhost). The session is
ended on the server too, because a browser may ignore the header.

A draft in which risk is acute (on-call was paged from it) is submitted for urgent
routing as it stands: quick exit is the client choosing to leave, and the policy
sends an acute draft then rather than after the quiet minutes (docs/clinical-policy.md,
safety pathway). A re-screen in progress is sent as it stands, for the same reason.
"""

from __future__ import annotations

from flask import redirect, session
from werkzeug.wrappers import Response

from clinic.intake import drafts
from clinic.intake.pages import bp, navigation
from clinic.intake.services import submit_draft
from clinic.notifications import on_call
from clinic.rescreen import answers
from clinic.settings.clinic_settings import clinic_settings

CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


@bp.route("/exit")
def quick_exit() -> Response:
    draft = drafts.current_draft()
    if draft is not None and on_call.alert_for(draft.id) is not None:
        complete = navigation.position(draft).complete
        submit_draft(draft, partial=not complete, via="quick_exit")
    drafts.end_browser_session()
    rescreen = answers.current()
    if rescreen is not None and answers.document(rescreen).answers:  # it may say risk
        answers.submit(rescreen, None, via="quick_exit")
    session.clear()
    response = redirect(clinic_settings().quick_exit_url, code=303)
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
