"""The shipped definitions, loaded and validated once at import time.

A broken shipped definition therefore fails ``import forms`` loudly instead of
mis-scoring an intake later.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from forms.loader import load_definitions
from forms.model import Definition, Item

DEFINITIONS: Mapping[str, Definition] = MappingProxyType(load_definitions())

INSTRUMENT_IDS: tuple[str, ...] = tuple(d.id for d in DEFINITIONS.values() if d.is_instrument)
"""Every scorable instrument, including ``pcl5`` (library only)."""

CLINIC_SECTION_IDS: tuple[str, ...] = tuple(
    d.id for d in DEFINITIONS.values() if not d.is_instrument
)
SECTION_IDS: tuple[str, ...] = INSTRUMENT_IDS + CLINIC_SECTION_IDS

ITEMS: Mapping[str, Item] = MappingProxyType(
    {item.id: item for d in DEFINITIONS.values() for item in d.items}
)
"""Every answer id of every section."""


class UnknownInstrument(KeyError):
    """No instrument (or section) with that id; the message names the known ids."""

    def __init__(self, instrument_id: str, known: tuple[str, ...]) -> None:
        self.instrument_id = instrument_id
        self.known = known
        super().__init__(f"unknown instrument {instrument_id!r}; known: {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])


def get_definition(section_id: str) -> Definition:
    """The loaded definition of an instrument or clinic-question section."""
    try:
        return DEFINITIONS[section_id]
    except KeyError:
        raise UnknownInstrument(section_id, SECTION_IDS) from None


def get_instrument(instrument_id: str) -> Definition:
    definition = DEFINITIONS.get(instrument_id)
    if definition is None or not definition.is_instrument:
        raise UnknownInstrument(instrument_id, INSTRUMENT_IDS)
    return definition


def section_of(item_id: str) -> str:
    return item_id.split(".", 1)[0]
