"""Derived facts: the yes/no findings routing is decided on, each with its evidence.

Every fact follows CLINICAL.md "Derived facts" exactly. A true fact records the
plain-word evidence that made it true, so staff can read why an intake was
routed the way it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

Answers = Mapping[str, int | None]
"""Answers by id (`<instrument>.<item>`); None = prefer not to answer, absent = not asked."""

FACT_LABELS: Final[Mapping[str, str]] = {
    "suicide_risk": "suicide risk",
    "acute": "acute risk",
    "ptsd_screen": "positive trauma screen",
    "dysregulation": "emotional dysregulation",
    "relational_indicator": "relational trauma indicator",
    "partner_risk": "partner risk",
    "couples_interest": "interest in couples therapy",
    "parenting_concern": "parenting concern",
}
"""Every fact name, in CLINICAL.md order, with a plain label for staff."""

FACT_NAMES: Final = tuple(FACT_LABELS)


class ScoreLike(Protocol):
    """The parts of a `forms` Score that facts are derived from."""

    @property
    def total(self) -> int | None: ...
    @property
    def positive(self) -> bool | None: ...
    @property
    def cut_off(self) -> int | None: ...
    @property
    def result(self) -> str | None: ...
    @property
    def ptsd(self) -> bool | None: ...
    @property
    def cptsd(self) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class Fact:
    """One derived fact: its value and, when true, the evidence for it."""

    name: str
    value: bool
    evidence: tuple[str, ...] = ()


class Facts:
    """All derived facts of one intake; the ones not given as true are false."""

    __slots__ = ("_evidence",)

    def __init__(self, true_facts: Mapping[str, Sequence[str]] | None = None) -> None:
        """`true_facts` maps each true fact to its (non-empty) evidence."""
        given = dict(true_facts or {})
        for name, evidence in given.items():
            if name not in FACT_LABELS:
                raise ValueError(f"unknown fact {name!r}")
            if isinstance(evidence, str) or not evidence:
                raise ValueError(f"fact {name!r} needs a list of evidence saying why it is true")
        self._evidence = {name: tuple(given[name]) for name in FACT_NAMES if name in given}

    def __getitem__(self, name: str) -> Fact:
        if name not in FACT_LABELS:
            raise KeyError(name)
        evidence = self._evidence.get(name, ())
        return Fact(name, bool(evidence), evidence)

    def __iter__(self) -> Iterator[Fact]:
        return (self[name] for name in FACT_NAMES)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Facts) and self._evidence == other._evidence

    def __hash__(self) -> int:
        return hash(tuple(self._evidence.items()))

    def __repr__(self) -> str:
        return f"Facts({self._evidence!r})"

    def is_true(self, name: str) -> bool:
        return self[name].value

    def as_dict(self) -> dict[str, dict[str, bool | list[str]]]:
        """JSON-ready: every fact with its value and evidence."""
        return {f.name: {"value": f.value, "evidence": list(f.evidence)} for f in self}


@dataclass(frozen=True, slots=True)
class _AnswerTest:
    """An answer condition: `item` answered with a value in [minimum, maximum]."""

    item: str
    minimum: int
    maximum: int | None
    meaning: str = ""

    def evidence(self, answers: Answers) -> list[str]:
        value = answers.get(self.item)
        if value is None or value < self.minimum:
            return []
        if self.maximum is not None and value > self.maximum:
            return []
        return [f"{self.item} = {value}" + (f" ({self.meaning})" if self.meaning else "")]


def _is(item: str, value: int, meaning: str = "") -> _AnswerTest:
    return _AnswerTest(item, value, value, meaning)


def _at_least(item: str, value: int, meaning: str = "") -> _AnswerTest:
    return _AnswerTest(item, value, None, meaning)


_SUICIDE_RISK_ANSWERS: Final = (
    _at_least("phq9.9", 1),
    _is("reg.2", 1, "self-harm in the past month"),
    _is("child.3", 1, "child has talked about wanting to die or hurt themselves"),
)
_ACUTE_ANSWERS: Final = (_is("safety.now", 0, "not safe where they are right now"),)
_DYSREGULATION_ANSWERS: Final = (
    _at_least("reg.1", 3, "emotions hard to control in the past month"),
    _is("reg.2", 1, "self-harm in the past month"),
    _is("reg.3", 1, "self-harm in the past year"),
    _at_least("itq.c1", 2),
    _at_least("itq.c2", 2),
)
_RELATIONAL_ANSWERS: Final = (
    *(_is(f"ace.{n}", 1) for n in range(1, 6)),
    _is("rel.1", 1, "abandonment growing up"),
    _is("rel.2", 0, "no adult to count on growing up"),
    _is("rel.3", 1, "enmeshment growing up"),
    _is("rel.4", 1, "looked after a parent's feelings or adult duties growing up"),
    _is("child.2", 1, "child has difficulty with closeness or trust with caregivers"),
    _is("child.4", 1, "caregiver wants support and tools for the family"),
)
_PARTNER_RISK_ANSWERS: Final = (
    _is("rship.4", 1, "afraid of the partner"),
    _is("rship.5", 1, "partner hurt, threatened or controlled them in the past year"),
)
_COUPLES_INTEREST_ANSWERS: Final = (
    _is("rship.1", 1, "in a partner relationship"),
    _is("rship.2", 1, "wants help with trust, closeness or conflict"),
    _is("rship.3", 1, "partner willing to attend"),
)
_PARENTING_ANSWERS: Final = (_is("parent.2", 1, "worried about their parenting"),)

_ASQ_POSITIVE_RESULTS: Final = frozenset({"non_acute_positive", "acute_positive"})
_APGAR_RELATIONAL_MAXIMUM: Final = 6
_SCREEN_NAMES: Final[Mapping[str, str]] = {
    "pcptsd5": "PC-PTSD-5",
    "cats_3_6": "CATS 3-6",
    "cats_7_17": "CATS 7-17",
}


def derive_facts(answers: Answers, scores: Mapping[str, ScoreLike]) -> Facts:
    """Derive every fact of CLINICAL.md from one intake's answers and scores."""
    found = {
        "suicide_risk": suicide_risk_evidence(answers, scores),
        "acute": acute_evidence(answers, scores),
        "ptsd_screen": _ptsd_screen_evidence(scores),
        "dysregulation": _answer_evidence(_DYSREGULATION_ANSWERS, answers),
        "relational_indicator": _relational_evidence(answers, scores),
        "partner_risk": _partner_risk_evidence(answers),
        "couples_interest": _couples_interest_evidence(answers),
        "parenting_concern": _answer_evidence(_PARENTING_ANSWERS, answers),
    }
    return Facts({name: evidence for name, evidence in found.items() if evidence})


