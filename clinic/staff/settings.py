"""Settings of the staff console, read from environment variables like config/settings.py.

They live here, beside the console that uses them; the README's "Staff console"
section lists each one (a test keeps the two in step).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from config.settings import Setting

STAFF_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "STAFF_IDLE_TIMEOUT",
        "900",
        "Seconds without activity before a staff session ends; a warning shows two minutes before.",
    ),
    Setting(
        "STAFF_SLA_TARGETS",
        "urgent=1h,priority=1wd,routine=5wd",
        "Time to first contact per priority: `h` hours or `wd` working days (Monday to Friday).",
    ),
    Setting(
        "CLINIC_TIMEZONE",
        "UTC",
        "Time zone of the clinic (IANA name): times shown to staff, working days and weeks.",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where sign-in attempts are counted: `redis://host:6379/1` to share limits "
        "between web processes; `memory://` counts in each process.",
    ),
    Setting(
        "SIGN_IN_LIMIT_ACCOUNT",
        "5 per 15 minutes",
        "Failed sign-in or code attempts allowed per account.",
    ),
    Setting(
        "SIGN_IN_LIMIT_IP",
        "30 per 15 minutes",
        "Failed sign-in attempts allowed per client address.",
    ),
)


def staff_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    values = {s.name: env.get(s.name, s.default) for s in STAFF_SETTINGS}
    values["STAFF_IDLE_TIMEOUT"] = int(values["STAFF_IDLE_TIMEOUT"])
    return values


def init_app(app: Flask) -> None:
    """Environment values, unless the app's overrides (tests) already set them."""
    for name, value in staff_config().items():
        app.config.setdefault(name, value)
