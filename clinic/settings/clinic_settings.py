"""Clinic settings: what clients read (name, crisis resources, response time) and draft rules.

Defaults are in `config/clinic.yaml`; the CLINIC_SETTINGS environment variable may
name a clinic's own file, merged over the defaults (mappings key by key, lists whole).
`load_clinic_settings` reads both and checks the result with the pydantic models
below (the `notifications` section with those in `clinic.settings.notification_settings`) at
start-up; errors name the file, the key and the rule broken. The app keeps the
result in `app.extensions["clinic_settings"]`; read it with `clinic_settings()`.

Adding a key: put its default in `config/clinic.yaml`, a typed field in `ClinicFile`
(the value types here check what clients read: `ClientText`, URLs, whole numbers in a
range) and in `ClinicSettings`, and pass it on in `ClinicFile.to_settings`. Keys the
models do not know are ignored; every key is also kept in `ClinicSettings.raw`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Self, TypeVar
from urllib.parse import urlsplit

import yaml
from flask import current_app
from pydantic import (
    BeforeValidator,
    PlainValidator,
    StrictBool,
    ValidationError,
    model_validator,
)

from clinic.settings.languages import DEFAULT_LANGUAGE, LANGUAGES
from clinic.settings.notification_settings import NotificationSettings, parse_notifications
from clinic.settings.rescreen_settings import RescreenSettings, parse_rescreen
from clinic.settings.schema import Entry, Location, Section, key_of, problem, refuse_at

# libyaml's parser when PyYAML has it (as forms.fields): every app start reads these files.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULTS_FILE = Path(__file__).resolve().parents[2] / "config" / "clinic.yaml"


class ClinicSettingsError(ValueError):
    """A clinic settings file is broken; the message names the file and the key."""

    def __init__(self, file: Path | str, key: str, message: str) -> None:
        self.file = Path(file)
        self.key = key
        super().__init__(f"{self.file}: {key}: {message}")


@dataclass(frozen=True)
class LocalText:
    """Text in one or more languages; `en` is the fallback."""

    values: Mapping[str, str]

    def get(self, language: str | None = None) -> str:
        return self.values.get(language or DEFAULT_LANGUAGE) or self.values[DEFAULT_LANGUAGE]

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class CrisisResource:
    """A service clients can reach: a crisis, domestic-violence or child-abuse line."""

    label: LocalText
    detail: LocalText | None
    href: LocalText | None


@dataclass(frozen=True)
class ClinicSettings:
    name: LocalText
    response_time: LocalText
    what_happens_next: LocalText
    time_to_complete: LocalText
    phone: str | None
    crisis_resources: tuple[CrisisResource, ...]
    domestic_violence_resources: tuple[CrisisResource, ...]
    child_abuse_resources: tuple[CrisisResource, ...]
    quick_exit_url: str
    safety_tips_url: str | None
    draft_expiry_days: int
    acute_autosubmit_minutes: int
    suicide_risk_autosubmit_minutes: int
    privacy_notice_version: str
    notifications: NotificationSettings
    expected_wait_on_confirmation: bool = False
    rescreen: RescreenSettings = field(default_factory=RescreenSettings)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(file: Path) -> dict[str, Any]:
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise ClinicSettingsError(file, "<file>", f"cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ClinicSettingsError(file, "<file>", f"is not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ClinicSettingsError(file, "<top>", "must be a mapping of keys to values")
    return data


def _local_text(value: object) -> LocalText:
    if isinstance(value, str) and value.strip():
        return LocalText({DEFAULT_LANGUAGE: value.strip()})
    if not isinstance(value, Mapping):
        raise problem("must be text, or a mapping of language code to text")
    unknown = sorted(set(value) - set(LANGUAGES), key=str)
    if unknown:
        raise problem(f"unknown language {unknown[0]!r} (use {', '.join(LANGUAGES)})")
    texts = {lang: text.strip() for lang, text in value.items() if isinstance(text, str)}
    if len(texts) != len(value) or not all(texts.values()):
        raise problem("every language needs non-empty text")
    if DEFAULT_LANGUAGE not in texts:
        raise problem(f"needs an {DEFAULT_LANGUAGE!r} text")
    return LocalText(texts)


def _url(*schemes: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or urlsplit(value).scheme not in schemes:
            raise problem(f"must be a URL starting with {' or '.join(schemes)}:")
        if urlsplit(value).scheme in ("http", "https") and not urlsplit(value).netloc:
            raise problem("must name a site")
        return value

    return check


_resource_url = _url("https", "tel", "sms")


def _resource_href(value: object) -> LocalText:
    """A link in each language: `https:`, `tel:` or `sms:`."""
    href = _local_text(value)
    for text in href.values.values():
        _resource_url(text)
    return href


def _whole_number(minimum: int, maximum: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise problem(f"must be a whole number, got {value!r}")
        if not minimum <= value <= maximum:
            raise problem(f"must be between {minimum} and {maximum}, got {value}")
        return value

    return check


def _optional_text(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise problem("must be text or null")
    return value.strip()


def _required_text(value: object) -> str:
    text = _optional_text(value)
    if text is None:
        raise problem("is required")
    return text


def _resources(value: object) -> object:
    if not isinstance(value, list) or not value:
        raise problem("must be a non-empty list of {label, detail, href}")
    return value


ClientText = Annotated[LocalText, PlainValidator(_local_text)]
ResourceHref = Annotated[LocalText, PlainValidator(_resource_href)]
Minutes = Annotated[int, PlainValidator(_whole_number(5, 24 * 60))]


class ResourceEntry(Entry):
    """A service clients can reach, as written in the file."""

    shape = "a mapping with at least a label"
    label: ClientText
    detail: ClientText | None = None
    href: ResourceHref | None = None

    @classmethod
    def has_shape(cls, data: Mapping[Any, Any]) -> bool:
        return "label" in data

    def to_resource(self) -> CrisisResource:
        return CrisisResource(label=self.label, detail=self.detail, href=self.href)


Resources = Annotated[tuple[ResourceEntry, ...], BeforeValidator(_resources)]

_REPLACED: Final[Mapping[str, str]] = {
    "crisis_autosubmit_minutes": "acute_autosubmit_minutes and suicide_risk_autosubmit_minutes",
}
"""Keys of earlier versions, and what replaced them: a file still using one is refused."""


class ClinicFile(Section):
    """The settings file, defaults and the clinic's own merged (`notifications` apart)."""

    name: ClientText
    response_time: ClientText
    what_happens_next: ClientText
    time_to_complete: ClientText
    phone: Annotated[str | None, PlainValidator(_optional_text)]
    crisis_resources: Resources
    domestic_violence_resources: Resources
    child_abuse_resources: Resources
    quick_exit_url: Annotated[str, PlainValidator(_url("https"))]
    safety_tips_url: Annotated[str, PlainValidator(_url("https"))] | None
    draft_expiry_days: Annotated[int, PlainValidator(_whole_number(1, 365))]
    acute_autosubmit_minutes: Minutes
    suicide_risk_autosubmit_minutes: Minutes
    privacy_notice_version: Annotated[str, PlainValidator(_required_text)]
    expected_wait_on_confirmation: StrictBool

    @model_validator(mode="before")
    @classmethod
    def _no_replaced_keys(cls, data: object) -> object:
        for key, replacement in _REPLACED.items():
            if isinstance(data, Mapping) and key in data:
                refuse_at((key,), f"was replaced by {replacement}", data[key])
        return data

    @model_validator(mode="after")
    def _acute_is_sent_first(self) -> Self:
        """Never longer than for suicide risk alone: an acute draft is the more urgent."""
        acute, risk = self.acute_autosubmit_minutes, self.suicide_risk_autosubmit_minutes
        if acute > risk:
            refuse_at(
                ("acute_autosubmit_minutes",),
                f"must not be more than suicide_risk_autosubmit_minutes ({risk}), got {acute}",
                acute,
            )
        return self

    def to_settings(
        self,
        notifications: NotificationSettings,
        raw: Mapping[str, Any],
        rescreen: RescreenSettings | None = None,
    ) -> ClinicSettings:
        return ClinicSettings(
            name=self.name,
            response_time=self.response_time,
            what_happens_next=self.what_happens_next,
            time_to_complete=self.time_to_complete,
            phone=self.phone,
            crisis_resources=_to_resources(self.crisis_resources),
            domestic_violence_resources=_to_resources(self.domestic_violence_resources),
            child_abuse_resources=_to_resources(self.child_abuse_resources),
            quick_exit_url=self.quick_exit_url,
            safety_tips_url=self.safety_tips_url,
            draft_expiry_days=self.draft_expiry_days,
            acute_autosubmit_minutes=self.acute_autosubmit_minutes,
            suicide_risk_autosubmit_minutes=self.suicide_risk_autosubmit_minutes,
            privacy_notice_version=self.privacy_notice_version,
            notifications=notifications,
            expected_wait_on_confirmation=self.expected_wait_on_confirmation,
            rescreen=rescreen or RescreenSettings(),
            raw=raw,
        )


