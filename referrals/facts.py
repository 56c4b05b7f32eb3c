"""Derived facts: the yes/no findings routing is decided on, each with its evidence.

Every fact follows the clinic's policy (docs/clinical-policy.md, "Derived
facts", version 2) exactly. A true fact records the plain-word evidence that
made it true, so staff can read why an intake was routed the way it was. Each
fact is false when its inputs were not asked or were refused, unless the policy
says otherwise (refusals that leave a risk not ruled out count as the risk).
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
    "safety_unknown": "safety not confirmed",
    "ptsd_screen": "positive trauma screen",
    "cptsd": "complex PTSD",
    "dysregulation": "emotional dysregulation",
    "relational_indicator": "relational trauma indicator",
    "partner_risk": "partner risk",
    "abuse_disclosed": "child abuse disclosed",
    "severe_symptoms": "severe symptoms",
    "alcohol_risk": "alcohol risk",
    "couples_interest": "interest in couples therapy",
    "parenting_concern": "parenting concern",
}
"""Every fact name, in the policy's order, with a plain label for staff."""

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
    @property
    def flags(self) -> frozenset[str]: ...


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

    def without(self, name: str) -> Facts:
        """The same facts with `name` false (to ask what a rule would do without it)."""
        return Facts({key: evidence for key, evidence in self._evidence.items() if key != name})

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
_SAFETY_QUESTIONS: Final[Mapping[str, str]] = {
    "safety.now": "safe where they are right now",
    "phq9.9": "thoughts of being better off dead or of self-harm",
}
"""Questions whose refusal leaves safety not confirmed (`safety_unknown`)."""
_DYSREGULATION_ANSWERS: Final = (
    _at_least("reg.1", 3, "emotions hard to control in the past month"),
    _is("reg.2", 1, "self-harm in the past month"),
    _is("reg.3", 1, "self-harm in the past year"),
    _at_least("itq.c1", 2),
    _at_least("itq.c2", 2),
)
_CATS_VERSIONS: Final = ("cats_3_6", "cats_7_17")
_FAMILY_VIOLENCE_EVENTS: Final[Mapping[str, str]] = {
    "e4": "hit or hurt in the family",
    "e6": "saw someone in the family hit or hurt",
}
_SEXUAL_ABUSE_EVENTS: Final[Mapping[str, str]] = {
    "e8": "touched sexually by someone older",
    "e9": "forced or pressured into sex",
}
_RELATIONAL_ANSWERS: Final = (
    *(_is(f"ace.{n}", 1) for n in range(1, 6)),
    _is("rel.1", 1, "abandonment growing up"),
    _is("rel.2", 0, "no adult to count on growing up"),
    _is("rel.3", 1, "enmeshment growing up"),
    _is("rel.4", 1, "looked after a parent's feelings or adult duties growing up"),
    _is("rel.5", 1, "often left without an adult looking after them growing up"),
    _is("child.2", 1, "child has difficulty with closeness or trust with caregivers"),
    _is("child.4", 1, "caregiver wants support and tools for the family"),
    *(
        _is(f"{cats}.{event}", 1, meaning)
        for cats in _CATS_VERSIONS
        for event, meaning in _FAMILY_VIOLENCE_EVENTS.items()
    ),
)
_ABUSE_ANSWERS: Final = tuple(
    _is(f"{cats}.{event}", 1, meaning)
    for cats in _CATS_VERSIONS
    for event, meaning in {**_FAMILY_VIOLENCE_EVENTS, **_SEXUAL_ABUSE_EVENTS}.items()
)
ADULT_AGE: Final = 18
_PARTNER_RISK_ANSWERS: Final = (
    _is("rship.4", 1, "afraid of the partner"),
    _is("rship.5", 1, "partner hurt, threatened or controlled them in the past year"),
)
_COUPLES_INTEREST_ANSWERS: Final = (
    _is("rship.1", 1, "in a partner relationship"),
    _is("rship.2", 1, "wants help with trust, closeness or conflict"),
    _is("rship.3", 1, "partner willing to attend"),
)
_PARENTING_ANSWERS: Final = (
    _is("parent.1", 1, "has or cares for children"),
    _is("parent.2", 1, "worried about their parenting"),
)

_ASQ_POSITIVE_RESULTS: Final = frozenset({"non_acute_positive", "acute_positive"})
_ASQ_ACUITY_UNKNOWN: Final = "asq_acuity_unknown"
_ASQ_ACUITY_ITEM: Final = "asq.5"
_APGAR_RELATIONAL_MAXIMUM: Final = 6
_SEVERE_TOTALS: Final[Mapping[str, tuple[str, int, int]]] = {
    "phq9": ("PHQ-9", 20, 9),
    "gad7": ("GAD-7", 15, 7),
}
"""Instrument: (name, total at or above which symptoms are severe, number of scored items)."""
_SCREEN_NAMES: Final[Mapping[str, str]] = {
    "pcptsd5": "PC-PTSD-5",
    "cats_3_6": "CATS 3-6",
    "cats_7_17": "CATS 7-17",
}


