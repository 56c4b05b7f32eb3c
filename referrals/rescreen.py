"""Re-screens while waiting: what changed since the scores before, and what it means.

A client on a waiting list answers a short re-screen (PHQ-9, GAD-7, ASQ for adults).
`assess_rescreen` compares it with their previous totals and derives the safety facts
again, then says, with the reasons staff read:

* acute now -> urgent (on-call is paged as for any urgent intake);
* suicide risk now -> priority ("new since the last answers" when it was not there);
* a reliable deterioration on an instrument (a rise of at least its reliable change) ->
  priority;
* a reliable improvement, or reaching remission, is reported and never lowers anything.

The reliable changes are data (`config/rescreen.yaml`): given outright (the PHQ-9's 6 and
the GAD-7's 4 that NHS Talking Therapies uses) or computed from a reliability and a
standard deviation with the Jacobson-Truax reliable change index.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Set
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Final, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from referrals.facts import Answers, ScoreLike, derive_facts
from referrals.ruleset import Priority

DEFAULT_RESCREEN_PATH: Final = Path(__file__).resolve().parent.parent / "config" / "rescreen.yaml"
Z_95: Final = 1.96
"""Two-tailed 95 %: a change larger than this many standard errors of the difference."""


def reliable_change_from(sd: float, reliability: float) -> int:
    """The smallest whole-point change that is reliable (Jacobson & Truax 1991):
    1.96 x SD x sqrt(2 x (1 - r)), rounded up."""
    if not 0 < reliability < 1 or sd <= 0:
        raise ValueError("reliability must be between 0 and 1 and the SD above 0")
    return math.ceil(Z_95 * sd * math.sqrt(2 * (1 - reliability)) - 1e-9)


class RescreenFileError(ValueError):
    """A re-screen file that cannot be used; the message names the instrument and field."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class InstrumentEntry(_Entry):
    """One instrument: `reliable_change`, or `reliability` with `sd`; `remission_below`."""

    reliable_change: int | None = Field(default=None, gt=0)
    reliability: float | None = Field(default=None, gt=0, lt=1)
    sd: float | None = Field(default=None, gt=0)
    remission_below: int | None = Field(default=None, gt=0)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_way_to_the_threshold(self) -> Self:
        computed = self.reliability is not None or self.sd is not None
        if (self.reliable_change is None) == (not computed):
            raise ValueError("give reliable_change, or reliability and sd (not both)")
        if computed and (self.reliability is None or self.sd is None):
            raise ValueError("reliability and sd go together")
        return self

    def threshold(self) -> int:
        if self.reliable_change is not None:
            return self.reliable_change
        assert self.sd is not None and self.reliability is not None
        return reliable_change_from(self.sd, self.reliability)


class RescreenFile(_Entry):
    version: str = Field(min_length=1)
    instruments: dict[str, InstrumentEntry]


@dataclass(frozen=True, slots=True)
class ChangeRule:
    instrument: str
    reliable_change: int
    remission_below: int | None


@dataclass(frozen=True, slots=True)
class RescreenRules:
    version: str
    rules: Mapping[str, ChangeRule]


