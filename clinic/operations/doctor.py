"""`flask doctor`: what is wrong or risky in a deployment's settings, in plain words.

Each check reads the settings (and, where it must, asks the service they name)
and returns findings. An `UNSAFE` finding is a setting production must not run
with (the command exits 1); a `RISKY` one works but needs a decision. The
checks take the settings, never the app, so that they run even when the app
refuses to start.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import redis
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from clinic.models.encryption import KeyRing
from clinic.notifications.sending import send_time_limit
from clinic.operations.heartbeats import BEAT
from config.settings import Settings

PROBE_TIMEOUT = 5.0
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 12  # characters: a repeated or keyboard-walk value is weak
CLOCK_SKEW_RISKY = 5.0  # seconds: lease and SLA times drift
CLOCK_SKEW_UNSAFE = 60.0  # seconds: sending leases and sign-in windows go wrong
WEAK_SECRETS = re.compile(r"change|secret|password|example|test|dev|default", re.IGNORECASE)


class Severity(StrEnum):
    UNSAFE = "unsafe"
    RISKY = "risky"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    message: str


Check = Callable[[Settings, Mapping[str, str]], list[Finding]]


def _unsafe(message: str) -> Finding:
    return Finding(Severity.UNSAFE, message)


def _risky(message: str) -> Finding:
    return Finding(Severity.RISKY, message)


def check_environment(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    if settings.is_production:
        return []
    return [
        _unsafe(
            f"APP_ENV is {settings.app_env!r}, not 'production': secrets are generated into "
            "the instance folder and secure cookies are off."
        )
    ]


def check_secrets(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    findings = [
        _unsafe(f"{name} is not set; production refuses to start without it.")
        for name in settings.missing_in_production()
    ]
    key = settings.secret_key
    if key and (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_DISTINCT
        or WEAK_SECRETS.search(key)
    ):
        findings.append(
            _unsafe(
                "SECRET_KEY is weak (short, repetitive or a word): anyone who guesses it can "
                "forge staff sessions. Make one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        )
    if settings.encryption_keys:
        try:
            KeyRing.parse(settings.encryption_keys)
        except ValueError as problem:
            findings.append(_unsafe(f"ENCRYPTION_KEYS cannot be used: {problem}."))
    return findings


def check_key_backup(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    try:
        ring = KeyRing.parse(settings.encryption_keys)
    except ValueError:
        return []  # check_secrets says so
    if len(ring.keys) > 1 or settings.key_backup_note:
        return []
    return [
        _risky(
            "ENCRYPTION_KEYS has a single key and KEY_BACKUP_NOTE is empty: if that key is "
            "lost, every answer and contact detail is lost with it. Export it with "
            "`flask keys export-backup`, keep the file apart from the database backups, and "
            "write where it is in KEY_BACKUP_NOTE."
        )
    ]


def check_rate_limit_storage(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    if not settings.ratelimit_storage_uri.startswith("memory://"):
        return []
    return [
        _unsafe(
            "RATELIMIT_STORAGE_URI is memory://: each web process counts failed sign-ins on "
            "its own, so more processes allow more guesses and a restart forgets them. Use "
            "redis://host:6379/1."
        )
    ]


def check_trusted_proxy(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    if environ.get("TRUSTED_PROXY_HOPS", "").strip():
        return []
    return [
        _risky(
            "TRUSTED_PROXY_HOPS is not set: behind a reverse proxy the audit log and the "
            "sign-in limits see the proxy's address, not the client's. Set it to the number "
            "of proxies in front of the app (0 when there is none)."
        )
    ]


def _redis_urls(settings: Settings) -> list[str]:
    urls = [settings.celery_broker_url, settings.ratelimit_storage_uri]
    return sorted({url for url in urls if url.startswith(("redis://", "rediss://"))})


def check_redis_persistence(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    findings = []
    for url in _redis_urls(settings):
        where = _without_password(url)
        try:
            client = redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT)
            try:
                appendonly = str(client.config_get("appendonly").get("appendonly") or "")
                save = str(client.config_get("save").get("save") or "")
            finally:
                client.close()
        except redis.RedisError as problem:
            findings.append(
                _risky(f"Redis at {where}: could not read its persistence ({problem}).")
            )
            continue
        if appendonly != "yes" and not save.strip():
            findings.append(
                _risky(
                    f"Redis at {where} keeps nothing on disk (appendonly no, no save points): "
                    "a restart loses queued tasks (the outbox sweep publishes them again after "
                    "OUTBOX_REPUBLISH_AFTER) and every sign-in count. Turn on appendonly."
                )
            )
    return findings


def check_visibility_timeout(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    if not settings.celery_broker_url.startswith(("redis://", "rediss://")):
        return []
    longest = max(
        send_time_limit({"MAIL_TIMEOUT": settings.mail_timeout}), settings.task_retry_max_delay
    )
    if settings.broker_visibility_timeout > longest:
        return []
    return [
        _unsafe(
            f"BROKER_VISIBILITY_TIMEOUT ({settings.broker_visibility_timeout:g}s) is not longer "
            f"than the longest task or retry wait ({longest:g}s): Redis would hand a task that "
            "is still running or waiting to a second worker."
        )
    ]


@contextmanager
def _database(settings: Settings, url: str | None = None) -> Iterator[Connection]:
    """A connection to the database (DATABASE_URL, or `url`)."""
    url = url or settings.database_url
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": int(PROBE_TIMEOUT)} if on_postgres(url) else {},
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def on_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def check_beat_lease(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    """A beat holds the leader lease (workers.beat): one runs the sweeps, others stand by."""
    try:
        with _database(settings) as connection:
            lease_until = connection.scalar(
                text("SELECT lease_until FROM service_heartbeat WHERE name = :name"),
                {"name": BEAT},
            )
    except SQLAlchemyError as problem:
        return [_unsafe(f"DATABASE_URL: the database cannot be read ({_first_line(problem)}).")]
    if lease_until is not None and _aware(lease_until) >= datetime.now(UTC):
        return []
    return [
        _risky(
            "No celery beat holds the leader lease: nothing re-publishes the outbox, sweeps "
            "drafts, seals the audit log or repeats urgent pages. Run "
            "`celery -A workers.entry beat` (a second one stands by)."
        )
    ]


def check_replica(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    """DATABASE_REPLICA_URL, when set, names another database, and it answers."""
    replica = settings.database_replica_url
    if not replica:
        return []
    if _same_database(replica, settings.database_url):
        return [
            _risky(
                "DATABASE_REPLICA_URL names the primary database (DATABASE_URL): the overview "
                "and the CSV export read the primary as they would without it. Point it at the "
                "replica, or leave it empty."
            )
        ]
    try:
        with _database(settings, replica) as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as problem:
        return [
            _risky(
                f"DATABASE_REPLICA_URL {_without_password(replica)} cannot be read "
                f"({_first_line(problem)}): the overview page and the CSV export fail until "
                "it answers."
            )
        ]
    return []


def _same_database(one: str, other: str) -> bool:
    """Both URLs name one database (whatever the user or the connection options)."""
    first, second = make_url(one), make_url(other)
    return (first.get_backend_name(), first.host, first.port, first.database) == (
        second.get_backend_name(),
        second.host,
        second.port,
        second.database,
    )


def _aware(moment: datetime | str) -> datetime:
    """A time read back from the database (SQLite gives text without a zone)."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def check_smtp(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    if not settings.mail_server:
        return [
            _unsafe(
                "MAIL_SERVER is not set: messages to staff and on-call are written to files in "
                "the instance folder and nobody is told of an urgent intake."
            )
        ]
    where = f"{settings.mail_server}:{settings.mail_port}"
    smtp_class = smtplib.SMTP_SSL if settings.mail_use_ssl else smtplib.SMTP
    try:
        with smtp_class(settings.mail_server, settings.mail_port, timeout=PROBE_TIMEOUT) as smtp:
            smtp.ehlo()
    except (OSError, smtplib.SMTPException, ssl.SSLError) as problem:
        return [_unsafe(f"The SMTP server {where} cannot be reached: {problem or 'no answer'}.")]
    return []


