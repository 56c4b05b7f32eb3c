"""The two instrument algorithms that are not sums: ITQ (ICD-11 PTSD/CPTSD) and ASQ.

Both use three-valued logic so that a missing answer gives ``None`` ("not settled")
rather than a guess: True/False only when every completion of the missing items
would give the same answer. Item groups come from the definition's
``scoring.groups``, so the item ids live in the data, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from forms.model import Definition

Tri = bool | None


def any3(values: Iterable[Tri]) -> Tri:
    """Kleene OR: True if any is True, False if all are False, else None."""
    result: Tri = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def all3(values: Iterable[Tri]) -> Tri:
    """Kleene AND: False if any is False, True if all are True, else None."""
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def not3(value: Tri) -> Tri:
    return None if value is None else not value


@dataclass(frozen=True)
class AlgorithmResult:
    positive: Tri
    flags: frozenset[str] = frozenset()
    incomplete: bool = False
    ptsd: Tri = None
    cptsd: Tri = None
    result: str | None = None


def itq(definition: Definition, answers: Mapping[str, int | None]) -> AlgorithmResult:
    """ICD-11 diagnostic algorithm (Cloitre et al. 2018); CPTSD and PTSD are exclusive.

    ``ptsd`` = PTSD criteria met and DSO criteria not met, so with the DSO part
    unsettled ``ptsd`` and ``cptsd`` are both None while ``positive`` is True.
    """
    assert definition.scoring is not None and definition.scoring.endorsed_at is not None
    groups = definition.scoring.groups
    endorsed_at = definition.scoring.endorsed_at

    def endorsed(item: str) -> Tri:
        value = answers.get(item)
        return None if value is None else value >= endorsed_at

    def cluster(items: tuple[str, ...]) -> Tri:
        return any3(endorsed(item) for item in items)

    ptsd_criteria = all3(cluster(c) for c in groups["ptsd_clusters"] + groups["ptsd_impairment"])
    dso_criteria = all3(cluster(c) for c in groups["dso_clusters"] + groups["dso_impairment"])
    cptsd = all3((ptsd_criteria, dso_criteria))
    ptsd = all3((ptsd_criteria, not3(dso_criteria)))
    missing = any(answers.get(item.id) is None for item in definition.scored_items)
    return AlgorithmResult(positive=ptsd_criteria, incomplete=missing, ptsd=ptsd, cptsd=cptsd)


def asq(definition: Definition, answers: Mapping[str, int | None]) -> AlgorithmResult:
    """NIMH ASQ: a refused screening question (None) counts as yes; absent = not asked.

    ``answers`` holds only the items shown (``asq.5`` is present only when asked).
    Acuity not settled (``asq.5`` refused or not answered) gives ``non_acute_positive``
    as the policy says ("asq.5 not yes"; docs/clinical-policy.md), plus flag
    ``asq_acuity_unknown`` so staff see it.
    """
    assert definition.scoring is not None
    (screen,) = definition.scoring.groups["screen"]
    (acuity_items,) = definition.scoring.groups["acuity"]
    (acuity,) = acuity_items
    positive = any3((answers[i] != 0) if i in answers else None for i in screen)
    if positive is False:
        return AlgorithmResult(positive=False, result="negative")
    if positive is None:
        return AlgorithmResult(positive=None, incomplete=True)
    if answers.get(acuity) == 1:
        return AlgorithmResult(
            positive=True,
            flags=frozenset({"suicide_risk", "suicide_risk_acute"}),
            result="acute_positive",
        )
    flags = {"suicide_risk"}
    if answers.get(acuity) is None:
        flags.add("asq_acuity_unknown")
    return AlgorithmResult(
        positive=True,
        flags=frozenset(flags),
        incomplete=acuity not in answers,
        result="non_acute_positive",
    )


ALGORITHMS = {"itq": itq, "asq": asq}
