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

A stored document that does not match its definition, holds text that is not
acceptable (clinic.text: an unpaired surrogate, a control character) or cannot
be decrypted cannot be read; the error names the fields, never their values
(which may be answers or contact details). Messages treat such a document as
missing, staff pages say that part could not be displayed (`Reading`), and it
is logged by row id; the intake and routing, which cannot go on without it,
raise `UnreadableDocument`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Self, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from clinic.models import IntakeSubmission, Referral, ReferralEvent, ReferralNote, Rescreen
from clinic.models.encryption import DecryptionError
from clinic.settings.languages import LANGUAGES
from clinic.text import json_problems
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


def _top(path: str, what: str) -> str:
    """The document's own key a dotted path starts with (`what` for the whole document)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0] or what


def parse(definition: type[D], value: object, *, what: str) -> D:
    """`value` read as `definition`, or `UnreadableDocument` naming the fields that do not fit
    (a value or key that is not acceptable text, clinic.text, does not fit either)."""
    bad_text = {_top(path, what) for path, _problem in json_problems(value, lines=True)}
    if bad_text:
        raise UnreadableDocument(what, sorted(bad_text))
    try:
        return definition.model_validate(value)
    except ValidationError as exc:
        fields = {str(error["loc"][0]) if error["loc"] else what for error in exc.errors()}
        raise UnreadableDocument(what, sorted(fields)) from None


T = TypeVar("T")


@dataclass(frozen=True)
class Reading(Generic[T]):
    """A stored document as a page reads it: the document, or why there is none."""

    document: T | None
    unreadable: bool = False
    """It is stored but could not be decrypted or does not fit its definition."""


UNREADABLE_STORED_VALUE = (DecryptionError, ValueError)
"""What reading an encrypted value raises when it cannot be read (ValueError: not JSON)."""


def stored_value(load: Callable[[], object], *, row: tuple[str, object], what: str) -> Reading[Any]:
    """A stored encrypted value, or unreadable when it cannot be decrypted (logged by row id)."""
    try:
        return Reading(load())
    except UNREADABLE_STORED_VALUE as exc:
        problem = type(exc).__name__
        log.warning("%s %s: the %s cannot be decrypted: %s", row[0], row[1], what, problem)
        return Reading(None, unreadable=True)


def _reading(
    definition: type[D], load: Callable[[], object], *, what: str, row: tuple[str, object]
) -> Reading[D]:
    """A stored document: absent, read, or unreadable (logged by row id, never a value)."""
    stored = stored_value(load, row=row, what=what)
    if stored.unreadable or stored.document is None:
        return Reading(None, unreadable=stored.unreadable)
    try:
        return Reading(parse(definition, stored.document, what=what))
    except UnreadableDocument as exc:
        log.warning("%s %s: %s", row[0], row[1], exc)
        return Reading(None, unreadable=True)


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


def answers_reading(submission: IntakeSubmission) -> Reading[AnswersDocument]:
    """The intake's answers for a page: absent, read or unreadable."""
    return _reading(
        AnswersDocument, lambda: submission.answers, what="answers document", row=_row(submission)
    )


def readable_answers_of(submission: IntakeSubmission) -> AnswersDocument | None:
    """The intake's answers for a page: None when there are none or they cannot be read."""
    return answers_reading(submission).document


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


def contact_reading(submission: IntakeSubmission) -> Reading[ContactDocument]:
    """The intake's contact wishes for a page: absent, read or unreadable."""
    return _reading(
        ContactDocument, lambda: submission.contact, what="contact document", row=_row(submission)
    )


def contact_of(submission: IntakeSubmission) -> ContactDocument | None:
    """The intake's contact wishes; None when there are none or they cannot be read."""
    return contact_reading(submission).document


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 ()./-]{7,24}$"
SAFE_TIMES = ("weekday_morning", "weekday_afternoon", "weekday_evening", "weekend")


class ChannelWishInput(ChannelWish):
    model_config = ConfigDict(extra="forbid")


class PhoneWishInput(PhoneWish):
    model_config = ConfigDict(extra="forbid")


