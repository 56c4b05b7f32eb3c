"""The pydantic pieces the definition files' models share.

A definition file (``definitions/<section>.yaml``, ``flows.yaml``) is read into pydantic
models: :mod:`forms.loader` (the section), :mod:`forms.scoring_schema` (its ``scoring``
block), :mod:`forms.condition_schema` (show-when conditions). Their fields use the
value types below, whose messages say which rule a value breaks; ``Entry`` refuses an
unknown field naming the fields allowed. A check that spans fields raises
``refuse_at(place, ...)`` to name the place inside the model it validates.
``definition_error`` turns pydantic's errors into one :class:`DefinitionError` naming
the file and the field (``phq9.yaml: scoring.cut_off.default: ...``), one line per
problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final, NoReturn, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from forms.fields import DefinitionError
from forms.model import PATHS, Text

Location = tuple[str | int, ...]
T = TypeVar("T")
NAME: Final = re.compile(r"^[a-z][a-z0-9_]*$")
LOINC: Final = re.compile(r"^\d{1,6}-\d$")
ITEM_NAME: Final = re.compile(r"^[a-z0-9_]+$")
"""What follows the section id in an item id: ``phq9.9``, ``safety.now``."""


def problem(message: str) -> PydanticCustomError:
    """The error a validator raises: ``message`` says which rule the value breaks."""
    return PydanticCustomError("definition", "{problem}", {"problem": message})


def refuse_at(place: Location, message: str, value: object) -> NoReturn:
    """Refuse ``value``, found at ``place`` inside the value being validated."""
    raise ValidationError.from_exception_data(
        "definition", [InitErrorDetails(type=problem(message), loc=place, input=value)]
    )


def field_path(place: Location) -> str:
    """``('items', 0, 'text')`` as ``items[0].text``; the empty place is ``<top>``."""
    path = ""
    for part in place:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "<top>"


def definition_error(file: Path, error: ValidationError, where: Location = ()) -> DefinitionError:
    """Every problem of ``error`` (found at ``where`` in ``file``), the first one first."""
    (first, message), *others = [
        (field_path((*where, *e["loc"])), _message(e)) for e in error.errors()
    ]
    also = "".join(f"\n{file.name}: {path}: {text}" for path, text in others)
    return DefinitionError(file, first, message + also)


def _message(error: ErrorDetails) -> str:
    return "is required" if error["type"] == "missing" else error["msg"]


class Entry(BaseModel):
    """A mapping in a definition file; a field it does not know is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_fields_only(cls, data: object) -> object:
        if not isinstance(data, dict):
            raise problem(f"must be a mapping, got {type(data).__name__}")
        allowed = [field.alias or name for name, field in cls.model_fields.items()]
        for key in data:
            if key not in allowed:
                refuse_at((str(key),), f"unknown field (allowed: {', '.join(allowed)})", data[key])
        return data


def required(value: T) -> T:
    """A value that may not be null: "is required"."""
    if value is None:
        raise problem("is required")
    return value


def non_empty_string(value: object) -> str:
    required(value)
    if not isinstance(value, str) or not value.strip():
        raise problem("must be a non-empty string")
    return value


def _stripped(value: object) -> str:
    return non_empty_string(value).strip()


def _name(value: object) -> str:
    name = non_empty_string(value)
    if not NAME.match(name):
        raise problem(f"{name!r} must be lower_snake_case")
    return name


def _integer(value: object) -> int:
    required(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise problem(f"must be an integer, got {value!r}")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise problem(f"must be true or false, got {value!r}")
    return value


def _loinc_code(value: object) -> str:
    code = non_empty_string(value)
    if not LOINC.match(code):
        raise problem(f"{code!r} is not a LOINC code")
    return code


def required_list(value: object) -> list[Any]:
    required(value)
    if not isinstance(value, list):
        raise problem("must be a list")
    return value


def _list_or_none(value: object) -> list[Any]:
    return [] if value is None else required_list(value)


def texts(value: object) -> tuple[str, ...]:
    """A list written as text: item ids, notes (YAML may read ``1`` as a number)."""
    return tuple(str(entry) for entry in required_list(value))


Str = Annotated[str, PlainValidator(non_empty_string)]
"""Non-empty text, as written."""
StrippedStr = Annotated[str, PlainValidator(_stripped)]
Name = Annotated[str, PlainValidator(_name)]
Integer = Annotated[int, PlainValidator(_integer)]
Flag = Annotated[bool, PlainValidator(_flag)]
LoincCode = Annotated[str, PlainValidator(_loinc_code)]
Texts = Annotated[tuple[str, ...], PlainValidator(texts)]
List = BeforeValidator(required_list)
"""A list of entries (in ``Annotated[tuple[Entry, ...], List]``); null is refused."""
OptionalList = BeforeValidator(_list_or_none)
"""A list of entries that may be left out or null (empty)."""
Required = BeforeValidator(required)
"""A mapping (``Annotated[SomeEntry, Required]``) that may not be null: a list's entries
may be, and are refused as not a mapping."""


class TextEntry(Entry):
    """Wording as a mapping: the default and per-path variants."""

    default: StrippedStr
    adult_self: StrippedStr | None = None
    teen_self: StrippedStr | None = None
    caregiver_child: StrippedStr | None = None

    def to_text(self) -> Text:
        variants = {path: getattr(self, path) for path in PATHS}
        return Text(
            self.default, {path: text for path, text in variants.items() if text is not None}
        )


def _text(value: object) -> Text:
    required(value)
    if isinstance(value, str) and value.strip():
        return Text(value.strip())
    if isinstance(value, dict):
        return TextEntry.model_validate(value).to_text()
    raise problem("must be a string or a mapping of default/per-path wording")


def _version(value: object) -> str:
    """A version string (YAML may read ``1.0`` as a number: quote it or not)."""
    required(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise problem("must be a string")
    return str(value)


def _changes(value: object) -> dict[str, tuple[str, ...]]:
    """``{version: [what changed, ...]}``, each sentence with its spaces folded."""
    if not isinstance(value, dict):
        raise problem("must map a version to a list of changes")
    changes: dict[str, tuple[str, ...]] = {}
    for version, entries in value.items():
        if not isinstance(version, str):
            refuse_at((str(version),), "a version must be a string (quote it)", entries)
        if entries is None:
            refuse_at((version,), "is required", entries)
        if not isinstance(entries, list):
            refuse_at((version,), "must be a list", entries)
        if not entries or not all(isinstance(e, str) and e.strip() for e in entries):
            refuse_at((version,), "must be a non-empty list of sentences", entries)
        changes[version] = tuple(" ".join(e.split()) for e in entries)
    return changes


def _describes_version(
    changes: dict[str, tuple[str, ...]], info: ValidationInfo
) -> dict[str, tuple[str, ...]]:
    version = info.data.get("version")  # absent when refused already
    if version is not None and version not in changes:
        raise problem(f"must say what changed in the current version {version!r}")
    return changes


TextValue = Annotated[Text, PlainValidator(_text)]
Version = Annotated[str, PlainValidator(_version)]
Changes = Annotated[
    Mapping[str, tuple[str, ...]], PlainValidator(_changes), AfterValidator(_describes_version)
]
"""What changed, by version; it must describe the ``version`` field before it."""
