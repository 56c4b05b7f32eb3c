"""Clinic settings: what clients read (name, crisis resources, response time) and draft rules.

Defaults are in `config/clinic.yaml`; the CLINIC_SETTINGS environment variable may
name a clinic's own file, merged over the defaults (mappings key by key, lists whole).
`load_clinic_settings` reads and checks both at start-up; errors name the file and
the key. The app keeps the result in `app.extensions["clinic_settings"]`; read it
with `clinic_settings()`.

Adding a key: put its default in `config/clinic.yaml`, add a typed field to
`ClinicSettings` and one line in `_parse` (helpers: `_text`, `_int`, `_url`,
`_optional_str`). Every key, known or not, is also kept in `ClinicSettings.raw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml
from flask import current_app

if TYPE_CHECKING:
    from clinic.notifications.settings import NotificationSettings

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "clinic.yaml"
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


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
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClinicSettingsError(file, "<file>", f"cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ClinicSettingsError(file, "<file>", f"is not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ClinicSettingsError(file, "<top>", "must be a mapping of keys to values")
    return data


class _Reader:
    def __init__(self, file: Path, data: Mapping[str, Any]) -> None:
        self.file = file
        self.data = data

    def fail(self, key: str, message: str) -> ClinicSettingsError:
        return ClinicSettingsError(self.file, key, message)

    def text_value(self, key: str, value: object) -> LocalText:
        if isinstance(value, str) and value.strip():
            return LocalText({DEFAULT_LANGUAGE: value.strip()})
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - set(LANGUAGES))
            if unknown:
                raise self.fail(
                    key, f"unknown language {unknown[0]!r} (use {', '.join(LANGUAGES)})"
                )
            texts = {lang: text.strip() for lang, text in value.items() if isinstance(text, str)}
            if len(texts) != len(value) or not all(texts.values()):
                raise self.fail(key, "every language needs non-empty text")
            if DEFAULT_LANGUAGE not in texts:
                raise self.fail(key, f"needs an {DEFAULT_LANGUAGE!r} text")
            return LocalText(texts)
        raise self.fail(key, "must be text, or a mapping of language code to text")

    def text(self, key: str) -> LocalText:
        return self.text_value(key, self.data.get(key))

    def int(self, key: str, minimum: int, maximum: int) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, got {value!r}")
        if not minimum <= value <= maximum:
            raise self.fail(key, f"must be between {minimum} and {maximum}, got {value}")
        return value

    def optional_str(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be text or null")
        return value.strip()

    def url(self, key: str, value: object, schemes: tuple[str, ...] = ("https",)) -> str:
        if not isinstance(value, str) or urlsplit(value).scheme not in schemes:
            raise self.fail(key, f"must be a URL starting with {' or '.join(schemes)}:")
        if urlsplit(value).scheme in ("http", "https") and not urlsplit(value).netloc:
            raise self.fail(key, "must name a site")
        return value

    def resources(self, key: str) -> tuple[CrisisResource, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list of {label, detail, href}")
        resources = []
        for index, entry in enumerate(value):
            where = f"{key}[{index}]"
            if not isinstance(entry, Mapping) or "label" not in entry:
                raise self.fail(where, "must be a mapping with at least a label")
            extra = sorted(set(entry) - {"label", "detail", "href"})
            if extra:
                raise self.fail(f"{where}.{extra[0]}", "unknown key (use label, detail, href)")
            href = None
            if entry.get("href") is not None:
                href = self.text_value(f"{where}.href", entry["href"])
                for text in href.values.values():
                    self.url(f"{where}.href", text, ("https", "tel", "sms"))
            detail = entry.get("detail")
            resources.append(
                CrisisResource(
                    label=self.text_value(f"{where}.label", entry["label"]),
                    detail=None if detail is None else self.text_value(f"{where}.detail", detail),
                    href=href,
                )
            )
        return tuple(resources)


def _parse(file: Path, data: Mapping[str, Any]) -> ClinicSettings:
    from clinic.notifications.settings import parse_notifications  # its package imports models

    read = _Reader(file, data)
    safety_tips = data.get("safety_tips_url")
    return ClinicSettings(
        name=read.text("name"),
        response_time=read.text("response_time"),
        what_happens_next=read.text("what_happens_next"),
        time_to_complete=read.text("time_to_complete"),
        phone=read.optional_str("phone"),
        crisis_resources=read.resources("crisis_resources"),
        domestic_violence_resources=read.resources("domestic_violence_resources"),
        child_abuse_resources=read.resources("child_abuse_resources"),
        quick_exit_url=read.url("quick_exit_url", data.get("quick_exit_url")),
        safety_tips_url=None if safety_tips is None else read.url("safety_tips_url", safety_tips),
        draft_expiry_days=read.int("draft_expiry_days", 1, 365),
        acute_autosubmit_minutes=_acute_autosubmit_minutes(read),
        suicide_risk_autosubmit_minutes=read.int("suicide_risk_autosubmit_minutes", 5, 24 * 60),
        privacy_notice_version=str(read.optional_str("privacy_notice_version") or "")
        or _missing(read, "privacy_notice_version"),
        notifications=parse_notifications(data.get("notifications"), read.fail),
        raw=data,
    )


def _acute_autosubmit_minutes(read: _Reader) -> int:
    """Never longer than for suicide risk alone: an acute draft is the more urgent."""
    if "crisis_autosubmit_minutes" in read.data:
        raise read.fail(
            "crisis_autosubmit_minutes",
            "was replaced by acute_autosubmit_minutes and suicide_risk_autosubmit_minutes",
        )
    acute = read.int("acute_autosubmit_minutes", 5, 24 * 60)
    risk = read.int("suicide_risk_autosubmit_minutes", 5, 24 * 60)
    if acute > risk:
        raise read.fail(
            "acute_autosubmit_minutes",
            f"must not be more than suicide_risk_autosubmit_minutes ({risk}), got {acute}",
        )
    return acute


def _missing(read: _Reader, key: str) -> str:
    raise read.fail(key, "is required")


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