def load_rescreen_rules(path: str | os.PathLike[str] = DEFAULT_RESCREEN_PATH) -> RescreenRules:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        file = RescreenFile.model_validate(data)
    except OSError as error:
        raise RescreenFileError(f"{path}: cannot read it: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise RescreenFileError(f"{path}: not valid YAML: {error}") from error
    except ValidationError as error:
        problems = [
            f"{path}: {'.'.join(str(part) for part in e['loc']) or 'top'}: {e['msg']}"
            for e in error.errors()
        ]
        raise RescreenFileError("\n".join(problems)) from None
    rules = {
        name: ChangeRule(name, entry.threshold(), entry.remission_below)
        for name, entry in file.instruments.items()
    }
    return RescreenRules(file.version, rules)


@cache
def default_rescreen_rules() -> RescreenRules:
    return load_rescreen_rules()


class Direction(StrEnum):
    DETERIORATED = "deteriorated"
    IMPROVED = "improved"
    NO_RELIABLE_CHANGE = "no_reliable_change"


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """One instrument's total then and now."""

    instrument: str
    before: int
    after: int
    reliable_change: int
    remission: bool
    """Below the remission total now, and not before."""

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def direction(self) -> Direction:
        if self.change >= self.reliable_change:
            return Direction.DETERIORATED
        if self.change <= -self.reliable_change:
            return Direction.IMPROVED
        return Direction.NO_RELIABLE_CHANGE

    def sentence(self) -> str:
        name = _NAMES.get(self.instrument, self.instrument)
        moved = f"{name} {self.before} to {self.after}"
        if self.direction is Direction.DETERIORATED:
            text = f"{moved}: reliably worse (a rise of {self.reliable_change} or more)"
        elif self.direction is Direction.IMPROVED:
            text = f"{moved}: reliably better (a fall of {self.reliable_change} or more)"
        else:
            text = f"{moved}: no reliable change"
        return text + ("; now in remission" if self.remission else "")


_NAMES: Final = {"phq9": "PHQ-9", "gad7": "GAD-7"}


@dataclass(frozen=True, slots=True)
class RescreenAssessment:
    """What a re-screen means for the referral: the priority it needs at least (None: no
    change asked for), why, and each instrument's change."""

    priority: Priority | None
    reasons: tuple[str, ...]
    changes: tuple[ScoreChange, ...]
    rules_version: str

    @property
    def worse(self) -> bool:
        """Worse while waiting: a reliable deterioration or a new safety concern."""
        return self.priority is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "priority": str(self.priority) if self.priority else None,
            "reasons": list(self.reasons),
            "rules_version": self.rules_version,
            "changes": [
                {
                    "instrument": c.instrument,
                    "before": c.before,
                    "after": c.after,
                    "change": c.change,
                    "direction": str(c.direction),
                    "remission": c.remission,
                    "sentence": c.sentence(),
                }
                for c in self.changes
            ],
        }


def assess_rescreen(
    before_totals: Mapping[str, int | None],
    answers: Answers,
    scores: Mapping[str, ScoreLike],
    subject_age: int,
    *,
    facts_before: Set[str] = frozenset(),
    rules: RescreenRules | None = None,
) -> RescreenAssessment:
    """Compare a re-screen with the totals before it (see the module docstring)."""
    rules = rules or default_rescreen_rules()
    facts = derive_facts(answers, scores, subject_age)
    raised: list[tuple[Priority, str]] = []
    if facts.is_true("acute"):
        raised.append((Priority.URGENT, f"acute now ({'; '.join(facts['acute'].evidence)})"))
    if facts.is_true("suicide_risk"):
        when = "still there" if "suicide_risk" in facts_before else "new since the last answers"
        evidence = "; ".join(facts["suicide_risk"].evidence)
        raised.append((Priority.PRIORITY, f"suicide risk {when} ({evidence})"))
    changes = _changes(before_totals, scores, rules)
    raised += [
        (Priority.PRIORITY, change.sentence())
        for change in changes
        if change.direction is Direction.DETERIORATED
    ]
    priority = max((p for p, _ in raised), key=lambda p: p.rank, default=None)
    return RescreenAssessment(
        priority, tuple(reason for _, reason in raised), changes, rules.version
    )


def _changes(
    before_totals: Mapping[str, int | None],
    scores: Mapping[str, ScoreLike],
    rules: RescreenRules,
) -> tuple[ScoreChange, ...]:
    found = []
    for name, rule in rules.rules.items():
        before = before_totals.get(name)
        score = scores.get(name)
        after = score.total if score is not None else None
        if before is None or after is None:
            continue
        remission = rule.remission_below is not None and after < rule.remission_below <= before
        found.append(ScoreChange(name, before, after, rule.reliable_change, remission))
    return tuple(found)
