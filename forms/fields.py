"""Definition files: reading their YAML, and the error that names the file and field.

Every problem raises :class:`DefinitionError` naming the file and the field, e.g.
``phq9.yaml: scoring.cut_off.default: 30 is outside the score range 0-27``. Sections
and flows are read into pydantic models (:mod:`forms.schema`); translations, whose
fields depend on the section they translate, with the typed accessors of ``Fields``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

import yaml

from forms.model import PATHS, Text


class DefinitionError(ValueError):
    """A definition file is broken; the message names the file and the field."""

    def __init__(self, file: Path | str, field: str, message: str) -> None:
        self.file = Path(file)
        self.field = field
        super().__init__(f"{self.file.name}: {field}: {message}")


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(file: Path) -> object:
    """The parsed file; :class:`DefinitionError` naming it if it is not valid YAML."""
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise DefinitionError(file, "<yaml>", f"not valid YAML: {exc}") from exc


class Fields:
    """Typed access to one YAML mapping, with the field path kept for error messages."""

    def __init__(self, file: Path, where: str, data: object, allowed: Sequence[str]) -> None:
        self.file = file
        self.where = where
        if not isinstance(data, dict):
            self.fail("", f"must be a mapping, got {type(data).__name__}")
        self.data: dict[str, object] = data
        for key in data:
            if key not in allowed:
                self.fail(str(key), f"unknown field (allowed: {', '.join(allowed)})")

    def path(self, key: str) -> str:
        if not key:
            return self.where or "<top>"
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, message: str) -> NoReturn:
        raise DefinitionError(self.file, self.path(key), message)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str, *, required: bool = True) -> object:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail(key, "is required")
            return None
        return self.data[key]

    def get_str(self, key: str, *, required: bool = True) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
        return value

    def req_str(self, key: str) -> str:
        return cast(str, self.get_str(key))

    def get_text(self, key: str, *, required: bool = True) -> Text | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if isinstance(value, str) and value.strip():
            return Text(value.strip())
        if isinstance(value, dict):
            text = Fields(self.file, self.path(key), value, ("default", *PATHS))
            variants = {p: text.req_str(p).strip() for p in PATHS if text.has(p)}
            return Text(text.req_str("default").strip(), variants)
        self.fail(key, "must be a string or a mapping of default/per-path wording")