class ChannelWishesInput(ChannelWishes):
    model_config = ConfigDict(extra="forbid")

    email: ChannelWishInput = ChannelWishInput()
    phone: PhoneWishInput = PhoneWishInput()
    text: ChannelWishInput = ChannelWishInput()


class ContactInput(ContactDocument):
    """A contact document sent to the clinic (the JSON API): the web form's rules.

    The contact form (clinic.intake.pages.forms.ContactForm) writes only documents
    that fit these; the API is refused one that does not, key by key.
    """

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=80)] | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)] | None = None
    phone: Annotated[str, StringConstraints(pattern=PHONE_PATTERN)] | None = None
    channels: ChannelWishesInput = ChannelWishesInput()

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGES:
            raise ValueError("not a language of the intake")
        return value

    @field_validator("safe_times")
    @classmethod
    def _known_times(cls, value: list[str]) -> list[str]:
        if any(time not in SAFE_TIMES for time in value) or len(set(value)) != len(value):
            raise ValueError("not safe times of the contact form")
        return value

    def missing_details(self) -> list[str]:
        """The details an allowed channel needs and the document leaves out (as the form)."""
        missing = []
        if (self.channels.phone.allowed or self.channels.text.allowed) and not self.phone:
            missing.append("phone")
        if self.channels.email.allowed and not self.email:
            missing.append("email")
        return missing


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


def decision_reading(submission: IntakeSubmission) -> Reading[DecisionDocument]:
    """The intake's routing decision for a page: absent, read or unreadable."""
    return _reading(
        DecisionDocument,
        lambda: submission.decision,
        what="decision document",
        row=_row(submission),
    )


def decision_of(submission: IntakeSubmission) -> DecisionDocument | None:
    """The intake's routing decision; None when it has none or it cannot be read."""
    return decision_reading(submission).document


def explanation_reading(referral: Referral) -> Reading[Explanation]:
    """Why the referral was made, for a page: absent, read or unreadable."""
    return _reading(
        Explanation,
        lambda: referral.explanation,
        what="explanation document",
        row=("referral", referral.id),
    )


def explanation_of(referral: Referral) -> Explanation | None:
    """Why the referral was made; None when it has no explanation or it cannot be read."""
    return explanation_reading(referral).document


def scores_reading(
    submission: IntakeSubmission | Rescreen,
) -> Reading[dict[str, dict[str, Any]]]:
    """An intake's or a re-screen's scores for a page: absent, read (an object of objects) or
    unreadable."""
    stored = stored_value(lambda: submission.scores, row=_row(submission), what="scores")
    value = stored.document
    if stored.unreadable or value is None:
        return Reading(None, unreadable=stored.unreadable)
    fits = isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())
    if not fits or any(True for _ in json_problems(value)):
        log.warning("%s %s: the scores do not fit", *_row(submission))
        return Reading(None, unreadable=True)
    return Reading(value)


def note_text_reading(note: ReferralNote) -> Reading[str]:
    """A note's text for a page: read, or unreadable (not decrypted, or not acceptable text)."""
    stored = stored_value(lambda: note.text, row=("referral_note", note.id), what="note")
    text = stored.document
    if stored.unreadable:
        return Reading(None, unreadable=True)
    if not isinstance(text, str) or any(True for _ in json_problems(text, lines=True)):
        log.warning("referral_note %s: the note is not acceptable text", note.id)
        return Reading(None, unreadable=True)
    return Reading(text)


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
    rescreen_id: str | None = None
    priority_from: str | None = None
    priority_to: str | None = None
    findings: list[str] | None = None
    """A re-screen's findings as codes (`acute`, `suicide_risk`, `deteriorated:phq9`); the
    sentences are in the re-screen's encrypted assessment."""

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def event_detail_of(event: ReferralEvent) -> ReferralEventDetail:
    """The event's detail; an empty one when it cannot be read."""
    detail = _reading(
        ReferralEventDetail,
        lambda: event.detail,
        what="event detail",
        row=("referral_event", event.id),
    ).document
    return detail or ReferralEventDetail()


def _row(submission: IntakeSubmission | Rescreen) -> tuple[str, uuid.UUID]:
    return (submission.__tablename__, submission.id)
