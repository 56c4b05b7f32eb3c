"""Reading one YAML mapping with typed accessors that name the failing field.

Every problem raises :class:`DefinitionError` naming the file and the field, e.g.
``phq9.yaml: scoring.cut_off.default: 30 is outside the score range 0-27``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

import yaml

from forms.model import PATHS, Text

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
LOINC = re.compile(r"^\d{1,6}-\d$")


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

    def get_int(self, key: str, *, required: bool = True) -> int | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be an integer, got {value!r}")
        return value

    def req_int(self, key: str) -> int:
        return cast(int, self.get_int(key))

    def get_bool(self, key: str, default: bool) -> bool:
        value = self.raw(key, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, got {value!r}")
        return value

    def get_list(self, key: str, *, required: bool = True) -> list[object]:
        value = self.raw(key, required=required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, "must be a list")
        return value

    def get_name(self, key: str, *, required: bool = True) -> str | None:
        value = self.get_str(key, required=required)
        if value is not None and not NAME.match(value):
            self.fail(key, f"{value!r} must be lower_snake_case")
        return value

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

    def get_version(self, key: str = "version") -> str:
        """A version string (YAML may read ``1.0`` as a number: quote it or not)."""
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(key, "must be a string")
        return str(value)

    def get_changes(self, version: str, key: str = "changes") -> dict[str, tuple[str, ...]]:
        """``{version: [what changed, ...]}``; when given, it must describe ``version``."""
        raw = self.raw(key, required=False)
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.fail(key, "must map a version to a list of changes")
        changes = Fields(self.file, self.path(key), raw, tuple(str(v) for v in raw))
        result: dict[str, tuple[str, ...]] = {}
        for name in raw:
            entries = changes.get_list(str(name))
            if not entries or not all(isinstance(e, str) and e.strip() for e in entries):
                changes.fail(str(name), "must be a non-empty list of sentences")
            result[str(name)] = tuple(" ".join(str(e).split()) for e in entries)
        if version not in result:
            self.fail(key, f"must say what changed in the current version {version!r}")
        return result
