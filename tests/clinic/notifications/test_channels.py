"""The channels against real peers: an SMTP server, the instance folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from clinic.notifications.channel_choice import channel_for
from clinic.notifications.channels import (
    Outgoing,
    PermanentFailure,
    TemporaryFailure,
)
from clinic.notifications.development import DevelopmentEmail
from clinic.notifications.sms import SmsChannel
from clinic.notifications.smtp import SmtpChannel
from tests.support.smtp import SmtpServer, free_port

pytestmark = pytest.mark.usefixtures("app_context")

OUTGOING = Outgoing(
    key="5f0c8f5e-0000-4000-8000-000000000001",
    to="someone@example.org",
    subject="A referral needs attention",
    text="Body text\n",
    html="<p>Body</p>",
)


SENT: list[tuple[str, str, str]] = []


class RecordingProvider:
    """A stand-in for a clinic's SMS provider (third-party code, not ours)."""

    def send_sms(self, to: str, body: str, key: str) -> None:
        SENT.append((to, body, key))


def make(config: Any) -> RecordingProvider:
    return RecordingProvider()


def test_smtp_delivers_text_and_html_with_a_message_id_fixed_per_row(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    channel = channel_for("email")
    assert isinstance(channel, SmtpChannel)

    channel.send(OUTGOING)

    [message] = smtp_server.received()
    assert message["To"] == "someone@example.org"
    assert message["From"] == "no-reply@clinic.invalid"
    assert message["Subject"] == "A referral needs attention"
    assert message["Message-ID"] == f"<{OUTGOING.key}@clinic.invalid>"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Body text\n"
    assert message.get_body(("html",)).get_content().strip() == "<p>Body</p>"


@pytest.mark.parametrize(
    ("code", "failure"), [("451", TemporaryFailure), ("550", PermanentFailure)]
)
def test_smtp_status_codes_decide_temporary_or_permanent(
    mail_app: Flask, smtp_server: SmtpServer, code: str, failure: type[Exception]
) -> None:
    smtp_server.refuse_with = code
    with pytest.raises(failure) as raised:
        channel_for("email").send(OUTGOING)
    assert str(raised.value) == f"SMTP {code}"  # the code only: never the address
    assert smtp_server.received() == []


def test_smtp_server_down_is_temporary(app: Flask) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    with pytest.raises(TemporaryFailure, match="ConnectionRefusedError"):
        channel_for("email").send(OUTGOING)


def test_starttls_refused_by_the_server_is_permanent(mail_app: Flask) -> None:
    mail_app.config["MAIL_USE_TLS"] = True
    with pytest.raises(PermanentFailure, match="STARTTLS"):
        channel_for("email").send(OUTGOING)


def test_without_a_mail_server_email_goes_to_files_in_the_instance_folder(app: Flask) -> None:
    channel = channel_for("email")
    assert isinstance(channel, DevelopmentEmail)

    channel.send(OUTGOING)

    [path] = (Path(app.instance_path) / "messages").iterdir()
    assert path.name.endswith(f"-{OUTGOING.key}.eml")
    content = path.read_text()
    assert "Subject: A referral needs attention" in content
    assert "To: someone@example.org" in content


def test_without_a_provider_text_messages_go_to_files(app: Flask) -> None:
    channel_for("sms").send(Outgoing(key="k1", to="+15550100", subject="", text="Hello\n"))

    [path] = (Path(app.instance_path) / "messages").iterdir()
    assert path.name.endswith("-k1.sms.txt")
    assert path.read_text() == "To: +15550100\n\nHello\n\n"


def test_a_clinic_provider_is_loaded_from_sms_provider(app: Flask) -> None:
    app.config["SMS_PROVIDER"] = f"{__name__}:make"
    channel = channel_for("sms")
    assert isinstance(channel, SmsChannel)

    channel.send(Outgoing(key="k2", to="+15550100", subject="", text="Hello\n"))

    assert SENT[-1] == ("+15550100", "Hello\n", "k2")


def test_an_sms_provider_that_cannot_be_loaded_fails_permanently(app: Flask) -> None:
    app.config["SMS_PROVIDER"] = "no.such.module:make"
    with pytest.raises(PermanentFailure, match="SMS_PROVIDER cannot be loaded"):
        channel_for("sms")
