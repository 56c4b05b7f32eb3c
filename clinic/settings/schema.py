"""What the clinic settings file's pydantic models share.

A validator raises `problem(...)` to refuse the value it checks, or `refuse_at(...)` to
name a place inside it (an entry of a list, a key of a mapping); `key_of` writes a
place the way the file's errors name it: `crisis_resources[0].href`. These three are
the instrument definitions' own (`forms.schema`), so every file's errors read alike.

`Section` is a mapping whose unknown keys are ignored (the file's top level,
`notifications`); a key it leaves out takes the field's default, or is read as null
when the field has none. `Entry` is one entry of a list or mapping, whose unknown keys
are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from forms.schema import Location, problem, refuse_at
from forms.schema import field_path as key_of

__all__ = ["Entry", "Location", "Section", "key_of", "problem", "refuse_at"]


class Section(BaseModel):
    """A mapping of settings: a key left out without a default is null; unknown keys pass."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _absent_keys_are_null(cls, data: object) -> dict[Any, Any]:
        if not isinstance(data, Mapping):
            raise problem("must be a mapping")
        required = (name for name, field in cls.model_fields.items() if field.is_required())
        return {**dict.fromkeys(required), **data}


class Entry(BaseModel):
    """One entry of a list or a mapping in the file; its unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    shape: ClassVar[str]
    """What the entry must be, said when it is not: `a mapping with at least a label`."""

    @classmethod
    def has_shape(cls, data: Mapping[Any, Any]) -> bool:
        """Whether a mapping has the keys the entry cannot do without."""
        return True

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: object) -> object:
        if not isinstance(data, Mapping) or not cls.has_shape(data):
            raise problem(f"must be {cls.shape}")
        unknown = sorted(set(data) - set(cls.model_fields), key=str)
        if unknown:
            allowed = ", ".join(cls.model_fields)
            refuse_at((unknown[0],), f"unknown key (use {allowed})", data[unknown[0]])
        return data
