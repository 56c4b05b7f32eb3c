"""`flask staff token create USER`: a bearer token for the JSON API."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from clinic.api.tokens import create_token
from clinic.models.unit_of_work import reported_after_commit
from clinic.staff.services import find_by_email

token_cli = AppGroup("token", help="Bearer tokens for the JSON API.")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@reported_after_commit
def create(email: str, name: str) -> str:
    """Print a new token for the staff user EMAIL (shown once; scoped to their role)."""
    user = find_by_email(email)
    if user is None or not user.is_enabled:
        raise click.ClickException(f"no active staff account {email}")
    token = create_token(user, name)
    return f"Token for {email} ({user.role}), shown once:\n{token}"


def register(app: Flask) -> None:
    app.cli.commands["staff"].add_command(token_cli)  # type: ignore[attr-defined]
