"""Email over SMTP, configured by Flask's MAIL_* settings.

Status codes decide what happens next: 4xx and connection problems are
temporary (retried with backoff), 5xx is permanent (the message fails at once).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Mapping
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

    def _connect(self) -> smtplib.SMTP:
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
        message = build_email(outgoing, self.sender)
        try:
            smtp = self._connect()
            try:
                smtp.send_message(message)
            finally:
                # Once DATA was accepted the message is sent, whatever QUIT does.
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _reply in exc.recipients.values()]
            raise failure_for_code(max(codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise failure_for_code(exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentFailure("SMTP server does not support STARTTLS or AUTH") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(type(exc).__name__) from None
