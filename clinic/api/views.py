"""`/api/v1/intakes`: the same intake pipeline as the web form, for staff systems.

Bearer-token authentication (401 without a valid token), intake coordinators
only (403 otherwise), answers validated with the same definitions as the web
form (422 naming each bad field), and every call audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request

import forms
from clinic.api import bp, intakes
from clinic.api.tokens import TokenOwner, authenticate
from clinic.extensions import csrf
from clinic.models import Referral, unit_of_work
from clinic.models.documents import (
    ContactDocument,
    Explanation,
    UnreadableDocument,
    decision_of,
    explanation_of,
    parse,
)

API_ROLES = ("intake_coordinator",)

csrf.exempt(bp)


@bp.after_request
def _no_store(response: Response) -> Response:
    """API answers carry answers and contact details: never kept in any cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def token_required(view: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        owner = authenticate(token.strip()) if scheme.lower() == "bearer" and token else None
        if owner is None:
            return _error(401, "a valid bearer token is required")
        if owner.role not in API_ROLES:
            intakes.refuse_role(owner, request.path)
            unit_of_work.keep_despite_refusal()
            return _error(403, "this token's role may not use the intake API")
        g.api_owner = owner
        return view(*args, **kwargs)

    return wrapper


def _owner() -> TokenOwner:
    owner: TokenOwner = g.api_owner
    return owner


def _request_errors(body: Any) -> list[dict[str, str]]:
    if not isinstance(body, dict):
        return [{"field": "", "message": "the body must be a JSON object"}]
    errors = []
    if not isinstance(body.get("path"), str):
        errors.append({"field": "path", "message": f"one of {', '.join(forms.PATHS)}"})
    age = body.get("subject_age")
    if isinstance(age, bool) or not isinstance(age, int) or age < 0:
        errors.append({"field": "subject_age", "message": "a whole number of years"})
    if not isinstance(body.get("answers", {}), dict):
        errors.append({"field": "answers", "message": "an object of item id to code or null"})
    contact = body.get("contact", {})
    if not isinstance(contact, dict):
        errors.append({"field": "contact", "message": "an object"})
    else:
        errors.extend(_contact_errors(contact))
    return errors


def _contact_errors(contact: dict[str, Any]) -> list[dict[str, str]]:
    """Each key of the contact document whose value is not as the document defines it."""
    try:
        parse(ContactDocument, contact, what="contact document")
    except UnreadableDocument as exc:
        message = "not as the contact document defines it (see the README)"
        return [{"field": f"contact.{name}", "message": message} for name in exc.fields]
    return []


@bp.post("/intakes")
@token_required
def create_intake() -> Response:
    body = request.get_json(silent=True)
    errors = _request_errors(body)
    if not errors and isinstance(body, dict):
        errors = [
            error.as_dict()
            for error in forms.validate_answers(body["path"], body["subject_age"], body["answers"])
        ]
    if errors or not isinstance(body, dict):
        return _error(422, "the intake is not valid", errors=errors)
    submission = intakes.create(_owner(), body)
    response = jsonify({"id": str(submission.id)})
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/intakes/{submission.id}"
    return response


@bp.get("/intakes/<submission_id>")
@token_required
def read_intake(submission_id: str) -> Response:
    try:
        key = uuid.UUID(submission_id)
    except ValueError:
        return _error(404, "no such intake")
    submission = intakes.read(_owner(), key)
    if submission is None:
        return _error(404, "no such intake")
    decision = decision_of(submission)
    return jsonify(
        {
            "id": str(submission.id),
            "path": submission.path,
            "status": submission.status,
            "scores": submission.scores or {},
            "flags": decision.flags if decision is not None else [],
            "priority": decision.priority if decision is not None else None,
            "rules_version": submission.rules_version,
            "routing_error": submission.routing_error,
            "referrals": [_referral(referral) for referral in submission.referrals],
        }
    )


def _referral(referral: Referral) -> dict[str, object]:
    explanation = explanation_of(referral) or Explanation()
    return {
        "id": str(referral.id),
        "queue": referral.queue,
        "priority": referral.priority,
        "status": referral.status,
        "explanation": explanation.sentence,
        "rule_ids": explanation.rule_ids,
    }
