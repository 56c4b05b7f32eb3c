"""Rendering messages from `templates/email/<language>/<template>.*`.

Each message has a one-line subject (`.subject.txt`), a text body (`.txt`), an
HTML body (`.html`, autoescaped) and, where it can go by text message, an SMS
body (`.sms.txt`). Templates get only what the message may say: links, counts
and the clinic's name where the client allowed it — never answers or names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def language_of(value: object) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else "en"


def _render(name: str, values: Mapping[str, Any]) -> str:
    """Only `values`: no request context and no context processors (workers have neither)."""
    return current_app.jinja_env.get_template(name).render(**values)


def render(template: str, language: str, channel: str, values: Mapping[str, Any]) -> Rendered:
    """The message as `channel` sends it: an email has all three parts, an SMS text only."""
    base = f"email/{language_of(language)}/{template}"
    if channel == "sms":
        return Rendered("", _render(f"{base}.sms.txt", values).strip() + "\n", None)
    subject = " ".join(_render(f"{base}.subject.txt", values).split())
    text = _render(f"{base}.txt", values).strip() + "\n"
    return Rendered(subject, text, _render(f"{base}.html", values))
