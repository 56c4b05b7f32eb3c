"""The `notifications` section of the clinic settings (config/clinic.yaml).

Who hears about new referrals, and how often: the on-call contacts paged for
urgent ones, each queue's shared address and digest interval, and how often an
unacknowledged urgent page repeats. Minutes may be fractions (tests use that).
The section is checked by the pydantic models below, from the clinic settings loader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BeforeValidator, Field, PlainValidator, model_validator

from clinic.settings.languages import LANGUAGES
from clinic.settings.schema import Entry, Section, problem


@dataclass(frozen=True)
class OnCallContact:
    name: str
    email: str | None
    sms: str | None


@dataclass(frozen=True)
class QueueNotifications:
    address: str | None = None  # shared mailbox: gets the queue's messages instead of staff
    digest_minutes: float = 0  # 0: one message per routine referral, at once


@dataclass(frozen=True)
class NotificationSettings:
    staff_language: str = "en"
    on_call: tuple[OnCallContact, ...] = ()
    urgent_repeat_minutes: float = 10
    client_sender: str | None = None
    queues: Mapping[str, QueueNotifications] = field(default_factory=dict)

    def for_queue(self, queue: str) -> QueueNotifications:
        return self.queues.get(queue, QueueNotifications())


def _minutes(minimum: float) -> Callable[[object], float]:
    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise problem(f"must be a number of minutes of at least {minimum:g}, got {value!r}")
        return float(value)

    return check


def _address(kind: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise problem(f"must be {kind} or null")
        text = value.strip()
        if kind == "an email address" and "@" not in text:
            raise problem(f"must be {kind}, got {text!r}")
        return text

    return check


def _language(value: object) -> str:
    if value not in LANGUAGES:
        raise problem(f"must be one of {', '.join(LANGUAGES)}")
    return str(value)


def _contact_list(value: object) -> object:
    if not value:
        return []
    if not isinstance(value, list):
        raise problem("must be a list of {name, email, sms}")
    return value


def _queue_mapping(value: object) -> object:
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise problem("must map queue names to {address, digest_minutes}")
    return {str(queue): entry for queue, entry in value.items()}


Email = Annotated[str | None, PlainValidator(_address("an email address"))]
Phone = Annotated[str | None, PlainValidator(_address("a phone number"))]


class OnCallEntry(Entry):
    """An on-call contact as written in the file."""

    shape = "a mapping with a name, and an email or sms"
    name: str
    email: Email = None
    sms: Phone = None

    @classmethod
    def has_shape(cls, data: Mapping[Any, Any]) -> bool:
        return isinstance(data.get("name"), str)

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.email or self.sms):
            raise problem("needs an email or an sms number")
        return self

    def to_contact(self) -> OnCallContact:
        return OnCallContact(name=self.name.strip(), email=self.email, sms=self.sms)


def _names_differ(entries: tuple[OnCallEntry, ...]) -> tuple[OnCallEntry, ...]:
    if len({entry.name.strip() for entry in entries}) != len(entries):
        raise problem("names must be different")
    return entries


class QueueEntry(Entry):
    """A queue's notice settings as written in the file."""

    shape = "a mapping with address and digest_minutes"
    address: Email = None
    digest_minutes: Annotated[float, PlainValidator(_minutes(0))] = 0.0

    def to_queue(self) -> QueueNotifications:
        return QueueNotifications(address=self.address, digest_minutes=self.digest_minutes)


class NotificationsSection(Section):
    """The `notifications` section as written in the file."""

    staff_language: Annotated[str, PlainValidator(_language)] = "en"
    on_call: Annotated[
        tuple[OnCallEntry, ...], BeforeValidator(_contact_list), AfterValidator(_names_differ)
    ] = ()
    urgent_repeat_minutes: Annotated[float, PlainValidator(_minutes(0.01))]
    client_sender: Email
    queues: Annotated[dict[str, QueueEntry], BeforeValidator(_queue_mapping)] = Field(
        default_factory=dict
    )

    def to_settings(self) -> NotificationSettings:
        return NotificationSettings(
            staff_language=self.staff_language,
            on_call=tuple(entry.to_contact() for entry in self.on_call),
            urgent_repeat_minutes=self.urgent_repeat_minutes,
            client_sender=self.client_sender,
            queues={queue: entry.to_queue() for queue, entry in self.queues.items()},
        )


def parse_notifications(value: object) -> NotificationSettings:
    """Check the section; pydantic's `ValidationError` names the key inside it."""
    return NotificationsSection.model_validate(value).to_settings()