def derive_facts(
    answers: Answers, scores: Mapping[str, ScoreLike], subject_age: int | None = None
) -> Facts:
    """Derive every fact of the policy from one intake's answers and scores.

    `subject_age` decides `abuse_disclosed` (under 18 only); without it, CATS
    answers are taken as a child's, since the CATS is asked only under 18.
    """
    found = {
        "suicide_risk": suicide_risk_evidence(answers, scores),
        "acute": acute_evidence(answers, scores),
        "safety_unknown": safety_unknown_evidence(answers),
        "ptsd_screen": _ptsd_screen_evidence(scores),
        "cptsd": _cptsd_evidence(scores),
        "dysregulation": _answer_evidence(_DYSREGULATION_ANSWERS, answers),
        "relational_indicator": _relational_evidence(answers, scores),
        "partner_risk": partner_risk_evidence(answers),
        "abuse_disclosed": abuse_disclosed_evidence(answers, subject_age),
        "severe_symptoms": _severe_symptoms_evidence(answers, scores),
        "alcohol_risk": _alcohol_risk_evidence(scores),
        "couples_interest": _all_or_nothing(_COUPLES_INTEREST_ANSWERS, answers),
        "parenting_concern": _all_or_nothing(_PARENTING_ANSWERS, answers),
    }
    return Facts({name: evidence for name, evidence in found.items() if evidence})


def suicide_risk_evidence(answers: Answers, scores: Mapping[str, ScoreLike]) -> list[str]:
    """ASQ positive (refusals counted by the ASQ score), phq9.9 >= 1, reg.2 = 1, child.3 = 1."""
    asq = scores.get("asq")
    from_asq = [f"ASQ {asq.result}"] if asq and asq.result in _ASQ_POSITIVE_RESULTS else []
    return from_asq + _answer_evidence(_SUICIDE_RISK_ANSWERS, answers)


def acute_evidence(
    answers: Answers, scores: Mapping[str, ScoreLike], *, in_progress: bool = False
) -> list[str]:
    """ASQ acute_positive; ASQ acuity not settled; or safety.now = 0.

    A positive ASQ whose acuity question (asq.5) was refused leaves imminent risk
    not ruled out. In a submitted intake so does one never answered (the client
    left before it); while the client is still filling the form in
    (`in_progress`), a question not reached yet is simply still to come.
    """
    asq = scores.get("asq")
    from_asq = []
    if asq is not None and asq.result == "acute_positive":
        from_asq.append("ASQ acute_positive")
    elif asq is not None and _ASQ_ACUITY_UNKNOWN in asq.flags:
        if _ASQ_ACUITY_ITEM in answers:
            from_asq.append("asq.5 refused after a positive ASQ (imminent risk not ruled out)")
        elif not in_progress:
            from_asq.append("asq.5 not answered after a positive ASQ (imminent risk not ruled out)")
    return from_asq + _answer_evidence(_ACUTE_ANSWERS, answers)


def safety_unknown_evidence(answers: Answers) -> list[str]:
    """`safety.now` or `phq9.9` asked and answered 'prefer not to answer'."""
    return [
        f"{item} refused ({meaning} not confirmed)"
        for item, meaning in _SAFETY_QUESTIONS.items()
        if item in answers and answers[item] is None
    ]


def partner_risk_evidence(answers: Answers) -> list[str]:
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


def partner_harm_evidence(answers: Answers) -> list[str]:
    """Partner risk said in so many words: rship.4 = 1 or rship.5 = 1."""
    return _answer_evidence(_PARTNER_RISK_ANSWERS, answers)


def abuse_disclosed_evidence(answers: Answers, subject_age: int | None) -> list[str]:
    """A child under 18 hurt or sexually abused, or who saw violence, in a CATS event."""
    if subject_age is not None and subject_age >= ADULT_AGE:
        return []
    return _answer_evidence(_ABUSE_ANSWERS, answers)


def _answer_evidence(tests: Sequence[_AnswerTest], answers: Answers) -> list[str]:
    return [line for test in tests for line in test.evidence(answers)]


def _all_or_nothing(tests: Sequence[_AnswerTest], answers: Answers) -> list[str]:
    evidence = _answer_evidence(tests, answers)
    return evidence if len(evidence) == len(tests) else []


def _ptsd_screen_evidence(scores: Mapping[str, ScoreLike]) -> list[str]:
    evidence = [
        _positive_screen(name, score)
        for instrument, name in _SCREEN_NAMES.items()
        if (score := scores.get(instrument)) is not None and score.positive is True
    ]
    itq = scores.get("itq")
    if itq is not None and itq.positive is True:
        if itq.cptsd is True:
            evidence.append("ITQ complex PTSD criteria met")
        elif itq.ptsd is True:
            evidence.append("ITQ PTSD criteria met")
        else:
            evidence.append("ITQ PTSD criteria met on the items answered")
    return evidence


def _cptsd_evidence(scores: Mapping[str, ScoreLike]) -> list[str]:
    itq = scores.get("itq")
    return ["ITQ complex PTSD criteria met"] if itq is not None and itq.cptsd is True else []


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


def _severe_symptoms_evidence(answers: Answers, scores: Mapping[str, ScoreLike]) -> list[str]:
    """A total in the severe range; with items refused, when the answered ones already reach it."""
    evidence = []
    for instrument, (name, severe_at, items) in _SEVERE_TOTALS.items():
        score = scores.get(instrument)
        if score is None:
            continue
        if score.total is not None:
            if score.total >= severe_at:
                evidence.append(f"{name} total {score.total} ({severe_at} or more)")
            continue
        values = (answers.get(f"{instrument}.{n}") for n in range(1, items + 1))
        answered = sum(value for value in values if value is not None)
        if answered >= severe_at:
            evidence.append(
                f"{name} at least {answered} on the items answered ({severe_at} or more)"
            )
    return evidence


def _alcohol_risk_evidence(scores: Mapping[str, ScoreLike]) -> list[str]:
    auditc = scores.get("auditc")
    if auditc is None or auditc.positive is not True:
        return []
    return [_positive_screen("AUDIT-C", auditc)]
