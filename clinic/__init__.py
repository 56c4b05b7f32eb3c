"""The web app: `create_app` is the one place it is assembled (`flask --app clinic`)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from clinic.app import REPO_ROOT, create_base_app
from clinic.broker import celery_app
from clinic.extensions import csrf, db, login_manager, migrate
from clinic.models import unit_of_work


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The base app (clinic.app) with the pages, the commands, the security headers and
    the client's languages; `overrides` (tests) win over the environment's settings."""
    # Imported here, not above: every `import clinic.…` runs this module, and a worker
    # process imports clinic but must not load a page.
    from clinic import api, staff
    from clinic.api import cli as api_cli
    from clinic.api import errors as api_errors
    from clinic.development import demo_cli
    from clinic.intake import languages
    from clinic.intake import pages as intake_pages
    from clinic.routing import cli as routing_cli
    from clinic.security import keys_cli
    from clinic.web import health, input_checks, security_headers

    app = create_base_app(overrides)
    unit_of_work.init_app(app)  # first, so the request commits after every other hook
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    input_checks.init_app(app)  # before CSRF: a control character is refused first
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = "Please sign in to see the staff console."
    celery_app.init_app(app)

    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    api_errors.init_app(app)
    app.register_blueprint(intake_pages.bp)
    staff.init_app(app)  # blueprint, session rules, rate limits, commands
    security_headers.init_app(app)
    languages.init_app(app, str(REPO_ROOT / "translations"))
    keys_cli.register_commands(app)
    demo_cli.register_commands(app)
    api_cli.register(app)
    routing_cli.register(app)
    return app
