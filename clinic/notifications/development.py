"""Development channels: each message becomes a file under `<instance>/messages/`.

The embedded default uses these when MAIL_SERVER (or SMS_PROVIDER) is empty.
Emails are written as `.eml` files exactly as they would be sent (open them in
any mail program); text messages as `.sms.txt`. The log names the file only.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from clinic.models.columns import utcnow
from clinic.notifications.channels import Outgoing, build_email

log = logging.getLogger(__name__)


def write_message(folder: Path, key: str, suffix: str, content: bytes) -> Path:
    """Write atomically (a reader never sees half a file); a repeat gets a file of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{key}{suffix}"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)
    log.info("development channel: message written to %s", path)
    return path


@dataclass(frozen=True)
class DevelopmentEmail:
    folder: Path
    sender: str

    def send(self, outgoing: Outgoing) -> None:
        message = build_email(outgoing, self.sender)
        write_message(self.folder, outgoing.key, ".eml", message.as_bytes())


@dataclass(frozen=True)
class DevelopmentSms:
    """The SMS provider of the embedded default."""

    folder: Path

    def send_sms(self, to: str, body: str, key: str) -> None:
        write_message(self.folder, key, ".sms.txt", f"To: {to}\n\n{body}\n".encode())