def suicide_risk_evidence(answers: Answers, scores: Mapping[str, ScoreLike]) -> list[str]:
    """ASQ positive (refusals counted by the ASQ score), phq9.9 >= 1, reg.2 = 1, child.3 = 1."""
    asq = scores.get("asq")
    from_asq = [f"ASQ {asq.result}"] if asq and asq.result in _ASQ_POSITIVE_RESULTS else []
    return from_asq + _answer_evidence(_SUICIDE_RISK_ANSWERS, answers)


def acute_evidence(answers: Answers, scores: Mapping[str, ScoreLike]) -> list[str]:
    """ASQ acute_positive, or safety.now = 0."""
    asq = scores.get("asq")
    from_asq = ["ASQ acute_positive"] if asq and asq.result == "acute_positive" else []
    return from_asq + _answer_evidence(_ACUTE_ANSWERS, answers)


def _answer_evidence(tests: Sequence[_AnswerTest], answers: Answers) -> list[str]:
    return [line for test in tests for line in test.evidence(answers)]


def _ptsd_screen_evidence(scores: Mapping[str, ScoreLike]) -> list[str]:
    evidence = [
        _positive_screen(name, score)
        for instrument, name in _SCREEN_NAMES.items()
        if (score := scores.get(instrument)) is not None and score.positive is True
    ]
    itq = scores.get("itq")
    if itq is not None and itq.ptsd is True:
        evidence.append("ITQ PTSD criteria met")
    if itq is not None and itq.cptsd is True:
        evidence.append("ITQ complex PTSD criteria met")
    return evidence


def _positive_screen(name: str, score: ScoreLike) -> str:
    """E.g. 'PC-PTSD-5 score 4 (positive at 3)'."""
    threshold = "positive" if score.cut_off is None else f"positive at {score.cut_off}"
    if score.total is None:
        return f"{name} positive on the items answered ({threshold})"
    return f"{name} score {score.total} ({threshold})"


def _relational_evidence(answers: Answers, scores: Mapping[str, ScoreLike]) -> list[str]:
    evidence = _answer_evidence(_RELATIONAL_ANSWERS, answers)
    apgar = scores.get("apgar")
    if apgar is not None and apgar.total is not None and apgar.total <= _APGAR_RELATIONAL_MAXIMUM:
        evidence.append(f"Family APGAR total {apgar.total} ({_APGAR_RELATIONAL_MAXIMUM} or below)")
    return evidence


def _partner_risk_evidence(answers: Answers) -> list[str]:
    """Reported risk, or (when in a relationship) risk not ruled out by a 'no'."""
    evidence = _answer_evidence(_PARTNER_RISK_ANSWERS, answers)
    if answers.get("rship.1") == 1:
        for test in _PARTNER_RISK_ANSWERS:
            if answers.get(test.item) is None:
                missing = "refused" if test.item in answers else "not answered"
                evidence.append(
                    f"{test.item} {missing} while rship.1 = 1 (partner violence not ruled out)"
                )
    return evidence


def _couples_interest_evidence(answers: Answers) -> list[str]:
    evidence = _answer_evidence(_COUPLES_INTEREST_ANSWERS, answers)
    return evidence if len(evidence) == len(_COUPLES_INTEREST_ANSWERS) else []
