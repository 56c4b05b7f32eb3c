"""`flask staff ...` (accounts, `token ...`) and `flask audit verify|seal|export-head` (the audit
chain)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from clinic.models.staff import ROLES, StaffUser
from clinic.models.unit_of_work import reported_after_commit
from clinic.security import audit, audit_heads, audit_seal
from clinic.staff import mfa
from clinic.staff.services import RefusedChange, add_staff_user, find_by_email, set_enabled
from clinic.staff.token_cli import token_cli
from referrals import QUEUES

staff_cli = AppGroup("staff", help="Staff accounts.")
staff_cli.add_command(token_cli)
audit_cli = AppGroup("audit", help="The audit log.")


def _account(email: str) -> StaffUser:
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"no staff account with email {email}")
    return user


@staff_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--admin", "is_admin", is_flag=True, help="Also an administrator.")
@click.option(
    "--queue", "queues", multiple=True, type=click.Choice(list(QUEUES)), help="Repeatable."
)
@click.password_option()
@reported_after_commit
def create_staff(
    email: str, display_name: str, role: str, is_admin: bool, queues: tuple[str, ...], password: str
) -> str:
    """Create a staff account (the authenticator app is set up at first sign-in)."""
    try:
        user = add_staff_user(
            email=email,
            display_name=display_name,
            password=password,
            role=role,
            queues=queues,
            is_admin=is_admin,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    return f"Created {role} {user.email}."


@staff_cli.command("disable")
@click.option("--email", required=True)
@reported_after_commit
def disable_staff(email: str) -> str:
    """Disable an account and end its sessions (never the last active administrator)."""
    try:
        set_enabled(_account(email), False)
    except RefusedChange as exc:
        raise click.ClickException(str(exc)) from exc
    return f"Disabled {email}; its sessions have ended."


@staff_cli.command("enable")
@click.option("--email", required=True)
@reported_after_commit
def enable_staff(email: str) -> str:
    """Enable a disabled account again."""
    set_enabled(_account(email), True)
    return f"Enabled {email}."


@staff_cli.command("reset-mfa")
@click.option("--email", required=True)
@reported_after_commit
def reset_staff_mfa(email: str) -> str:
    """Forget the account's authenticator and recovery codes (set up again at next sign-in)."""
    mfa.reset(_account(email))
    return f"Authenticator reset for {email}: they set it up again at their next sign-in."


@audit_cli.command("verify")
def verify_audit() -> None:
    """Check the keyed audit chain, unsealed events and the exported heads; exit 1 on a problem.

    Names the first broken link, events left unsealed longer than
    AUDIT_UNSEALED_MAX_AGE, and exported heads the chain no longer holds.
    """
    report = audit.verify_chain()
    if not report.ok:
        raise click.ClickException(
            f"audit chain broken (tampered with, or not sealed) after checking "
            f"{report.checked} event(s): " + "; ".join(report.problems)
        )
    pending = f", {report.unsealed} recent event(s) not sealed yet" if report.unsealed else ""
    click.echo(f"Audit chain intact: {report.checked} event(s) checked{pending}.")


@audit_cli.command("seal")
def seal_audit() -> None:
    """Seal every unsealed audit event now (what the beat task does), a batch per commit."""
    sealed = audit_seal.seal_pending()
    if sealed is None:
        click.echo("Another sealer is running; it seals the events.")
        return
    click.echo(f"Sealed {sealed} event(s).")


@audit_cli.command("export-head")
def export_audit_head() -> None:
    """Append the chain head to the heads file now (what the beat task does)."""
    line = audit_heads.export_head()
    if line is None:
        click.echo(
            f"No new head to export: {audit_heads.heads_path()} holds the newest "
            "(or nothing is sealed yet)."
        )
        return
    click.echo(
        f"Exported the head (sealed up to event {line.sealed_up_to_id}) "
        f"to {audit_heads.heads_path()}."
    )


def register_commands(app: Flask) -> None:
    for group in (staff_cli, audit_cli):
        app.cli.add_command(group)
