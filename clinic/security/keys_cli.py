"""`flask keys`: the encryption keys of the answers and contact details."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import IntakeSubmission, Referral, ReferralNote, StaffUser
from clinic.models.columns import EncryptedJSON
from clinic.models.encryption import KeyRing
from clinic.models.unit_of_work import reported_after_commit, unit_of_work
from clinic.security.instance_secrets import (
    add_development_encryption_key,
    new_encryption_key_entry,
)
from clinic.security.key_backup import BackupError, seal, unseal

keys_cli = AppGroup("keys", help="Encryption keys of the answers and contact details.")

ENCRYPTED_MODELS = (IntakeSubmission, Referral, StaffUser, ReferralNote)
BATCH_SIZE = 200


def _encrypted_fields(model: type) -> Iterator[str]:
    for name, value in vars(model).items():
        if isinstance(value, EncryptedJSON):
            yield name


@keys_cli.command("generate")
def generate_key() -> None:
    """Print a new `key_id:key` entry to put first in ENCRYPTION_KEYS (production)."""
    click.echo(new_encryption_key_entry(f"k{secrets.token_hex(3)}"))


PASSPHRASE_VARIABLE = "KEY_BACKUP_PASSPHRASE"


def _passphrase(*, confirm: bool) -> str:
    """From KEY_BACKUP_PASSPHRASE, else asked (on stderr: stdout may be captured)."""
    given = os.environ.get(PASSPHRASE_VARIABLE, "")
    if given:
        return given
    return str(click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True))


@keys_cli.command("export-backup")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="A new file.")
def export_backup(output: str) -> None:
    """Write the key ring (ENCRYPTION_KEYS) sealed to a passphrase, for escrow.

    The passphrase comes from KEY_BACKUP_PASSPHRASE or is asked for. Keep the file
    and the passphrase apart from each other and from the database backups.
    """
    spec = current_app.config["ENCRYPTION_KEYS"]
    try:
        text = seal(spec, _passphrase(confirm=True))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise click.ClickException(f"{output} exists; choose a new file") from exc
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    ids = ", ".join(KeyRing.parse(spec).keys)
    click.echo(f"Key ring ({ids}) sealed to {output}. Store it apart from the database backups.")


@click.command("import-backup")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False))
def import_backup(backup: str) -> None:
    """Print the ENCRYPTION_KEYS value kept in a backup made by `keys export-backup`.

    Works without any other setting: `export ENCRYPTION_KEYS=$(flask keys import-backup F)`.
    """
    with open(backup, encoding="utf-8") as handle:
        text = handle.read()
    try:
        click.echo(unseal(text, _passphrase(confirm=False)))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


keys_cli.add_command(import_backup)


@keys_cli.command("add")
def add_key() -> None:
    """Development only: add a new key, first in instance/encryption_keys."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("in production, set ENCRYPTION_KEYS (see `flask keys generate`)")
    spec = add_development_encryption_key(current_app.instance_path)
    click.echo(f"New key {KeyRing.parse(spec).primary_id} added; run `flask keys rotate` next.")


@keys_cli.command("rotate")
@reported_after_commit
def rotate_keys() -> str:
    """Re-encrypt every encrypted value with the first key of ENCRYPTION_KEYS.

    Each batch of BATCH_SIZE rows is a unit of work of its own.
    """
    ring: KeyRing = current_app.extensions["keyring"]
    changed = 0
    for model in ENCRYPTED_MODELS:
        names = list(_encrypted_fields(model))
        ids = list(db.session.scalars(select(model.id).order_by(model.id)))
        for start in range(0, len(ids), BATCH_SIZE):
            with unit_of_work():
                changed += _re_encrypt(ring, model, names, ids[start : start + BATCH_SIZE])
    return f"Re-encrypted {changed} value(s) with key {ring.primary_id}."


def _re_encrypt(ring: KeyRing, model: type[Any], names: list[str], ids: list[Any]) -> int:
    """Re-encrypt the values of these rows not under the primary key; how many."""
    changed = 0
    for row in db.session.scalars(select(model).where(model.id.in_(ids))):
        for name in names:
            token = getattr(row, f"{name}_encrypted")
            if token is not None and ring.key_id_of(token) != ring.primary_id:
                setattr(row, name, getattr(row, name))
                changed += 1
    return changed


def register_commands(app: Flask) -> None:
    app.cli.add_command(keys_cli)
