"""`flask staff token create|list|revoke`: bearer tokens for the JSON API."""

from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup

from clinic.api import scopes, tokens
from clinic.extensions import db
from clinic.models import ApiToken
from clinic.models.unit_of_work import reported_after_commit
from clinic.staff.services import find_by_email

token_cli = AppGroup("token", help="Bearer tokens for the JSON API.")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@click.option(
    "--scope",
    "scope_names",
    multiple=True,
    type=click.Choice(tuple(scopes.CATALOGUE)),
    help="A scope it gets (repeat for more). Default: every scope the account's role allows.",
)
@click.option(
    "--expires-days",
    type=click.IntRange(min=1),
    default=None,
    help="Days it works. Default: API_TOKEN_EXPIRY_DAYS.",
)
@reported_after_commit
def create(email: str, name: str, scope_names: tuple[str, ...], expires_days: int | None) -> str:
    """Print a new token for the staff user EMAIL (shown once)."""
    user = find_by_email(email)
    if user is None or not user.is_enabled:
        raise click.ClickException(f"no active staff account {email}")
    try:
        token = tokens.create_token(user, name, scope_names or None, expires_days)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    row = tokens.row_of(token)
    assert row is not None  # just added
    return (
        f"Token {row.id} for {email} ({user.role}), scopes {row.scope}, "
        f"expires {row.expires_at:%Y-%m-%d %H:%M} UTC. Shown once:\n{token}"
    )


def _when(row: ApiToken) -> str:
    used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
    return f"made {row.created_at:%Y-%m-%d}, expires {row.expires_at:%Y-%m-%d}, last used {used}"


@token_cli.command("list")
@click.option("--email", default=None, help="Only this account's tokens.")
@click.option("--all", "show_all", is_flag=True, help="Revoked and expired tokens too.")
def list_tokens(email: str | None, show_all: bool) -> None:
    """Every live token (never the token itself): id, owner, name, scopes, dates."""
    owner = None
    if email is not None:
        owner = find_by_email(email)
        if owner is None:
            raise click.ClickException(f"no staff account {email}")
    rows = [r for r in tokens.tokens_for(owner) if show_all or tokens.state(r) == "live"]
    for row in rows:
        click.echo(
            f"{row.id}  {row.staff_user.email}  {row.name!r}  [{row.scope}]  "
            f"{tokens.state(row)}; {_when(row)}"
        )
    if not rows:
        click.echo("No tokens.")


@token_cli.command("revoke")
@click.argument("token_id", type=click.UUID)
@reported_after_commit
def revoke(token_id: uuid.UUID) -> str:
    """Stop the token TOKEN_ID (from `flask staff token list`) at once."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"no token {token_id}")
    if not tokens.revoke(row):
        return f"Token {token_id} was already revoked."
    return f"Revoked token {token_id} of {row.staff_user.email}."