def check_clock_skew(
    settings: Settings, environ: Mapping[str, str], clock: Callable[[], float] = time.time
) -> list[Finding]:
    if not on_postgres(settings.database_url):
        return []
    try:
        with _database(settings) as connection:
            before = clock()
            database_time = float(connection.scalar(text("SELECT extract(epoch FROM now())")))
            after = clock()
    except SQLAlchemyError:
        return []  # check_beat_lease says the database cannot be reached
    skew = database_time - (before + after) / 2
    if abs(skew) <= CLOCK_SKEW_RISKY:
        return []
    message = (
        f"This machine's clock is {abs(skew):.0f}s {'behind' if skew > 0 else 'ahead of'} "
        "the database's: sending leases, session timeouts and first-contact targets go wrong. "
        "Run NTP (chrony or systemd-timesyncd) on every machine."
    )
    return [_unsafe(message) if abs(skew) > CLOCK_SKEW_UNSAFE else _risky(message)]


def _without_password(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//", url)


def _first_line(problem: Exception) -> str:
    return str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__


CHECKS: tuple[Check, ...] = (
    check_environment,
    check_secrets,
    check_key_backup,
    check_rate_limit_storage,
    check_trusted_proxy,
    check_redis_persistence,
    check_visibility_timeout,
    check_beat_lease,
    check_replica,
    check_smtp,
    check_clock_skew,
)


def examine(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    """Every finding of every check, unsafe ones first."""
    findings = [finding for check in CHECKS for finding in check(settings, environ)]
    return sorted(findings, key=lambda finding: finding.severity is not Severity.UNSAFE)


def report(findings: list[Finding]) -> str:
    """The findings as the command prints them, one paragraph each."""
    if not findings:
        return "No problems found."
    unsafe = sum(finding.severity is Severity.UNSAFE for finding in findings)
    lines = [f"{unsafe} unsafe, {len(findings) - unsafe} risky:"]
    lines += [f"  {finding.severity.upper():6}  {finding.message}" for finding in findings]
    return "\n".join(lines)
