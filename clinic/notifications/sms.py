"""Text messages through a provider adapter.

A clinic adds a provider by writing a class with `send_sms(to, body, key)` that
raises `TemporaryFailure` or `PermanentFailure` (from
`clinic.notifications.channels`) when the provider does not take the message,
and a factory `make(config) -> provider`; SMS_PROVIDER names the factory as
`package.module:make`. The provider reads its own credentials from the
environment. Empty SMS_PROVIDER: the development provider writes files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from flask import current_app

from clinic.notifications.channels import Outgoing, PermanentFailure, development_folder
from clinic.notifications.development import DevelopmentSms


class SmsProvider(Protocol):
    def send_sms(self, to: str, body: str, key: str) -> None:
        """Send `body` to the phone number `to`; `key` is the same on every try."""


def load_provider(spec: str) -> SmsProvider:
    """The provider named by SMS_PROVIDER (`module:factory`), or the development one."""
    if not spec:
        return DevelopmentSms(development_folder())
    module_name, _, factory_name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise PermanentFailure(f"SMS_PROVIDER cannot be loaded: {type(exc).__name__}") from None
    make = cast(Callable[[Mapping[str, Any]], SmsProvider], factory)
    return make(current_app.config)


@dataclass(frozen=True)
class SmsChannel:
    provider: SmsProvider

    def send(self, outgoing: Outgoing) -> None:
        self.provider.send_sms(outgoing.to, outgoing.text, outgoing.key)
