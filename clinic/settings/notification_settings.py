"""The `notifications` section of the clinic settings (config/clinic.yaml).

Who hears about new referrals, and how often: the on-call contacts paged for
urgent ones, each queue's shared address and digest interval, and how often an
unacknowledged urgent page repeats. Minutes may be fractions (tests use that).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Fail = Callable[[str, str], Exception]
SECTION = "notifications"
LANGUAGES = ("en", "es")


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


def _minutes(fail: Fail, key: str, value: object, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise fail(key, f"must be a number of minutes of at least {minimum:g}, got {value!r}")
    return float(value)


def _address(fail: Fail, key: str, value: object, kind: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(key, f"must be {kind} or null")
    text = value.strip()
    if kind == "an email address" and "@" not in text:
        raise fail(key, f"must be {kind}, got {text!r}")
    return text


def _on_call(fail: Fail, value: object) -> tuple[OnCallContact, ...]:
    key = f"{SECTION}.on_call"
    if not isinstance(value, list):
        raise fail(key, "must be a list of {name, email, sms}")
    contacts = []
    for index, entry in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise fail(where, "must be a mapping with a name, and an email or sms")
        extra = sorted(set(entry) - {"name", "email", "sms"})
        if extra:
            raise fail(f"{where}.{extra[0]}", "unknown key (use name, email, sms)")
        contact = OnCallContact(
            name=entry["name"].strip(),
            email=_address(fail, f"{where}.email", entry.get("email"), "an email address"),
            sms=_address(fail, f"{where}.sms", entry.get("sms"), "a phone number"),
        )
        if not (contact.email or contact.sms):
            raise fail(where, "needs an email or an sms number")
        contacts.append(contact)
    if len({c.name for c in contacts}) != len(contacts):
        raise fail(key, "names must be different")
    return tuple(contacts)


def _queues(fail: Fail, value: object) -> dict[str, QueueNotifications]:
    key = f"{SECTION}.queues"
    if not isinstance(value, Mapping):
        raise fail(key, "must map queue names to {address, digest_minutes}")
    queues = {}
    for queue, entry in value.items():
        where = f"{key}.{queue}"
        if not isinstance(entry, Mapping):
            raise fail(where, "must be a mapping with address and digest_minutes")
        extra = sorted(set(entry) - {"address", "digest_minutes"})
        if extra:
            raise fail(f"{where}.{extra[0]}", "unknown key (use address, digest_minutes)")
        queues[str(queue)] = QueueNotifications(
            address=_address(fail, f"{where}.address", entry.get("address"), "an email address"),
            digest_minutes=_minutes(
                fail, f"{where}.digest_minutes", entry.get("digest_minutes", 0), 0
            ),
        )
    return queues


def parse_notifications(value: object, fail: Fail) -> NotificationSettings:
    """Check the section; `fail(key, message)` makes the loader's error naming the file."""
    if not isinstance(value, Mapping):
        raise fail(SECTION, "must be a mapping")
    data: Mapping[str, Any] = value
    language = data.get("staff_language", "en")
    if language not in LANGUAGES:
        raise fail(f"{SECTION}.staff_language", f"must be one of {', '.join(LANGUAGES)}")
    return NotificationSettings(
        staff_language=language,
        on_call=_on_call(fail, data.get("on_call") or []),
        urgent_repeat_minutes=_minutes(
            fail, f"{SECTION}.urgent_repeat_minutes", data.get("urgent_repeat_minutes"), 0.01
        ),
        client_sender=_address(
            fail, f"{SECTION}.client_sender", data.get("client_sender"), "an email address"
        ),
        queues=_queues(fail, data.get("queues") or {}),
    )
