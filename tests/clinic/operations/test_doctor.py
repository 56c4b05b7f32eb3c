"""`flask doctor`: one test per check, each against the real service the setting names,
and the command itself on a deployment with nothing to say."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from clinic.operations import doctor
from clinic.operations.doctor import Finding, Severity
from clinic.security.instance_secrets import new_encryption_key_entry
from config.settings import settings_from_env
from tests.conftest import fresh_postgres_database
from tests.support.redis_server import private_redis
from tests.support.services import drop_postgres_database
from tests.support.smtp import SmtpServer, free_port

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def database_url() -> Iterator[str]:
    url = fresh_postgres_database()
    yield url
    drop_postgres_database(url)


def production(**changes: str) -> dict[str, str]:
    """The environment of a sound production deployment, with `changes`."""
    environ = {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "ENCRYPTION_KEYS": new_encryption_key_entry("k1"),
        "KEY_BACKUP_NOTE": "sealed envelope in the office safe",
        "DATABASE_URL": "sqlite:///unused.sqlite",
        "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1",
        "TRUSTED_PROXY_HOPS": "1",
        "MAIL_SERVER": "127.0.0.1",
        "CLINIC_BASE_URL": "https://intake.clinic.example",
    }
    return {**environ, **changes}


def findings(check: doctor.Check, environ: dict[str, str]) -> list[Finding]:
    return check(settings_from_env(environ), environ)


def only(check: doctor.Check, environ: dict[str, str], severity: Severity) -> str:
    [finding] = findings(check, environ)
    assert finding.severity is severity
    return finding.message


def test_development_is_not_a_production_deployment() -> None:
    assert "APP_ENV is 'development'" in only(
        doctor.check_environment, production(APP_ENV="development"), Severity.UNSAFE
    )
    assert findings(doctor.check_environment, production()) == []


@pytest.mark.parametrize(
    "weak", ["changeme-changeme-changeme-changeme", "a1b2c3", "ab" * 40, "x" * 64]
)
def test_a_missing_or_weak_secret_is_unsafe(weak: str) -> None:
    assert findings(doctor.check_secrets, production()) == []
    missing = findings(doctor.check_secrets, production(SECRET_KEY="", ENCRYPTION_KEYS=""))
    assert [f.message.split()[0] for f in missing] == ["SECRET_KEY", "ENCRYPTION_KEYS"]
    assert "SECRET_KEY is weak" in only(
        doctor.check_secrets, production(SECRET_KEY=weak), Severity.UNSAFE
    )
    assert "must be 32 bytes" in only(
        doctor.check_secrets, production(ENCRYPTION_KEYS="k1:c2hvcnQ="), Severity.UNSAFE
    )


def test_a_single_key_without_a_backup_note_is_risky() -> None:
    message = only(doctor.check_key_backup, production(KEY_BACKUP_NOTE=""), Severity.RISKY)
    assert "flask keys export-backup" in message
    two_keys = f"{new_encryption_key_entry('k2')},{new_encryption_key_entry('k1')}"
    assert findings(doctor.check_key_backup, production(KEY_BACKUP_NOTE="")) != []
    assert findings(doctor.check_key_backup, production()) == []
    assert findings(doctor.check_key_backup, production(ENCRYPTION_KEYS=two_keys)) == []


def test_rate_limits_counted_in_memory_are_unsafe() -> None:
    assert "memory://" in only(
        doctor.check_rate_limit_storage,
        production(RATELIMIT_STORAGE_URI="memory://"),
        Severity.UNSAFE,
    )
    assert findings(doctor.check_rate_limit_storage, production()) == []


def test_no_trusted_proxy_setting_is_risky() -> None:
    environ = production()
    del environ["TRUSTED_PROXY_HOPS"]
    assert "TRUSTED_PROXY_HOPS" in only(doctor.check_trusted_proxy, environ, Severity.RISKY)
    assert findings(doctor.check_trusted_proxy, production(TRUSTED_PROXY_HOPS="0")) == []


def test_redis_without_persistence_is_risky(tmp_path: Path) -> None:
    (tmp_path / "off").mkdir()
    (tmp_path / "on").mkdir()
    with private_redis(tmp_path / "off", appendonly=False) as url:
        environ = production(CELERY_BROKER_URL=url, RATELIMIT_STORAGE_URI="memory://")
        message = only(doctor.check_redis_persistence, environ, Severity.RISKY)
        assert "keeps nothing on disk" in message
    with private_redis(tmp_path / "on", appendonly=True) as url:
        environ = production(CELERY_BROKER_URL=url, RATELIMIT_STORAGE_URI=url)
        assert findings(doctor.check_redis_persistence, environ) == []


def test_a_visibility_timeout_shorter_than_the_longest_task_is_unsafe() -> None:
    redis_broker = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    short = production(**redis_broker, BROKER_VISIBILITY_TIMEOUT="50", TASK_RETRY_MAX_DELAY="20")
    message = only(doctor.check_visibility_timeout, short, Severity.UNSAFE)
    assert "(50s) is not longer than the longest task or retry wait (60s)" in message
    assert findings(doctor.check_visibility_timeout, production(**redis_broker)) == []


def _lease(database_url: str, seconds_from_now: float) -> None:
    """Beat's leader lease, ending that many seconds from now (negative: ended)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM service_heartbeat WHERE name = 'beat'"))
        connection.execute(
            text(
                "INSERT INTO service_heartbeat (name, owner, beat_at, lease_until) "
                "VALUES ('beat', 'test:1', now(), now() + make_interval(secs => :s))"
            ),
            {"s": seconds_from_now},
        )
    engine.dispose()


