"""The web app: `create_app` is the one place it is assembled (`flask --app clinic`)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from clinic.app import REPO_ROOT, ConfigurationError, create_base_app
from clinic.broker import celery_app
from clinic.extensions import csrf, db, login_manager
from clinic.models import unit_of_work


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The base app (clinic.app) with the pages, the commands, the security headers and
    the client's languages; `overrides` (tests) win over the environment's settings."""
    # Imported here, not above: every `import clinic.…` runs this module, and a worker
    # process imports clinic but must not load a page.
    from flask_migrate import Migrate

    from clinic import api, staff
    from clinic.api import errors as api_errors
    from clinic.development import demo_cli
    from clinic.fhir import rest as fhir_rest
    from clinic.intake import languages
    from clinic.intake import pages as intake_pages
    from clinic.intake.pages import rescreen_views
    from clinic.observability import errors, logs
    from clinic.operations.doctor_cli import doctor
    from clinic.routing import cli as routing_cli
    from clinic.security import keys_cli, ratelimit
    from clinic.web import health, input_checks, metrics, request_ids, security_headers

    try:
        app = create_base_app(overrides)
    except ConfigurationError as problem:
        if click.get_current_context(silent=True) is None:  # a server: refuse to start
            raise
        from clinic.operations.settings_free import settings_free_app

        return settings_free_app(problem)
    storage = str(app.config["RATELIMIT_STORAGE_URI"])
    if app.config["APP_ENV"] == "production" and not ratelimit.is_shared(storage):
        raise ConfigurationError(
            "production needs RATELIMIT_STORAGE_URI to name a Redis server (redis://host:6379/1):"
            f" sign-in limits counted in each web process ({storage}) multiply with the processes"
        )
    trust_proxies(app)
    unit_of_work.init_app(app)  # first, so the request commits after every other hook
    request_ids.init_app(app)
    if overrides is None:  # a server or the `flask` command, not a test: its logs
        logs.configure(app.config)
        errors.init(app.config)
    Migrate().init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    input_checks.init_app(app)  # before CSRF: a control character is refused first
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = "Please sign in to see the staff console."
    celery_app.init_app(app)

    app.register_blueprint(health.bp)
    metrics.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(fhir_rest.bp)
    api_errors.init_app(app)
    app.register_blueprint(intake_pages.bp)
    app.register_blueprint(rescreen_views.bp)
    staff.init_app(app)  # blueprint, session rules, rate limits, commands
    security_headers.init_app(app)
    languages.init_app(app, str(REPO_ROOT / "translations"))
    keys_cli.register_commands(app)
    demo_cli.register_commands(app)
    routing_cli.register(app)
    app.cli.add_command(doctor)
    return app


def trust_proxies(app: Flask) -> None:
    """TRUSTED_PROXY_HOPS reverse proxies: the client's address and scheme are the ones
    the last of them saw (`X-Forwarded-For`, `X-Forwarded-Proto`), so that limits and the
    audit log see each client, not the proxy. None (0): the headers are ignored."""
    hops = int(app.config["TRUSTED_PROXY_HOPS"])
    if hops < 0:
        raise ConfigurationError(f"TRUSTED_PROXY_HOPS must be 0 or more, not {hops}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
