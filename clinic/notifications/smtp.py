"""Email over SMTP, configured by Flask's MAIL_* settings.

Status codes decide what happens next: 4xx and connection problems are
temporary (retried with backoff), 5xx is permanent (the message fails at once).
Several messages (one recipient's, clinic.notifications.sending) can go over one
connection (`SmtpChannel.connection`); a failure drops it, and the next message
opens another.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from clinic.notifications.channels import (
    DeliveryFailure,
    Outgoing,
    PermanentFailure,
    TemporaryFailure,
    build_email,
)


def failure_for_code(code: int) -> DeliveryFailure:
    """4xx: try again later; 5xx: give up; anything else is taken as passing."""
    if 500 <= code < 600:
        return PermanentFailure(f"SMTP {code}")
    return TemporaryFailure(f"SMTP {code}")


@dataclass(frozen=True)
class SmtpChannel:
    host: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpChannel:
        return cls(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            use_ssl=bool(config["MAIL_USE_SSL"]),
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            sender=config["MAIL_DEFAULT_SENDER"],
            timeout=float(config["MAIL_TIMEOUT"]),
        )

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls and not self.use_ssl:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, outgoing: Outgoing) -> None:
        with self.connection() as connection:
            connection.send(outgoing)

    @contextlib.contextmanager
    def connection(self) -> Iterator[SmtpConnection]:
        """Sends inside share one connection, opened at the first and closed at the end."""
        connection = SmtpConnection(self)
        try:
            yield connection
        finally:
            connection.close()


class SmtpConnection:
    """One SMTP connection for several messages; a message that fails drops it."""

    def __init__(self, channel: SmtpChannel) -> None:
        self.channel = channel
        self._smtp: smtplib.SMTP | None = None

    def send(self, outgoing: Outgoing) -> None:
        message = build_email(outgoing, self.channel.sender)
        try:
            if self._smtp is None:
                self._smtp = self.channel.connect()
            try:
                self._smtp.send_message(message)
            except BaseException:
                self._drop()
                raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _reply in exc.recipients.values()]
            raise failure_for_code(max(codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise failure_for_code(exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentFailure("SMTP server does not support STARTTLS or AUTH") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(type(exc).__name__) from None

    def close(self) -> None:
        """QUIT; once DATA was accepted a message is sent, whatever QUIT does."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()
