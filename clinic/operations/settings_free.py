"""The `flask` command's app while the settings do not make one.

`flask keys generate` makes the ENCRYPTION_KEYS that production needs, and
`flask doctor` says what is wrong with the settings: both must run before the
settings are complete. When the whole app refuses the settings (`ConfigurationError`)
under the `flask` command, it gets this app instead: those two commands work,
and every other command stops with the configuration problem.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from clinic.operations.doctor_cli import doctor
from clinic.security.keys_cli import generate_key, import_backup


class _ReportingGroup(AppGroup):
    """A command group whose unknown commands stop with the configuration problem."""

    def __init__(self, problem: Exception, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        problem = self.problem

        @click.command(cmd_name, context_settings={"ignore_unknown_options": True})
        @click.argument("args", nargs=-1, type=click.UNPROCESSED)
        def refused(args: tuple[str, ...]) -> None:
            raise click.ClickException(
                f"{problem} (only `flask keys generate`, `flask keys import-backup` and "
                "`flask doctor` run without them)"
            )

        return refused


def settings_free_app(problem: Exception) -> Flask:
    """An app with only the commands that need no settings; others report `problem`."""
    app = Flask("clinic")
    app.cli = _ReportingGroup(problem)
    keys = _ReportingGroup(problem, name="keys", help="Encryption keys.")
    keys.add_command(generate_key)
    keys.add_command(import_backup)
    app.cli.add_command(keys)
    app.cli.add_command(doctor)
    return app
