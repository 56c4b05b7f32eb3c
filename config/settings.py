"""Settings read from environment variables.

`Settings` declares every setting once: its environment variable (the field's
name in capitals), type, default and help. `settings_from_env` reads the
environment over the defaults; the README's settings tables are rendered from
the declaration (`python -m config.settings` rewrites them). The embedded
default (no variables set) is a SQLite file and a filesystem broker under the
instance folder, so nothing but Python is needed to run the whole system on one
machine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Table(StrEnum):
    """The README table that lists a setting."""

    SETTINGS = "settings"
    STAFF = "staff"


class RequiredInProduction:
    """Marks a setting production refuses to start without."""


REQUIRED_IN_PRODUCTION: Final = RequiredInProduction()


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


def parse_bool(value: object) -> bool:
    """`1`, `true`, `yes` or `on` (any case) is true; any other text is false."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


EnvBool = Annotated[bool, BeforeValidator(parse_bool)]
RetentionDays = Annotated[int, BeforeValidator(retention_days)]
Required = Annotated[str, REQUIRED_IN_PRODUCTION]


class Settings(BaseSettings):
    """Every setting, with its type, default and what it is for."""

    model_config = SettingsConfigDict(alias_generator=str.upper, case_sensitive=True, frozen=True)

    app_env: str = Field(
        "development",
        description="`development` or `production`. Production refuses to start "
        "without SECRET_KEY, ENCRYPTION_KEYS, DATABASE_URL, CELERY_BROKER_URL and "
        "CLINIC_BASE_URL, and without a Redis RATELIMIT_STORAGE_URI.",
    )
    instance_path: str = Field(
        "",
        description="Folder for the embedded default's files (SQLite database, "
        "filesystem broker, development keys). Default: `instance/` in the project.",
    )
    secret_key: Required = Field(
        "",
        description="Signs sessions and CSRF tokens. Development: generated once into "
        "`instance/secret_key`.",
    )
    encryption_keys: Required = Field(
        "",
        description="Comma-separated `key_id:base64-32-byte-key` list; the first "
        "encrypts, all decrypt. Development: generated into `instance/encryption_keys`.",
    )
    database_url: Required = Field(
        "",
        description="SQLAlchemy URL, e.g. `postgresql+psycopg://user@host/db`. "
        "Default: SQLite file `instance/clinic.sqlite`.",
    )
    database_replica_url: str = Field(
        "",
        description="SQLAlchemy URL of a read-only replica of the database (e.g. a "
        "PostgreSQL streaming replica) that the staff overview page and the CSV export read "
        "from; their audit events and every other read and write stay on DATABASE_URL. "
        "Empty: everything reads the primary. `flask doctor` warns when it names the primary "
        "or does not answer.",
    )
    celery_broker_url: Required = Field(
        "",
        description="`redis://host:6379/0` or `amqp://user:pass@host:5672//`. "
        "Default: `filesystem://` in `instance/broker/`.",
    )
    broker_publish_timeout: float = Field(
        3.0,
        description="Seconds one publish may wait for the broker — to connect, to send, "
        "and (RabbitMQ) for its confirm — before the outbox row is left for the sweep.",
    )
    outbox_sweep_seconds: float = Field(
        30.0, description="How often beat re-publishes outbox rows."
    )
    outbox_publish_grace: float = Field(
        60.0,
        description="Seconds a new outbox row waits before the sweep may publish it: the "
        "commit that wrote it publishes it at once and records nothing more, and its task "
        "marks it done; a row still unfinished after this is published again.",
    )
    outbox_republish_after: float = Field(
        300.0,
        description="Seconds after which a published but unfinished "
        "outbox row is published again (tasks are idempotent).",
    )
    audit_seal_seconds: float = Field(
        10.0,
        description="How often beat runs the audit sealer, which links new audit events "
        "into the keyed chain.",
    )
    audit_unsealed_max_age: float = Field(
        300.0,
        description="Seconds an audit event may stay unsealed before `flask audit verify` "
        "reports it.",
    )
    audit_head_export_seconds: float = Field(
        300.0,
        description="How often beat appends the signed audit chain head to AUDIT_HEADS_FILE "
        "(when it moved).",
    )
    audit_heads_file: str = Field(
        "",
        description="Append-only file of signed audit chain heads, on storage the database's "
        "administrators cannot rewrite. Default: `instance/audit-heads.jsonl`.",
    )
    routing_rules: str = Field(
        "",
        description="Path of the clinic's routing rule file. Default: `config/routing.yaml` "
        "(the policy in `docs/clinical-policy.md`). Checked at start-up.",
    )
    broker_visibility_timeout: float = Field(
        180.0,
        description="Redis only: seconds before an unacknowledged task is delivered again "
        "(how long a task of a worker that died waits). Checked at start-up: longer than "
        "TASK_RETRY_MAX_DELAY and the notification lease wait (5 × MAIL_TIMEOUT), at most "
        "OUTBOX_REPUBLISH_AFTER.",
    )
    task_retry_max_delay: float = Field(
        120.0,
        description="Longest wait, in seconds, between two tries of a task (exponential "
        "backoff with jitter up to this).",
    )
    task_retry_min_delay: float = Field(
        1.0,
        description="Shortest wait, in seconds, before a task that lost its database "
        "tries again (the floor of the backoff).",
    )
    task_retry_budget: float = Field(
        1800.0,
        description="Seconds a task keeps retrying after its database went away, counted "
        "from its first try. A routing task still failing then sends the intake to "
        "`intake` review as `needs_review` (and keeps trying that until it is written).",
    )
    outbox_max_attempts: int = Field(
        20,
        description="Publications of one outbox row before the sweep gives up and marks it "
        "failed (visible to staff), so nothing loops forever.",
    )
    clinic_settings: str = Field(
        "",
        description="Path of the clinic's own settings file (name, crisis resources, "
        "quick-exit site, response time, draft expiry…); keys it leaves out keep the "
        "defaults in `config/clinic.yaml`. Checked at start-up.",
    )
    clinic_base_url: Required = Field(
        "",
        description="Public address of the site (`https://intake.example.org`), used in "
        "links in messages and resume links. Empty (development only): a page uses the "
        "address the browser used, and `make run` gives its worker the address it serves "
        "on. Production refuses to start without it: the routing worker writes the staff "
        "alerts' links and has no other way to know it.",
    )
    mail_server: str = Field(
        "", description="SMTP host. Empty: messages go to the development channel."
    )
    mail_port: int = Field(587, description="SMTP port.")
    mail_use_tls: EnvBool = Field(True, description="STARTTLS on the SMTP connection.")
    mail_use_ssl: EnvBool = Field(False, description="Implicit TLS on the SMTP connection.")
    mail_username: str = Field("", description="SMTP user name.")
    mail_password: str = Field("", description="SMTP password.")
    mail_default_sender: str = Field(
        "no-reply@clinic.invalid", description="From address of messages."
    )
    mail_timeout: float = Field(
        15.0,
        description="Seconds one SMTP step may take. A send still unfinished after five "
        "times this is taken as crashed and tried again.",
    )
    notification_max_attempts: int = Field(
        12,
        description="Tries of a message that fails for a passing reason (server down, 4xx) "
        "before it is marked failed for staff; waits double with jitter up to "
        "TASK_RETRY_MAX_DELAY.",
    )
    failed_message_retention_days: RetentionDays = Field(
        30,
        description="Days a message that failed for good keeps its address and values, so "
        "that an admin can retry it; then they are removed and it can no longer be "
        "retried. At least 1.",
    )
    sms_provider: str = Field(
        "",
        description="SMS provider adapter as `module:factory` (README, Notifications). "
        "Empty: text messages go to the development channel.",
    )
    key_backup_note: str = Field(
        "",
        description="Where the escrowed copy of the encryption keys is kept (`flask keys "
        "export-backup`), e.g. `sealed envelope, head office safe, 2026-11`. `flask doctor` "
        "warns while the ring has one key and this is empty.",
    )
    log_format: str = Field(
        "",
        description="`json` (one JSON object per line: time, level, logger, message, "
        "request_id, task_id, outbox_id) or `text`. Default: json in production, text "
        "otherwise.",
    )
    log_level: str = Field("INFO", description="Lowest level logged: DEBUG, INFO, WARNING…")
    metrics_token: str = Field(
        "",
        description="Bearer token Prometheus sends to read `/metrics`. Empty: `/metrics` "
        "answers 404 (metrics are never public).",
    )
    sentry_dsn: str = Field(
        "",
        description="Sentry project DSN for error reports (`pip install .[sentry]`). Empty: "
        "no reports. Reports never carry request bodies, cookies, headers or local variables.",
    )
    beat_lease_seconds: float = Field(
        30.0,
        description="Beat's leader lease: a standby beat takes over when the leader has not "
        "renewed it for this long (renewed every third of it). Run a second beat anywhere.",
    )
    beat_stale_seconds: float = Field(
        120.0,
        description="`/readyz` says `degraded` (still 200) when beat's heartbeat is older "
        "than this.",
    )
    worker_heartbeat_seconds: float = Field(
        30.0,
        description="How often each worker writes its heartbeat (the operations page shows "
        "a worker silent for three times this as stale).",
    )
    outbox_stale_seconds: float = Field(
        900.0,
        description="`/readyz` says `degraded` when the oldest outbox row not yet done is "
        "older than this; the operations page lists such rows as stuck.",
    )
    unrouted_after_seconds: float = Field(
        900.0,
        description="The operations page lists intakes still submitted (not routed) after "
        "this long.",
    )
    staff_idle_timeout: Annotated[int, Table.STAFF] = Field(
        900,
        description="Seconds without activity before a staff session ends; a warning "
        "shows two minutes before.",
    )
    staff_sla_targets: Annotated[str, Table.STAFF] = Field(
        "urgent=1h,priority=1wd,routine=5wd",
        description="Time to first contact per priority: `h` hours or `wd` working days "
        "(Monday to Friday).",
    )
    clinic_timezone: Annotated[str, Table.STAFF] = Field(
        "UTC",
        description="Time zone of the clinic (IANA name): times shown to staff, working "
        "days and weeks.",
    )
    staff_session_lifetime: Annotated[int, Table.STAFF] = Field(
        43200,
        description="Seconds after signing in when a staff session ends, however recently "
        "it was used (default 12 hours).",
    )
    ratelimit_storage_uri: Annotated[str, Table.STAFF] = Field(
        "memory://",
        description="Where sign-in attempts are counted: `redis://host:6379/1` to share "
        "limits between web processes; `memory://` counts in each process (development "
        "only: production refuses to start without Redis).",
    )
    trusted_proxy_hops: Annotated[int, Table.STAFF] = Field(
        0,
        description="Reverse proxies in front of the web processes whose `X-Forwarded-For` "
        "and `X-Forwarded-Proto` are trusted (0: none, the connection's address is the "
        "client's). Set it to the number of proxies exactly.",
    )
    api_token_expiry_days: Annotated[int, Table.STAFF] = Field(
        90,
        description="Days an API token works after it is made, unless "
        "`flask staff token create --expires-days` says otherwise.",
    )
    sign_in_limit_account: Annotated[str, Table.STAFF] = Field(
        "5 per 15 minutes",
        description="Failed sign-in or code attempts allowed per account.",
    )
    sign_in_limit_ip: Annotated[str, Table.STAFF] = Field(
        "30 per 15 minutes",
        description="Failed sign-in attempts allowed per client address.",
    )

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def missing_in_production(self) -> list[str]:
        """The settings production needs that are empty, by environment variable."""
        return [
            setting.name
            for setting in SETTINGS
            if setting.required_in_production and not getattr(self, setting.field)
        ]

    def by_name(self, *, exclude: set[str] | None = None) -> dict[str, Any]:
        """Every value by its environment variable, less the `exclude` variables."""
        values = self.model_dump(by_alias=True)
        return {name: value for name, value in values.items() if name not in (exclude or set())}


