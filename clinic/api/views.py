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
from clinic.api.errors import json_body, json_error
from clinic.api.tokens import TokenOwner, authenticate
from clinic.extensions import csrf
from clinic.models import Referral, unit_of_work
from clinic.models.documents import (
    ContactInput,
    Explanation,
    Reading,
    UnreadableDocument,
    decision_reading,
    explanation_reading,
    parse,
    scores_reading,
)

API_ROLES = ("intake_coordinator",)

csrf.exempt(bp)


def token_required(view: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        owner = authenticate(token.strip()) if scheme.lower() == "bearer" and token else None
        if owner is None:
            return json_error(401, "a valid bearer token is required")
        if owner.role not in API_ROLES:
            intakes.refuse_role(owner, request.path)
            unit_of_work.keep_despite_refusal()
            return json_error(403, "this token's role may not use the intake API")
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
    """Each key of the contact document whose value is not as the web form's contact
    document allows (clinic.models.documents.ContactInput)."""
    try:
        document = parse(ContactInput, contact, what="contact document")
    except UnreadableDocument as exc:
        message = "not as the contact document defines it (see the README)"
        return [{"field": f"contact.{name}", "message": message} for name in exc.fields]
    return [
        {"field": f"contact.{name}", "message": "needed by the channel allowed"}
        for name in document.missing_details()
    ]


@bp.post("/intakes")
@token_required
def create_intake() -> Response:
    body = json_body()
    errors = _request_errors(body)
    if not errors and isinstance(body, dict):
        errors = [
            error.as_dict()
            for error in forms.validate_answers(body["path"], body["subject_age"], body["answers"])
        ]
    if errors or not isinstance(body, dict):
        return json_error(422, "the intake is not valid", errors=errors)
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
        return json_error(404, "no such intake")
    submission = intakes.read(_owner(), key)
    if submission is None:
        return json_error(404, "no such intake")
    decision = decision_reading(submission)
    scores = scores_reading(submission)
    explanations = [explanation_reading(referral) for referral in submission.referrals]
    parts: list[tuple[str, Reading[Any]]] = [("decision", decision), ("scores", scores)]
    parts += [(f"referrals[{n}].explanation", reading) for n, reading in enumerate(explanations)]
    return jsonify(
        {
            "id": str(submission.id),
            "path": submission.path,
            "status": submission.status,
            "scores": scores.document or {},
            "flags": decision.document.flags if decision.document is not None else [],
            "priority": decision.document.priority if decision.document is not None else None,
            "rules_version": submission.rules_version,
            "routing_error": submission.routing_error,
            "referrals": [
                _referral(referral, reading.document or Explanation())
                for referral, reading in zip(submission.referrals, explanations, strict=True)
            ],
            "unreadable": [part for part, reading in parts if reading.unreadable],
        }
    )


def _referral(referral: Referral, explanation: Explanation) -> dict[str, object]:
    return {
        "id": str(referral.id),
        "queue": referral.queue,
        "priority": referral.priority,
        "status": referral.status,
        "explanation": explanation.sentence,
        "rule_ids": explanation.rule_ids,
    }
