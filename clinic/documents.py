"""The JSON documents the clinic stores and passes on, one typed definition each.

An intake's answers and contact wishes, the routing decision, each referral's
explanation and the details of referral and audit events are kept as JSON
(encrypted where they hold anything personal). Everything reads and writes them
through this module: `stored()` gives the JSON value to keep, and the readers
below parse a stored value in one place.

A document keeps exactly the keys it was given: fields left out stay out of the
stored JSON (a contact document sent through the API keeps its own shape), and
keys this module does not define are kept as they were. Values are checked
strictly, as JSON has them: a flag is `true` or `false`, never `"yes"` or `1`.

A stored document that does not match its definition cannot be read; the error
names the fields, never their values (which may be answers or contact details).
Pages and messages treat such a document as missing (and it is logged, by row id);
the intake and routing, which cannot go on without it, raise `UnreadableDocument`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from clinic.models import IntakeSubmission, Referral, ReferralEvent
    from referrals import Decision

log = logging.getLogger(__name__)

JSONValue: TypeAlias = (
    str | int | float | bool | Sequence["JSONValue"] | Mapping[str, "JSONValue"] | None
)
AuditDetail: TypeAlias = Mapping[str, JSONValue]
"""An audit event's detail: ids, codes and counts, never answers or contact details."""


class UnreadableDocument(ValueError):
    """A document does not match its definition (the message names fields, never values)."""

    def __init__(self, what: str, fields: Sequence[str] = ()) -> None:
        self.fields = tuple(fields)
        problem = f"does not fit: {', '.join(self.fields)}" if self.fields else "is missing"
        super().__init__(f"the {what} {problem}")


class Document(BaseModel):
    """A stored JSON document: strict JSON types, unknown keys kept, left-out keys left out."""

    model_config = ConfigDict(frozen=True, extra="allow", strict=True, hide_input_in_errors=True)

    def stored(self) -> dict[str, Any]:
        """The JSON value to store: the keys this document was given, and no others."""
        return self.model_dump(mode="json", exclude_unset=True)

    def merged(self, other: Self) -> Self:
        """This document with the keys `other` was given replaced by other's values."""
        given = {name: getattr(other, name) for name in other.model_fields_set}
        return self.model_copy(update=given)


D = TypeVar("D", bound=Document)


def parse(definition: type[D], value: object, *, what: str) -> D:
    """`value` read as `definition`, or `UnreadableDocument` naming the fields that do not fit."""
    try:
        return definition.model_validate(value)
    except ValidationError as exc:
        fields = {str(error["loc"][0]) if error["loc"] else what for error in exc.errors()}
        raise UnreadableDocument(what, sorted(fields)) from None


def _read(definition: type[D], value: object, *, what: str, row: tuple[str, object]) -> D | None:
    """A stored document, or None when there is none or it cannot be read (logged by row id)."""
    if value is None:
        return None
    try:
        return parse(definition, value, what=what)
    except UnreadableDocument as exc:
        log.warning("%s %s: %s", row[0], row[1], exc)
        return None


# Answers ---------------------------------------------------------------------------------


class AnswersDocument(Document):
    """`IntakeSubmission.answers`: the subject's age and sex and every answer so far.

    An answer is the option's code, or None for "prefer not to answer"; an item not
    asked has no key.
    """

    subject_age: int
    sex: str | None = None
    answers: dict[str, int | None] = {}

    def with_answers(self, answers: Mapping[str, int | None]) -> Self:
        """This document with `answers` in place of the answers it had."""
        return self.model_copy(update={"answers": dict(answers)})

    def with_sex(self, sex: str | None) -> Self:
        return self.model_copy(update={"sex": sex})


def answers_of(submission: IntakeSubmission) -> AnswersDocument:
    """The intake's answers; `UnreadableDocument` when there are none or they cannot be read."""
    value = submission.answers
    if value is None:
        raise UnreadableDocument("answers document")
    return parse(AnswersDocument, value, what="answers document")


def readable_answers_of(submission: IntakeSubmission) -> AnswersDocument | None:
    """The intake's answers for a page: None when there are none or they cannot be read."""
    return _read(AnswersDocument, submission.answers, what="answers document", row=_row(submission))


# Contact wishes ----------------------------------------------------------------------------


class ChannelWish(Document):
    """Whether a channel may be used, and whether a message by it may name the clinic."""

    allowed: bool = False
    mention_clinic: bool = False


class PhoneWish(ChannelWish):
    leave_message: bool = False


