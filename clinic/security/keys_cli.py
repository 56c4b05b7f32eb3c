"""`flask keys`: the encryption keys of the answers, contact details, notes and messages.

Which columns are encrypted is read from the models themselves (every `EncryptedJSON`
of every mapped class), so `rotate` and `status` cover a new encrypted column the day
it is added; a test compares the list with the tables' `*_encrypted` columns.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from clinic.extensions import Model, db
from clinic.models.columns import EncryptedJSON
from clinic.models.encryption import KeyRing
from clinic.models.unit_of_work import reported_after_commit, unit_of_work
from clinic.security.instance_secrets import (
    add_development_encryption_key,
    new_encryption_key_entry,
)
from clinic.security.key_backup import BackupError, seal, unseal

keys_cli = AppGroup("keys", help="Encryption keys of the answers and contact details.")

BATCH_SIZE = 200


@dataclass(frozen=True)
class EncryptedModel:
    """A mapped class and the names of its encrypted values (each in `<name>_encrypted`)."""

    model: type[Any]
    names: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"{self.model.__tablename__}.{name}_encrypted" for name in self.names)


def encrypted_models() -> list[EncryptedModel]:
    """Every mapped class with an encrypted value, by table name."""
    found = []
    for mapper in Model.registry.mappers:
        model = mapper.class_
        names = tuple(
            sorted(
                {
                    name
                    for cls in model.__mro__
                    for name, value in vars(cls).items()
                    if isinstance(value, EncryptedJSON)
                }
            )
        )
        if names:
            found.append(EncryptedModel(model, names))
    return sorted(found, key=lambda m: m.model.__tablename__)


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
    for found in encrypted_models():
        model = found.model
        ids = list(db.session.scalars(select(model.id).order_by(model.id)))
        for start in range(0, len(ids), BATCH_SIZE):
            with unit_of_work():
                changed += _re_encrypt(ring, model, found.names, ids[start : start + BATCH_SIZE])
    return f"Re-encrypted {changed} value(s) with key {ring.primary_id}."


def _re_encrypt(ring: KeyRing, model: type[Any], names: tuple[str, ...], ids: list[Any]) -> int:
    """Re-encrypt the values of these rows not under the primary key; how many."""
    changed = 0
    for row in db.session.scalars(select(model).where(model.id.in_(ids))):
        for name in names:
            token = getattr(row, f"{name}_encrypted")
            if token is not None and ring.key_id_of(token) != ring.primary_id:
                setattr(row, name, getattr(row, name))
                changed += 1
    return changed


def values_per_key() -> dict[str, Counter[str]]:
    """For each encrypted column (`table.column`), how many values each key id encrypted."""
    counts: dict[str, Counter[str]] = {}
    for found in encrypted_models():
        for name, column in zip(found.names, found.columns, strict=True):
            attribute = getattr(found.model, f"{name}_encrypted")
            tokens = db.session.scalars(
                select(attribute).where(attribute.is_not(None)).execution_options(yield_per=1000)
            )
            counts[column] = Counter(_key_id(token) for token in tokens)
    return counts


def _key_id(token: str) -> str:
    parts = token.split(".", 2)
    return parts[1] if len(parts) == 3 else "(not encrypted)"


@keys_cli.command("status")
def status() -> None:
    """How many stored values each key encrypted, by column: a key can go once it has none."""
    ring: KeyRing = current_app.extensions["keyring"]
    counts = values_per_key()
    totals: Counter[str] = Counter()
    for column, per_key in counts.items():
        totals.update(per_key)
        shown = ", ".join(f"{key} {n}" for key, n in sorted(per_key.items())) or "no values"
        click.echo(f"{column}: {shown}")
    click.echo("")
    for key_id in [ring.primary_id, *sorted(set(ring.keys) - {ring.primary_id})]:
        role = "first: encrypts new values" if key_id == ring.primary_id else "decrypts only"
        advice = ""
        if key_id != ring.primary_id:
            advice = " — can be removed" if not totals[key_id] else " — run `flask keys rotate`"
        click.echo(f"key {key_id} ({role}): {totals[key_id]} value(s){advice}")
    for key_id in sorted(set(totals) - set(ring.keys)):
        click.echo(f"key {key_id} (not in ENCRYPTION_KEYS): {totals[key_id]} value(s) unreadable")


def register_commands(app: Flask) -> None:
    app.cli.add_command(keys_cli)
