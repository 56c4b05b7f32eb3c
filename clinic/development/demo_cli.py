"""`flask demo setup`: the development demo's staff account."""

from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.models import StaffUser
from clinic.models.unit_of_work import reported_after_commit
from clinic.staff.services import create_staff_user

demo_cli = AppGroup("demo", help="The development demo.")

DEMO_EMAIL = "coordinator@demo.clinic.invalid"


@demo_cli.command("setup")
@reported_after_commit
def demo_setup() -> str | None:
    """Development only: create the demo coordinator once and print its login once."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("the demo account is for development only")
    if db.session.scalar(select(func.count()).select_from(StaffUser)):
        return None
    password = secrets.token_urlsafe(12)
    create_staff_user(
        email=DEMO_EMAIL,
        display_name="Demo coordinator",
        password=password,
        role="intake_coordinator",
    )
    return (
        "\nDemo staff account (shown once; use `flask staff create` for real ones):\n"
        f"  email:    {DEMO_EMAIL}\n  password: {password}\n"
    )


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_cli)