def test_no_beat_holding_the_leader_lease_is_risky(database_url: str) -> None:
    environ = production(DATABASE_URL=database_url)
    assert "No celery beat" in only(doctor.check_beat_lease, environ, Severity.RISKY)
    _lease(database_url, 60)
    assert findings(doctor.check_beat_lease, environ) == []
    _lease(database_url, -1)
    assert "No celery beat" in only(doctor.check_beat_lease, environ, Severity.RISKY)


def test_an_unreachable_or_missing_smtp_server_is_unsafe(smtp_server: SmtpServer) -> None:
    assert "MAIL_SERVER is not set" in only(
        doctor.check_smtp, production(MAIL_SERVER=""), Severity.UNSAFE
    )
    closed = production(MAIL_PORT=str(free_port()), MAIL_USE_TLS="false")
    assert "cannot be reached" in only(doctor.check_smtp, closed, Severity.UNSAFE)
    reachable = production(MAIL_PORT=str(smtp_server.port), MAIL_USE_TLS="false")
    assert findings(doctor.check_smtp, reachable) == []


def test_clock_skew_against_the_database(database_url: str) -> None:
    environ = production(DATABASE_URL=database_url)
    settings = settings_from_env(environ)
    assert doctor.check_clock_skew(settings, environ) == []
    [risky] = doctor.check_clock_skew(settings, environ, clock=lambda: time.time() + 20)
    assert risky.severity is Severity.RISKY
    assert "ahead of the database's" in risky.message
    [unsafe] = doctor.check_clock_skew(settings, environ, clock=lambda: time.time() - 300)
    assert unsafe.severity is Severity.UNSAFE
    assert "behind the database's" in unsafe.message


def _flask(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in production()}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "clinic", *args],
        env={**env, **environ},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_keys_generate_needs_no_settings_even_in_production() -> None:
    result = _flask({"APP_ENV": "production"}, "keys", "generate")
    assert result.returncode == 0, result.stderr
    key_id, _, _ = result.stdout.strip().partition(":")
    assert key_id and result.stdout.count("\n") == 1
    refused = _flask({"APP_ENV": "production"}, "db", "upgrade")
    assert refused.returncode == 1
    assert "production needs these settings: SECRET_KEY" in refused.stderr


def test_the_command_exits_1_on_an_unsafe_setting_and_0_on_a_sound_deployment(
    database_url: str, smtp_server: SmtpServer
) -> None:
    broken = _flask({"APP_ENV": "production"}, "doctor")
    assert broken.returncode == 1
    assert "UNSAFE  SECRET_KEY is not set" in broken.stdout

    sound = production(
        DATABASE_URL=database_url,
        MAIL_PORT=str(smtp_server.port),
        MAIL_USE_TLS="false",
    )
    _lease(database_url, 60)
    result = _flask(sound, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UNSAFE" not in result.stdout


def test_a_replica_url_naming_the_primary_or_not_answering_is_risky(database_url: str) -> None:
    assert findings(doctor.check_replica, production(DATABASE_URL=database_url)) == []
    same = production(
        DATABASE_URL=database_url,
        DATABASE_REPLICA_URL=database_url + "?options=-c%20default_transaction_read_only%3Don",
    )
    assert "names the primary" in only(doctor.check_replica, same, Severity.RISKY)
    closed = production(
        DATABASE_URL=database_url,
        DATABASE_REPLICA_URL=f"postgresql+psycopg://reader@127.0.0.1:{free_port()}/clinic",
    )
    assert "cannot be read" in only(doctor.check_replica, closed, Severity.RISKY)
    replica = fresh_postgres_database()
    try:
        answering = production(DATABASE_URL=database_url, DATABASE_REPLICA_URL=replica)
        assert findings(doctor.check_replica, answering) == []
    finally:
        drop_postgres_database(replica)
