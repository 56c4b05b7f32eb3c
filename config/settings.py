"""Settings read from environment variables.

`Settings` holds every setting with its default; `settings_from_env` reads the
environment over it. The embedded default (no variables set) is a SQLite file
and a filesystem broker under the instance folder, so nothing but Python is
needed to run the whole system on one machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and what it is for (README table)."""

    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "APP_ENV",
        "development",
        "`development` or `production`. Production refuses to start "
        "without SECRET_KEY, ENCRYPTION_KEYS, DATABASE_URL and CELERY_BROKER_URL.",
    ),
    Setting(
        "INSTANCE_PATH",
        "",
        "Folder for the embedded default's files (SQLite database, "
        "filesystem broker, development keys). Default: `instance/` in the project.",
    ),
    Setting(
        "SECRET_KEY",
        "",
        "Signs sessions and CSRF tokens. Development: generated once into `instance/secret_key`.",
    ),
    Setting(
        "ENCRYPTION_KEYS",
        "",
        "Comma-separated `key_id:base64-32-byte-key` list; the first "
        "encrypts, all decrypt. Development: generated into `instance/encryption_keys`.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "SQLAlchemy URL, e.g. `postgresql+psycopg://user@host/db`. "
        "Default: SQLite file `instance/clinic.sqlite`.",
    ),
    Setting(
        "CELERY_BROKER_URL",
        "",
        "`redis://host:6379/0` or `amqp://user:pass@host:5672//`. "
        "Default: `filesystem://` in `instance/broker/`.",
    ),
    Setting(
        "BROKER_PUBLISH_TIMEOUT",
        "3",
        "Seconds a web request may wait for the broker before "
        "leaving the outbox row for the sweep.",
    ),
    Setting("OUTBOX_SWEEP_SECONDS", "30", "How often beat re-publishes outbox rows."),
    Setting(
        "OUTBOX_REPUBLISH_AFTER",
        "300",
        "Seconds after which a published but unfinished "
        "outbox row is published again (tasks are idempotent).",
    ),
    Setting(
        "ROUTING_RULES",
        "",
        "Path of the clinic's routing rule file. Default: `config/routing.yaml` "
        "(CLINICAL.md's policy). Checked at start-up.",
    ),
    Setting(
        "BROKER_VISIBILITY_TIMEOUT",
        "3600",
        "Redis only: seconds before an unacknowledged task is delivered again. "
        "TASK_RETRY_MAX_DELAY must be shorter (checked at start-up).",
    ),
    Setting(
        "TASK_RETRY_MAX_DELAY",
        "300",
        "Longest wait, in seconds, between two tries of a task (exponential backoff "
        "with jitter up to this).",
    ),
    Setting(
        "ROUTING_MAX_RETRIES",
        "8",
        "Retries of a routing task that fails for a passing reason (database down) "
        "before it is marked failed for staff.",
    ),
    Setting(
        "OUTBOX_MAX_ATTEMPTS",
        "20",
        "Publications of one outbox row before the sweep gives up and marks it failed "
        "(visible to staff), so nothing loops forever.",
    ),
    Setting(
        "CLINIC_SETTINGS",
        "",
        "Path of the clinic's own settings file (name, crisis resources, quick-exit "
        "site, response time, draft expiry…); keys it leaves out keep the defaults "
        "in `config/clinic.yaml`. Checked at start-up.",
    ),
    Setting(
        "CLINIC_BASE_URL",
        "http://127.0.0.1:5000",
        "Public address of the site, used in links in messages.",
    ),
    Setting("MAIL_SERVER", "", "SMTP host. Empty: messages go to the development channel."),
    Setting("MAIL_PORT", "587", "SMTP port."),
    Setting("MAIL_USE_TLS", "true", "STARTTLS on the SMTP connection."),
    Setting("MAIL_USE_SSL", "false", "Implicit TLS on the SMTP connection."),
    Setting("MAIL_USERNAME", "", "SMTP user name."),
    Setting("MAIL_PASSWORD", "", "SMTP password."),
    Setting("MAIL_DEFAULT_SENDER", "no-reply@clinic.invalid", "From address of messages."),
    Setting(
        "MAIL_TIMEOUT",
        "15",
        "Seconds one SMTP step may take. A send still unfinished after five times this "
        "is taken as crashed and tried again.",
    ),
    Setting(
        "NOTIFICATION_MAX_ATTEMPTS",
        "12",
        "Tries of a message that fails for a passing reason (server down, 4xx) before it "
        "is marked failed for staff; waits double with jitter up to TASK_RETRY_MAX_DELAY.",
    ),
    Setting(
        "FAILED_MESSAGE_RETENTION_DAYS",
        "30",
        "Days a message that failed for good keeps its address and values, so that an "
        "admin can retry it; then they are removed and it can no longer be retried. At least 1.",
    ),
    Setting(
        "SMS_PROVIDER",
        "",
        "SMS provider adapter as `module:factory` (README, Notifications). "
        "Empty: text messages go to the development channel.",
    ),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Resolved settings (strings parsed to their types)."""

    app_env: str
    instance_path: str
    secret_key: str
    encryption_keys: str
    database_url: str
    celery_broker_url: str
    broker_publish_timeout: float
    outbox_sweep_seconds: float
    outbox_republish_after: float
    routing_rules: str
    broker_visibility_timeout: float
    task_retry_max_delay: float
    routing_max_retries: int
    outbox_max_attempts: int
    clinic_settings: str
    clinic_base_url: str
    mail_server: str
    mail_port: int
    mail_use_tls: bool
    mail_use_ssl: bool
    mail_username: str
    mail_password: str
    mail_default_sender: str
    mail_timeout: float
    notification_max_attempts: int
    failed_message_retention_days: int
    sms_provider: str

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


def retention_days(value: object) -> int:
    """FAILED_MESSAGE_RETENTION_DAYS as a whole number of days, at least 1."""
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if days < 1:
        raise ValueError(
            f"FAILED_MESSAGE_RETENTION_DAYS must be a whole number of days, at least 1: {value!r}"
        )
    return days


def _parse_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from `environ` (default `os.environ`) over the defaults."""
    env = os.environ if environ is None else environ
    raw = {name: env.get(name, default) for name, default in _DEFAULTS.items()}
    values: dict[str, object] = {}
    for field in fields(Settings):
        value = raw[field.name.upper()]
        if field.name == "failed_message_retention_days":
            values[field.name] = retention_days(value)
        elif field.type == "float":
            values[field.name] = float(value)
        elif field.type == "int":
            values[field.name] = int(value)
        elif field.type == "bool":
            values[field.name] = _parse_bool(value)
        else:
            values[field.name] = value
    return Settings(**values)  # type: ignore[arg-type]
