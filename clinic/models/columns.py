"""Column helpers shared by the models: ids, timestamps, encrypted JSON values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from clinic.models.encryption import KeyRing, decrypt_json, encrypt_json


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use clinic.models.columns.utcnow()")
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class UuidText(FunctionElement[str]):
    """A UUID column as its canonical text (what `str(uuid)` gives), made by the database:
    for long listings, where turning each into a Python UUID and back costs the most."""

    type = String()
    inherit_cache = True


@compiles(UuidText)
def _uuid_text(element: UuidText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(UuidText, "sqlite")
def _uuid_text_sqlite(element: UuidText, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite keeps a UUID as 32 hex digits."""
    hex_digits = compiler.process(element.clauses, **kw)
    parts = " || '-' || ".join(
        f"substr({hex_digits}, {start}, {length})"
        for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    )
    return f"lower({parts})"


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


def created_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, nullable=False, default=utcnow)


def updated_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


def ciphertext() -> Mapped[str | None]:
    return mapped_column(String, nullable=True, comment="AES-GCM ciphertext bound to this row")


def key_ring() -> KeyRing:
    ring: KeyRing = current_app.extensions["keyring"]
    return ring


class EncryptedJSON:
    """A JSON value kept encrypted in the column `<name>_encrypted` of the same row.

    The row id is part of the associated data, so models using this must have
    their `id` set before a value is assigned (they set it in `__init__`).
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.column = f"{name}_encrypted"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        token = getattr(obj, self.column)
        if token is None:
            return None
        return decrypt_json(
            key_ring(), token, table=obj.__tablename__, column=self.column, row_id=obj.id
        )

    def __set__(self, obj: Any, value: Any) -> None:
        token = None
        if value is not None:
            token = encrypt_json(
                key_ring(), value, table=obj.__tablename__, column=self.column, row_id=obj.id
            )
        setattr(obj, self.column, token)


class HasEncryptedValues:
    """Mixin: the row id is set before encrypted values, since they are bound to it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("id", uuid.uuid4())
        encrypted = {
            name: kwargs.pop(name)
            for name in list(kwargs)
            if isinstance(getattr(type(self), name, None), EncryptedJSON)
        }
        super().__init__(**kwargs)
        for name, value in encrypted.items():
            setattr(self, name, value)
