"""Choosing a channel: the configured one for `email` (SMTP, else the development folder)
or `sms` (SMS_PROVIDER, else the development folder)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from clinic.notifications import development, sms, smtp
from clinic.notifications.channels import Channel, PermanentFailure, development_folder


def channel_for(name: str) -> Channel:
    """The configured channel for `email` or `sms`."""
    config = current_app.config
    if name == "email":
        if config["MAIL_SERVER"]:
            return smtp.SmtpChannel.from_config(config)
        return development.DevelopmentEmail(development_folder(), config["MAIL_DEFAULT_SENDER"])
    if name == "sms":
        return sms.SmsChannel(sms.load_provider(config["SMS_PROVIDER"]))
    raise PermanentFailure(f"no channel {name}")


@contextmanager
def connected_channel(name: str) -> Iterator[Channel]:
    """`channel_for(name)`, keeping one connection for the sends inside where it has one (SMTP)."""
    channel = channel_for(name)
    if isinstance(channel, smtp.SmtpChannel):
        with channel.connection() as connection:
            yield connection
    else:
        yield channel
