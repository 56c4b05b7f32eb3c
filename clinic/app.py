"""The Flask app every process shares, without any page: `create_base_app`.

The web app (`clinic.create_app`) adds its pages, commands and headers to it; the
worker and beat processes (`workers.entry`) add the workers' Celery app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from clinic.extensions import db
from clinic.models import reads
from clinic.models.encryption import KeyRing
from clinic.notifications import retention
from clinic.security.instance_secrets import development_encryption_keys, development_secret_key
from clinic.settings.clinic_settings import load_clinic_settings
from config.settings import Settings, settings_from_env
from referrals import DEFAULT_RULES_PATH, load_rules

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The settings are not safe or not complete for this environment."""


def _flask_config(settings: Settings, instance_path: str) -> dict[str, Any]:
    """Every setting under its environment variable's name, with the embedded defaults.

    Not kept as such: INSTANCE_PATH (the app's instance folder) and DATABASE_URL
    (SQLALCHEMY_DATABASE_URI).
    """
    secret_key = settings.secret_key
    encryption_keys = settings.encryption_keys
    if settings.is_production:
        missing = settings.missing_in_production()
        if missing:
            raise ConfigurationError(f"production needs these settings: {', '.join(missing)}")
    else:
        secret_key = secret_key or development_secret_key(instance_path)
        encryption_keys = encryption_keys or development_encryption_keys(instance_path)
    return {
        **settings.by_name(exclude={"INSTANCE_PATH", "DATABASE_URL"}),
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": encryption_keys,
        "SQLALCHEMY_DATABASE_URI": settings.database_url
        or f"sqlite:///{Path(instance_path) / 'clinic.sqlite'}",
        "CELERY_BROKER_URL": settings.celery_broker_url or "filesystem://",
        "ROUTING_RULES": settings.routing_rules or str(DEFAULT_RULES_PATH),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.is_production,
        "WTF_CSRF_TIME_LIMIT": 3600,
        # Every page says `Referrer-Policy: no-referrer`, so browsers send no Referer and
        # Flask-WTF's HTTPS referrer check would refuse every form behind TLS; the CSRF
        # token and SameSite=Lax cookies protect the forms.
        "WTF_CSRF_SSL_STRICT": False,
    }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite is shared by web, worker and beat processes: WAL and a busy wait."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_base_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Settings from the environment (`overrides`, from tests, win over them), checked;
    the database, the encryption keys, the routing rules and the clinic's settings."""
    settings = settings_from_env()
    app = Flask(
        "clinic",  # the package: the app's logger is `clinic`, its root path the package's
        instance_path=str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
    )
    overrides = dict(overrides or {})
    app.instance_path = (
        overrides.pop("INSTANCE_PATH", None) or settings.instance_path or app.instance_path
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(_flask_config(settings, app.instance_path))
    app.config.update(overrides)
    app.extensions["keyring"] = KeyRing.parse(app.config["ENCRYPTION_KEYS"])
    app.extensions["routing_rules"] = load_rules(app.config["ROUTING_RULES"])
    app.extensions["clinic_settings"] = load_clinic_settings(app.config["CLINIC_SETTINGS"])
    retention.init_app(app)

    db.init_app(app)
    reads.init_app(app)
    return app
