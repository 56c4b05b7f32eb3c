"""The one small interface every channel implements (choosing one: `channel_choice`).

A channel takes a rendered `Outgoing` message and either returns (the far end
accepted it) or raises `TemporaryFailure` (try again later) or
`PermanentFailure` (trying again cannot help). Error texts carry a class name or
a status code only, never an address or a server's reply (which may quote one).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.charset import Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
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


_UTF8 = Charset("utf-8")
# The text as it is: 7bit when it is ASCII, else 8bit (None: documented, not in the stubs).
_UTF8.body_encoding = None  # type: ignore[assignment]


def build_email(outgoing: Outgoing, default_sender: str) -> Message:
    """The MIME message; its Message-ID is fixed per row, so a repeat is recognisable.

    Built with the classic (compat32) classes rather than `EmailMessage`: the same
    message on the wire (a reader decodes it alike), made in a third of the time,
    which counts when every intake sends a message to each of a queue's staff.
    """
    sender = outgoing.sender or default_sender
    domain = sender.rpartition("@")[2] or "clinic.invalid"
    message = _text(outgoing.text, "plain")
    if outgoing.html is not None:
        message = MIMEMultipart("alternative", _subparts=[message, _text(outgoing.html, "html")])
    message["From"] = sender
    message["To"] = outgoing.to
    subject = outgoing.subject
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<{outgoing.key}@{domain}>"
    return message


def _text(text: str, subtype: str) -> Message:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(text, _UTF8)  # sets the charset and the transfer encoding
    return part


def development_folder() -> Path:
    """Where the development channels write messages: `<instance>/messages/`."""
    return Path(current_app.instance_path) / "messages"
