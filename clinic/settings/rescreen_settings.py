"""The `rescreen` section of the clinic settings: cadence, link expiry, instruments.

See `config/clinic.yaml` for what each key means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Self

from pydantic import Field, PlainValidator, model_validator

import forms
from clinic.settings.schema import Entry, Section, problem

PATHS = ("adult_self", "teen_self", "caregiver_child")


@dataclass(frozen=True)
class RescreenSettings:
    enabled: bool = True
    every_days: int = 14
    link_expiry_days: int = 7
    instruments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    queue_every_days: Mapping[str, int | None] = field(default_factory=dict)
    """Per queue: its own cadence in days, or None where it sends no re-screens."""

    def cadence_days(self, queue: str) -> int | None:
        """Days between invitations for a referral of `queue`; None: none for it."""
        if not self.enabled:
            return None
        return self.queue_every_days.get(queue, self.every_days)


def _days(minimum: int, maximum: int) -> object:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise problem("must be a whole number of days")
        if not minimum <= value <= maximum:
            raise problem(f"must be from {minimum} to {maximum}")
        return value

    return check


def _instrument_ids(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise problem("must be a list of instrument ids")
    unknown = [v for v in value if v not in forms.SECTION_IDS]
    if unknown:
        raise problem(f"unknown instrument: {', '.join(unknown)}")
    return tuple(value)


Days = Annotated[int, PlainValidator(_days(1, 365))]


class QueueRescreenEntry(Entry):
    shape = "a mapping with every_days or enabled"
    enabled: bool = True
    every_days: Days | None = None


class RescreenSection(Section):
    enabled: bool = True
    every_days: Days = 14
    link_expiry_days: Days = 7
    instruments: dict[str, Annotated[tuple[str, ...], PlainValidator(_instrument_ids)]] = Field(
        default_factory=dict
    )
    queues: dict[str, QueueRescreenEntry] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_paths(self) -> Self:
        unknown = sorted(set(self.instruments) - set(PATHS))
        if unknown:
            raise problem(f"instruments: unknown path {', '.join(unknown)}")
        return self

    def to_settings(self) -> RescreenSettings:
        return RescreenSettings(
            enabled=self.enabled,
            every_days=self.every_days,
            link_expiry_days=self.link_expiry_days,
            instruments=dict(self.instruments),
            queue_every_days={
                queue: (entry.every_days or self.every_days) if entry.enabled else None
                for queue, entry in self.queues.items()
            },
        )


def parse_rescreen(value: object) -> RescreenSettings:
    """Check the section (absent: the defaults)."""
    return RescreenSection.model_validate(value if value is not None else {}).to_settings()
