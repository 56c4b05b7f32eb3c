"""The one small interface every channel implements (choosing one: `channel_choice`).

A channel takes a rendered `Outgoing` message and either returns (the far end
accepted it) or raises `TemporaryFailure` (try again later) or
`PermanentFailure` (trying again cannot help). Error texts carry a class name or
a status code only, never an address or a server's reply (which may quote one).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol

from flask import current_app


@dataclass(frozen=True)
class Outgoing:
    """A rendered message. `key` is the message row id: the same on every try."""

    key: str
    to: str
    subject: str
    text: str
    html: str | None = None
    sender: str | None = None


class DeliveryFailure(Exception):
    """Base of the two outcomes a channel may raise; `str()` is safe to store."""


class TemporaryFailure(DeliveryFailure):
    """The far end could not take it now (connection refused, timeout, 4xx)."""


class PermanentFailure(DeliveryFailure):
    """The far end refused it for good (5xx, a bad address, a missing setting)."""


class Channel(Protocol):
    def send(self, outgoing: Outgoing) -> None: ...


def build_email(outgoing: Outgoing, default_sender: str) -> EmailMessage:
    """The MIME message; its Message-ID is fixed per row, so a repeat is recognisable."""
    sender = outgoing.sender or default_sender
    domain = sender.rpartition("@")[2] or "clinic.invalid"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<{outgoing.key}@{domain}>"
    message.set_content(outgoing.text)
    if outgoing.html is not None:
        message.add_alternative(outgoing.html, subtype="html")
    return message


def development_folder() -> Path:
    """Where the development channels write messages: `<instance>/messages/`."""
    return Path(current_app.instance_path) / "messages"
