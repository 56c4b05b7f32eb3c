"""`/api/v1/intakes`: the same intake pipeline as the web form, for staff systems.

Bearer-token authentication (401 without a live token of an enabled account), the
endpoint's scope (403 unless the token has it and its owner's current role allows
it: intake coordinators), answers validated with the same definitions as the web
form (422 naming each bad field), and every call audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from pydantic import ValidationError

import forms
from clinic.api import bp, idempotency, intakes
from clinic.api.errors import json_body, json_error
from clinic.api.openapi import operation
from clinic.api.schemas import (
    REQUEST_FIELD_MESSAGES,
    ErrorBody,
    IntakeCreated,
    IntakeRequest,
    IntakeView,
    ReferralView,
)
from clinic.api.scopes import CATALOGUE
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

IDEMPOTENCY_HEADER = "Idempotency-Key"

csrf.exempt(bp)


def token_required(scope: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A live bearer token with `scope`, which its owner's current role allows."""
    if scope not in CATALOGUE:
        raise ValueError(f"unknown scope {scope}")

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            owner = authenticate(token.strip()) if scheme.lower() == "bearer" and token else None
            if owner is None:
                return json_error(401, "a valid bearer token is required")
            refusal = owner.refusal(scope)
            if refusal is not None:
                intakes.refuse(owner, request.path, scope)
                unit_of_work.keep_despite_refusal()
                return json_error(403, refusal, scope=scope)
            g.api_owner = owner
            return view(*args, **kwargs)

        wrapper.api_scope = scope  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _owner() -> TokenOwner:
    owner: TokenOwner = g.api_owner
    return owner


def _request_errors(body: Any) -> list[dict[str, str]]:
    """Each top-level field of the body that `IntakeRequest` does not accept; a contact
    document is checked key by key (`_contact_errors`), answers by forms.validate_answers."""
    if not isinstance(body, dict):
        return [{"field": "", "message": "the body must be a JSON object"}]
    try:
        IntakeRequest.model_validate(body)
        named: set[str] = set()
    except ValidationError as exc:
        named = {str(error["loc"][0]) for error in exc.errors() if len(error["loc"]) == 1}
    errors = [
        {"field": name, "message": message}
        for name, message in REQUEST_FIELD_MESSAGES.items()
        if name in named
    ]
    contact = body.get("contact", {})
    if isinstance(contact, dict):
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
@operation(
    "Submit an intake",
    description=(
        "Validated with the same definitions as the web form, then routed by the same "
        "pipeline; 201 with the new intake's id and its Location."
    ),
    request=IntakeRequest,
    responses={201: IntakeCreated, 400: ErrorBody, 422: ErrorBody},
    idempotency_key=True,
    created_location=True,
)
@token_required("intakes:write")
def create_intake() -> Response:
    body = json_body()
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return _create(body)
    if not 0 < len(key) <= idempotency.MAX_KEY_LENGTH:
        return json_error(422, f"the {IDEMPOTENCY_HEADER} header must be 1 to 255 characters")
    claim = idempotency.begin(_owner().token_id, key, body)
    if isinstance(claim, idempotency.Mismatch):
        return json_error(
            422, f"this {IDEMPOTENCY_HEADER} was already used with a different request body"
        )
    if isinstance(claim, idempotency.Replay):
        intakes.replayed(_owner(), claim.body.get("id"))
        return _created(claim.status, claim.body)
    response = _create(body)
    if response.status_code < 400:
        idempotency.record(claim, response.status_code, response.get_json())
    return response


def _create(body: Any) -> Response:
    """Validate and create the intake; 201 with its id, or 422 naming each bad field."""
    errors = _request_errors(body)
    if not errors and isinstance(body, dict):
        errors = [
            error.as_dict()
            for error in forms.validate_answers(
                body["path"], body["subject_age"], body.get("answers", {})
            )
        ]
    if errors or not isinstance(body, dict):
        return json_error(422, "the intake is not valid", errors=errors)
    submission_id = intakes.create(_owner(), body)
    return _created(201, IntakeCreated(id=str(submission_id)).model_dump(mode="json"))


def _created(status: int, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = status
    if status == 201:
        response.headers["Location"] = f"/api/v1/intakes/{body['id']}"
    return response


@bp.get("/intakes/<submission_id>")
@operation(
    "Read a submitted intake: status, scores, flags and referrals",
    responses={200: IntakeView, 404: ErrorBody},
)
@token_required("intakes:read")
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
    view = IntakeView(
        id=str(submission.id),
        reference=submission.reference,
        path=submission.path,
        status=submission.status,
        partial=submission.submitted_partial,
        left_at_crisis_page=submission.left_at_crisis_page,
        scores=scores.document or {},
        flags=decision.document.flags if decision.document is not None else [],
        priority=decision.document.priority if decision.document is not None else None,
        rules_version=submission.rules_version,
        routing_error=submission.routing_error,
        referrals=[
            _referral(referral, reading.document or Explanation())
            for referral, reading in zip(submission.referrals, explanations, strict=True)
        ],
        unreadable=[part for part, reading in parts if reading.unreadable],
    )
    return jsonify(view.model_dump(mode="json"))


def _referral(referral: Referral, explanation: Explanation) -> ReferralView:
    return ReferralView(
        id=str(referral.id),
        queue=referral.queue,
        priority=referral.priority,
        status=referral.status,
        explanation=explanation.sentence,
        rule_ids=explanation.rule_ids,
    )
