"""API tokens in the console: the owner sees and revokes their own, an admin everyone's.
The token itself is never shown again after it is made (only its hash is kept)."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from clinic.api import tokens
from clinic.extensions import db
from clinic.models import ApiToken
from clinic.security import audit
from clinic.staff import bp
from clinic.staff.access import login_required, me


def _is_admin() -> bool:
    return "admin" in me().roles


@bp.route("/tokens")
@login_required
def api_tokens() -> str:
    rows = tokens.tokens_for(None if _is_admin() else me())
    audit.record("api.tokens_viewed", detail={"count": len(rows), "all": _is_admin()})
    return render_template(
        "staff/api_tokens.html",
        rows=rows,
        states={row.id: tokens.state(row) for row in rows},
        everyone=_is_admin(),
    )


@bp.route("/tokens/<uuid:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: uuid.UUID) -> Response:
    """The owner or an admin stops a token at once; anyone else gets 404."""
    row = db.session.get(ApiToken, token_id)
    if row is None or not (row.staff_user_id == me().id or _is_admin()):
        abort(404)
    if tokens.revoke(row, actor=me()):
        flash(f"Token “{row.name}” revoked: it stops working at once.", "info")
    else:
        flash(f"Token “{row.name}” was already revoked.", "info")
    return redirect(url_for("staff.api_tokens"))
