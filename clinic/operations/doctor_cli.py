"""`flask doctor`: check a deployment's settings (clinic.operations.doctor)."""

from __future__ import annotations

import os
import sys

import click

from clinic.operations.doctor import Severity, examine, report
from config.settings import settings_from_env


@click.command("doctor")
def doctor() -> None:
    """Check the settings of this deployment; exit 1 when one is unsafe for production."""
    environ = dict(os.environ)
    findings = examine(settings_from_env(environ), environ)
    click.echo(report(findings))
    if any(finding.severity is Severity.UNSAFE for finding in findings):
        sys.exit(1)
