"""The JSON API's request and response bodies, as pydantic models.

The views validate requests with these models and build their answers from them, and
`clinic.api.openapi` publishes their JSON Schemas: the description cannot drift from
what the views do. Error bodies (`ErrorBody`) are those of `clinic.api.errors`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

import forms
from clinic.models.documents import ContactInput


def _known_path(value: str) -> str:
    if value not in forms.PATHS:
        raise ValueError("not a path")
    return value


class Body(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)


class IntakeRequest(Body):
    """An intake to submit: the respondent path, the subject's age, the answers (item id
    to answer code, or null for "prefer not to answer") and the contact wishes."""

    model_config = ConfigDict(
        title="IntakeRequest",
        json_schema_extra={
            "examples": [
                {
                    "path": "adult_self",
                    "subject_age": 34,
                    "answers": {"safety.now": 1, "phq9.1": 2, "phq9.9": None},
                    "contact": {
                        "email": "client@example.org",
                        "channels": {"email": {"allowed": True}},
                    },
                }
            ]
        },
    )

    path: Annotated[
        str,
        AfterValidator(_known_path),
        Field(json_schema_extra={"enum": list(forms.PATHS)}, description="respondent path"),
    ]
    subject_age: Annotated[int, Field(ge=0, description="the subject's age in whole years")]
    answers: dict[str, int | None] = Field(
        default={}, description='item id → answer code; null is "prefer not to answer"'
    )
    contact: ContactInput = Field(
        default=ContactInput(), description="how the clinic may reach the client"
    )


REQUEST_FIELD_MESSAGES = {
    "path": f"one of {', '.join(forms.PATHS)}",
    "subject_age": "a whole number of years",
    "answers": "an object of item id to code or null",
    "contact": "an object",
}
"""The message of a top-level field of `IntakeRequest` that does not validate."""


class FieldError(Body):
    field: str = Field(description='the field, e.g. "subject_age", "phq9.1", "contact.email"')
    message: str


class ErrorBody(Body):
    """Every error of the API (4xx and 5xx): what went wrong, with each bad field when
    fields are named, and the scope missing on a 403."""

    error: str
    errors: list[FieldError] | None = None
    scope: str | None = None


class IntakeCreated(Body):
    id: str = Field(description="the intake's id (a UUID)")


class ReferralView(Body):
    id: str
    queue: str
    priority: str
    status: str
    explanation: str = Field(description="why the referral was made, in plain words")
    rule_ids: list[str]


class IntakeView(Body):
    """A submitted intake: its status, scores, flags and referrals."""

    id: str
    reference: str | None = Field(description="the readable reference staff and client see")
    path: str
    status: str
    partial: bool
    left_at_crisis_page: bool
    scores: dict[str, dict[str, Any]] = Field(description="instrument id → its score")
    flags: list[str]
    priority: str | None
    rules_version: str | None
    routing_error: str | None
    referrals: list[ReferralView]
    unreadable: list[str] = Field(description="parts stored that could not be read")


class WaitView(Body):
    queue: str
    priority: str
    median_days: float
    p90_days: float
    referrals: int


class QueueWaits(Body):
    window_days: int
    waits: list[WaitView]