@dataclass(frozen=True)
class Setting:
    """One environment variable as the README lists it: name, default as text, help."""

    field: str
    name: str
    default: str
    help: str
    table: Table
    required_in_production: bool


def _as_text(value: object) -> str:
    """A default as it would be written in the environment."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


SETTINGS: Final = tuple(
    Setting(
        field=name,
        name=field.alias or name.upper(),
        default=_as_text(field.default),
        help=field.description or "",
        table=next((mark for mark in field.metadata if isinstance(mark, Table)), Table.SETTINGS),
        required_in_production=REQUIRED_IN_PRODUCTION in field.metadata,
    )
    for name, field in Settings.model_fields.items()
)


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from `environ` (default `os.environ`) over the defaults."""
    if environ is None:
        return Settings()
    # Every setting is given, so that nothing is read from os.environ.
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    return Settings(**{s.name: environ.get(s.name, defaults[s.field]) for s in SETTINGS})


def settings_table(table: Table) -> str:
    """The README's Markdown table of the settings in `table`."""
    rows = [
        f"| `{s.name}` | {f'`{s.default}`' if s.default else '—'} | {s.help} |"
        for s in SETTINGS
        if s.table is table
    ]
    return "\n".join(["| setting | default | what it does |", "|---|---|---|", *rows]) + "\n"


def table_marker(table: Table) -> str:
    """The comment line in the README just above a generated table."""
    return f"<!-- settings table: {table.value} (python -m config.settings rewrites it) -->\n"


def readme_table(readme: str, table: Table) -> str:
    """The generated table as it stands in `readme`: its marker and the rows below it."""
    match = re.search(re.escape(table_marker(table)) + r"(?:\|.*\n)*", readme)
    return match.group(0) if match else ""


def with_settings_tables(readme: str) -> str:
    """`readme` with every generated table rewritten from `Settings`."""
    for table in Table:
        current = readme_table(readme, table)
        if current:
            readme = readme.replace(current, table_marker(table) + settings_table(table))
    return readme


README: Final = Path(__file__).resolve().parent.parent / "README.md"

if __name__ == "__main__":
    README.write_text(with_settings_tables(README.read_text(encoding="utf-8")), encoding="utf-8")
