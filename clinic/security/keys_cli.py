"""`flask keys`: the encryption keys of the answers and contact details."""

from __future__ import annotations

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