def _to_resources(entries: tuple[ResourceEntry, ...]) -> tuple[CrisisResource, ...]:
    return tuple(entry.to_resource() for entry in entries)


T = TypeVar("T")


def _checked(file: Path, read: Callable[[], T], where: Location = ()) -> T:
    """`read()`'s result; its validation errors as one error naming the file and the keys."""
    try:
        return read()
    except ValidationError as error:
        first, *others = [(key_of((*where, *e["loc"])), e["msg"]) for e in error.errors()]
        also = "".join(f"\n{file}: {key}: {message}" for key, message in others)
        raise ClinicSettingsError(file, first[0], first[1] + also) from None


def _parse(file: Path, data: Mapping[str, Any]) -> ClinicSettings:
    clinic = _checked(file, lambda: ClinicFile.model_validate(data))
    notifications = _checked(
        file, lambda: parse_notifications(data.get("notifications")), ("notifications",)
    )
    rescreen = _checked(file, lambda: parse_rescreen(data.get("rescreen")), ("rescreen",))
    return clinic.to_settings(notifications, raw=data, rescreen=rescreen)


def load_clinic_settings(path: str | Path | None = None) -> ClinicSettings:
    """The defaults, with the clinic's own file (if any) merged over them, checked."""
    data = _read(DEFAULTS_FILE)
    file = DEFAULTS_FILE
    if path:
        file = Path(path)
        data = _merge(data, _read(file))
    return _parse(file, data)


def clinic_settings() -> ClinicSettings:
    """The current app's clinic settings."""
    settings: ClinicSettings = current_app.extensions["clinic_settings"]
    return settings
