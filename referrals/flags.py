"""Decision flags in plain words: a badge and a sentence saying what it means and what
staff do about it, in the order staff should read them.

The flag ids and when they are raised are the routing policy's
(docs/clinical-policy.md); this is the one place they are named for people, read by
the console and by the FHIR safety-flag code system.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class FlagLabel:
    id: str
    label: str
    """The badge, e.g. 'Partner safety'."""
    explanation: str
    """One plain sentence: what it means and what staff do about it."""


def _labels(*labels: FlagLabel) -> Mapping[str, FlagLabel]:
    return MappingProxyType({label.id: label for label in labels})


FLAG_LABELS: Final[Mapping[str, FlagLabel]] = _labels(
    FlagLabel(
        "safety_unknown",
        "Safety not confirmed",
        "the client chose not to answer whether they are safe right now, or the question "
        "about thoughts of being better off dead or of hurting themselves; ask about "
        "safety at first contact.",
    ),
    FlagLabel(
        "partner_safety",
        "Partner safety",
        "a partner may hurt or frighten the client, or this was not ruled out; couples or "
        "family work that brings the partner in is not offered automatically, and contact "
        "must be safe (see the contact wishes).",
    ),
    FlagLabel(
        "safeguarding",
        "Safeguarding check",
        "the intake is about a child or teenager and tells of abuse, or of violence in the "
        "family; a clinician checks child-protection duties.",
    ),
    FlagLabel(
        "severe_symptoms",
        "Severe symptoms",
        "depression (PHQ-9 20 or more) or anxiety (GAD-7 15 or more) scored in the severe range.",
    ),
    FlagLabel(
        "cptsd",
        "Complex PTSD",
        "the ITQ meets the criteria for complex PTSD; plan phase-based work, starting with "
        "stabilisation.",
    ),
    FlagLabel(
        "alcohol_use",
        "Alcohol use",
        "AUDIT-C screened positive for risky drinking; there is no queue for it, so intake "
        "staff take it into account.",
    ),
)
"""Every flag the routing policy raises, in the order staff should read them."""


def label_of(flag: str) -> FlagLabel:
    """The flag's label; a flag this console does not know yet is shown by its id, not hidden."""
    return FLAG_LABELS.get(flag) or FlagLabel(flag, flag.replace("_", " ").capitalize(), "")


def labels_of(flags: Iterable[str]) -> tuple[FlagLabel, ...]:
    """The flags' labels in reading order (known flags first, then any others by id)."""
    order = list(FLAG_LABELS)
    unique = set(flags)
    return tuple(
        label_of(flag)
        for flag in sorted(unique, key=lambda f: (order.index(f) if f in order else len(order), f))
    )
