"""The support pages (domestic-violence line, child-abuse line), shown once each.

The address names neither page, so neither the browser history nor a server log
says which was shown.
"""

from __future__ import annotations

from flask import redirect, render_template
from werkzeug.wrappers import Response

from clinic.intake import support_pages
from clinic.intake.pages import bp, navigation

TEMPLATES = {
    support_pages.PARTNER: "intake/support_partner.html",
    support_pages.CHILD: "intake/support_child.html",
}


@bp.route("/support/more")
def more_support() -> str | Response:
    draft = navigation.require_draft()
    kind = support_pages.page_to_show(draft)
    if kind is None:
        return redirect(navigation.continue_url(draft))
    return render_template(TEMPLATES[kind], teen=draft.path == "teen_self")