class ChannelWishes(Document):
    email: ChannelWish = ChannelWish()
    phone: PhoneWish = PhoneWish()
    text: ChannelWish = ChannelWish()

    def wish(self, channel: str) -> ChannelWish:
        """The wish for `channel`: "email", "phone" or "text"."""
        return {"email": self.email, "phone": self.phone, "text": self.text}[channel]


class ContactDocument(Document):
    """`IntakeSubmission.contact`: contact details and the client's safe-contact wishes.

    Messages go only by a channel whose `allowed` is true. `caregiver_contact_ok`
    is asked of teenagers; None there means "prefer not to answer".
    """

    language: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    channels: ChannelWishes = ChannelWishes()
    safe_times: list[str] = []
    caregiver_contact_ok: bool | None = None
    resume_email_ok: bool = False

    @classmethod
    def empty(cls, language: str) -> Self:
        """The document before the client says anything: every key, no channel allowed."""
        return cls(
            language=language,
            name=None,
            email=None,
            phone=None,
            channels=ChannelWishes(
                email=ChannelWish(allowed=False, mention_clinic=False),
                phone=PhoneWish(allowed=False, leave_message=False, mention_clinic=False),
                text=ChannelWish(allowed=False, mention_clinic=False),
            ),
            safe_times=[],
            caregiver_contact_ok=None,
            resume_email_ok=False,
        )

    @property
    def caregiver_question_recorded(self) -> bool:
        """Whether the document holds an answer (or "prefer not to answer") about a carer."""
        return "caregiver_contact_ok" in self.model_fields_set


def contact_of(submission: IntakeSubmission) -> ContactDocument | None:
    """The intake's contact wishes; None when there are none or they cannot be read."""
    return _read(ContactDocument, submission.contact, what="contact document", row=_row(submission))


# Routing: the decision and each referral's explanation ---------------------------------------


class FactRecord(Document):
    value: bool
    evidence: list[str] = []


class ReferralReasons(Document):
    """One referral of a decision as the routing engine records it (`referrals` Referral)."""

    queue: str | None = None
    priority: str | None = None
    rule_ids: list[str] = []
    facts: dict[str, bool] = {}
    because: list[str] = []
    priority_rule_ids: list[str] = []
    priority_sentence: str = ""


class Explanation(ReferralReasons):
    """`Referral.explanation`: why this referral, and the sentence staff read.

    Routing writes the engine's record with its sentence; a referral that routing
    could not decide, or that staff rerouted, has rule ids, no facts and a sentence.
    """

    sentence: str = ""


class DecisionDocument(Document):
    """`IntakeSubmission.decision`: the routing decision (`referrals` Decision.as_dict())."""

    rules_version: str | None = None
    subject_age: int | None = None
    priority: str | None = None
    priority_because: list[str] = []
    priority_rule_ids: list[str] = []
    flags: list[str] = []
    referrals: list[ReferralReasons] = []
    notes: list[str] = []
    facts: dict[str, FactRecord] = {}
    explanation: list[str] = []

    @classmethod
    def of(cls, decision: Decision) -> Self:
        """The document of a decision the engine just made (checked against this definition)."""
        return parse(cls, decision.as_dict(), what="routing decision")


def decision_of(submission: IntakeSubmission) -> DecisionDocument | None:
    """The intake's routing decision; None when it has none or it cannot be read."""
    return _read(
        DecisionDocument, submission.decision, what="decision document", row=_row(submission)
    )


def explanation_of(referral: Referral) -> Explanation | None:
    """Why the referral was made; None when it has no explanation or it cannot be read."""
    return _read(
        Explanation,
        referral.explanation,
        what="explanation document",
        row=("referral", referral.id),
    )


# Referral events ---------------------------------------------------------------------------


class ReferralEventDetail(Document):
    """`ReferralEvent.detail`: ids and codes of one step, note or reroute (never free text).

    Only this module's fields, and only those that apply: a None is not stored.
    """

    model_config = ConfigDict(extra="forbid")

    action: str | None = None
    assignee_id: str | None = None
    reason: str | None = None
    channel: str | None = None
    outcome: str | None = None
    target_queue: str | None = None
    new_referral_id: str | None = None
    note_id: str | None = None
    rerouted_from: str | None = None

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def event_detail_of(event: ReferralEvent) -> ReferralEventDetail:
    """The event's detail; an empty one when it cannot be read."""
    detail = _read(
        ReferralEventDetail, event.detail, what="event detail", row=("referral_event", event.id)
    )
    return detail or ReferralEventDetail()


def _row(submission: IntakeSubmission) -> tuple[str, uuid.UUID]:
    return ("intake_submission", submission.id)
