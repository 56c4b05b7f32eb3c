from __future__ import annotations

from pathlib import Path

import pytest

from clinic import create_app
from clinic.app import ConfigurationError
from clinic.models.encryption import KeyRing
from config.settings import (
    SETTINGS,
    Table,
    settings_from_env,
    settings_table,
    table_marker,
    with_settings_tables,
)
from tests.conftest import TEST_ENCRYPTION_KEYS, TEST_SECRET_KEY


def test_every_setting_has_a_default_and_help() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(s.help for s in SETTINGS)
    settings = settings_from_env({})
    assert settings.app_env == "development"
    assert settings.broker_publish_timeout == 3.0
    assert settings.mail_use_tls is True


def test_environment_overrides_defaults() -> None:
    env = {"MAIL_PORT": "2525", "MAIL_USE_TLS": "no", "APP_ENV": "production"}
    settings = settings_from_env(env)
    assert settings.mail_port == 2525
    assert settings.mail_use_tls is False
    assert settings.is_production


def test_production_refuses_to_start_without_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    for name in ("SECRET_KEY", "ENCRYPTION_KEYS", "DATABASE_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY, ENCRYPTION_KEYS, DATABASE_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_to_start_without_the_sites_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The routing worker writes the staff alerts' links: it must know the address."""
    for name, value in {
        "APP_ENV": "production",
        "SECRET_KEY": TEST_SECRET_KEY,
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite'}",
        "CELERY_BROKER_URL": "memory://",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CLINIC_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="CLINIC_BASE_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_development_generates_secrets_once_into_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("APP_ENV", "SECRET_KEY", "ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["ENCRYPTION_KEYS"] == second.config["ENCRYPTION_KEYS"]
    assert KeyRing.parse(first.config["ENCRYPTION_KEYS"]).primary_id == "k1"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    assert first.config["CELERY_BROKER_URL"] == "filesystem://"


def test_keys_add_puts_a_new_key_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("APP_ENV", "ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    result = app.test_cli_runner().invoke(args=["keys", "add"])
    assert result.exit_code == 0, result.output
    ring = KeyRing.parse((tmp_path / "encryption_keys").read_text())
    assert ring.primary_id == "k2"
    assert set(ring.keys) == {"k1", "k2"}


def test_the_environment_is_read_by_exact_variable_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("mail_server", "smtp.example.org")
    settings = settings_from_env()
    assert settings.mail_port == 2525
    assert settings.mail_server == ""


def test_a_given_mapping_is_read_instead_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("STAFF_IDLE_TIMEOUT", "60")
    settings = settings_from_env({"MAIL_USE_SSL": "yes"})
    assert (settings.app_env, settings.staff_idle_timeout) == ("development", 900)
    assert settings.mail_use_ssl is True


def test_a_value_of_the_wrong_type_is_refused_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="STAFF_IDLE_TIMEOUT"):
        settings_from_env({"STAFF_IDLE_TIMEOUT": "15 minutes"})


def test_a_stale_readme_table_is_rewritten_from_the_settings() -> None:
    stale = f"Intro.\n\n{table_marker(Table.STAFF)}| setting |\n| `OLD` | — | Gone. |\n\nAfter.\n"
    assert with_settings_tables(stale) == (
        f"Intro.\n\n{table_marker(Table.STAFF)}{settings_table(Table.STAFF)}\nAfter.\n"
    )
