"""The Flask application: `create_app` is the one place an app is assembled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from clinic import unit_of_work
from clinic.clinic_settings import load_clinic_settings
from clinic.encryption import KeyRing
from clinic.extensions import csrf, db, login_manager, migrate
from clinic.instance_secrets import development_encryption_keys, development_secret_key
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


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from environment settings; `overrides` (tests) win over them."""
    settings = settings_from_env()
    app = Flask(
        __name__,
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

    db.init_app(app)
    unit_of_work.init_app(app)  # first, so the request commits after every other hook
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = "Please sign in to see the staff console."

    from workers.celery_app import init_celery

    init_celery(app)

    import clinic.notifications  # noqa: F401  nests its pages in the staff blueprint
    from clinic import api, health, i18n, intake, routing_cli, security_headers, staff
    from clinic.api import cli as api_cli
    from clinic.cli import register_commands

    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(intake.bp)
    staff.init_app(app)  # blueprint, session rules, rate limits, commands
    security_headers.init_app(app)
    i18n.init_app(app, str(REPO_ROOT / "translations"))
    register_commands(app)
    api_cli.register(app)
    routing_cli.register(app)
    return app
