"""``score()``: the public, stable scoring entry point, driven by the definitions.

Missing-answer rule (docs/clinical-policy.md): ``None`` (prefer not to answer) and an absent key
are both missing. A total and band are reported only when every scored item is
answered, except under PSC-17's ``blanks_as_zero`` rule. ``positive`` is still
decided when the answered items settle it (True if they already reach the cut-off,
False if even the maximum on the missing items could not), else None, with flag
``incomplete``. Critical-item flags fire from answered items whatever else is
missing; a refused critical item raises ``<flag>_refused`` so staff can see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.algorithms import ALGORITHMS
from forms.conditions import evaluate
from forms.model import Definition, Item, Scoring
from forms.registry import ITEMS, get_instrument
from forms.scoring_schema import SEXES

INCOMPLETE = "incomplete"
BLANKS_SCORED_ZERO = "blanks_scored_zero"


@dataclass(frozen=True)
class Score:
    """One instrument's result. Fields that do not apply to the instrument are None."""

    instrument: str
    version: str
    total: int | None
    band: str | None
    positive: bool | None
    flags: frozenset[str]
    subscales: dict[str, int | None]
    answered: int
    expected: int
    ptsd: bool | None = None
    cptsd: bool | None = None
    result: str | None = None
    cut_off: int | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-safe form (flags as a sorted list)."""
        return {
            "instrument": self.instrument,
            "version": self.version,
            "total": self.total,
            "band": self.band,
            "positive": self.positive,
            "cut_off": self.cut_off,
            "flags": sorted(self.flags),
            "subscales": dict(self.subscales),
            "answered": self.answered,
            "expected": self.expected,
            "ptsd": self.ptsd,
            "cptsd": self.cptsd,
            "result": self.result,
        }


@dataclass(frozen=True, slots=True)
class _Base:
    """What every kind of scoring reports alike; ``score`` builds the Score once from it."""

    instrument: str
    version: str
    subscales: dict[str, int | None]
    answered: int
    expected: int

    def score(self, **result: Any) -> Score:
        result.setdefault("subscales", self.subscales)
        return Score(
            instrument=self.instrument,
            version=self.version,
            answered=self.answered,
            expected=self.expected,
            **result,
        )


def score(
    instrument_id: str,
    answers: Mapping[str, int | None],
    *,
    context: Mapping[str, object] | None = None,
    trusted: bool = False,
) -> Score:
    """Score one instrument from a whole intake's answers.

    Only ids with the prefix ``<instrument_id>.`` are read. ``context`` may hold
    ``subject_age`` (int), ``sex`` (``female``/``male``/``other``) and ``cut_offs``
    (``{instrument_id: int}``, a clinic's setting within the definition's configurable
    range). Raises :class:`forms.UnknownInstrument` for an unknown id and
    ``ValueError`` for an unknown item id or a value that is not an allowed code.
    ``trusted=True``: the answers were checked already (``check_answers``), so they
    are not checked again and only the instrument's own items are looked up.
    """
    definition = get_instrument(instrument_id)
    shown, relevant = _relevant(definition, answers, trusted=trusted)
    scoring = definition.scoring
    assert scoring is not None
    flags = critical_flags(shown, relevant)
    subscales = _subscales(scoring, relevant)
    flags |= _subscale_flags(definition, relevant)
    flags |= _criteria_flags(scoring, relevant)
    expected_items = [item for item in shown if item.scored]
    if scoring.gate is not None:
        gate_item = definition.items_by_id[scoring.gate.item]
        expected_items.insert(0, gate_item)
        if scoring.gate.item not in relevant or relevant[scoring.gate.item] is None:
            expected_items.extend(i for i in definition.scored_items if i not in expected_items)
    base = _Base(
        instrument=definition.id,
        version=definition.version,
        subscales=subscales,
        answered=sum(1 for item in expected_items if relevant.get(item.id) is not None),
        expected=len(expected_items),
    )
    if scoring.method == "sum":
        return _sum_score(definition, scoring, relevant, flags, base, context)
    outcome = ALGORITHMS[scoring.method](definition, relevant)
    if outcome.incomplete:
        flags.add(INCOMPLETE)
    return base.score(
        total=None,
        band=None,
        positive=outcome.positive,
        flags=frozenset(flags | outcome.flags),
        ptsd=outcome.ptsd,
        cptsd=outcome.cptsd,
        result=outcome.result,
    )


def total_bounds(
    instrument_id: str,
    answers: Mapping[str, int | None],
    *,
    context: Mapping[str, object] | None = None,
    trusted: bool = False,
) -> tuple[int, int]:
    """The lowest and highest total the answers allow: ``(total, total)`` once the total is
    reported, else the range the missing answers leave open. ValueError for an instrument
    without a total (the ITQ and ASQ algorithms)."""
    definition = get_instrument(instrument_id)
    assert definition.scoring is not None
    if definition.scoring.total_range is None:
        raise ValueError(f"{instrument_id} has no total")
    total = score(instrument_id, answers, context=context, trusted=trusted).total
    if total is not None:
        return total, total
    relevant = _relevant(definition, answers, trusted=trusted)[1]
    return _answered_range(definition.scored_items, relevant)


def _relevant(
    definition: Definition, answers: Mapping[str, int | None], *, trusted: bool = False
) -> tuple[list[Item], dict[str, int | None]]:
    """The items asked given the answers, and the instrument's answers to them."""
    if trusted:
        own = {key: answers[key] for key in definition.items_by_id if key in answers}
    else:
        own = own_answers(definition, answers)
    shown = shown_items(definition, own)
    return shown, {item.id: own[item.id] for item in shown if item.id in own}


def check_answers(answers: Mapping[str, object]) -> None:
    """Check a whole intake's answers once: every id a known item of some section, every
    value an allowed code or None. Raises ValueError naming the item, as ``score`` does."""
    codes = _CODES
    unknown = [key for key in answers if key not in codes]
    if unknown:
        raise ValueError(f"unknown answer ids: {', '.join(sorted(unknown))}")
    for key, value in answers.items():
        if value is not None and (type(value) is not int or value not in codes[key]):
            check_value(ITEMS[key], value)


_CODES: dict[str, frozenset[int]] = {key: item.codes for key, item in ITEMS.items()}
"""Every answer id's allowed codes, built once."""


def _answered_range(
    scored: tuple[Item, ...], relevant: Mapping[str, int | None]
) -> tuple[int, int]:
    """The lowest and highest total given the answered items, whatever the missing ones."""
    missing = [item for item in scored if relevant.get(item.id) is None]
    lowest = sum(v for item in scored if (v := relevant.get(item.id)) is not None) + sum(
        item.min_code for item in missing
    )
    return lowest, lowest + sum(item.max_code - item.min_code for item in missing)


def own_answers(definition: Definition, answers: Mapping[str, int | None]) -> dict[str, int | None]:
    """The instrument's own answers, validated; raises ValueError naming the item."""
    prefix = definition.prefix
    own = {key: value for key, value in answers.items() if key.startswith(prefix)}
    for key, value in own.items():
        item = definition.items_by_id.get(key)
        if item is None:
            known = ", ".join(definition.items_by_id)
            raise ValueError(f"unknown item {key!r} for {definition.id} (known items: {known})")
        check_value(item, value)
    return own


def check_value(item: Item, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value not in item.codes:
        raise ValueError(
            f"{item.id}: {value!r} is not an allowed answer; allowed codes: {allowed_codes(item)}"
        )


def allowed_codes(item: Item) -> str:
    codes = ", ".join(f"{o.code} ({o.label})" for o in item.options)
    return f"{codes}, or None (prefer not to answer)"


def shown_items(definition: Definition, answers: Mapping[str, int | None]) -> list[Item]:
    """Items asked given the answers, applying the section's own show-when rules in order."""
    shown: list[Item] = []
    so_far: dict[str, int | None] = {}
    for item in definition.items:
        if item.show_when is None or evaluate(item.show_when, so_far):
            shown.append(item)
            if item.id in answers:
                so_far[item.id] = answers[item.id]
    return shown


def critical_flags(items: list[Item], answers: Mapping[str, int | None]) -> set[str]:
    flags: set[str] = set()
    for item in items:
        if item.critical is None or item.id not in answers:
            continue
        value = answers[item.id]
        if value is None:
            flags.add(item.critical.flag + "_refused")
        elif value >= item.critical.at_least:
            flags.add(item.critical.flag)
    return flags


def resolve_cut_off(definition: Definition, context: Mapping[str, object] | None) -> int | None:
    scoring = definition.scoring
    if scoring is None or scoring.cut_off is None:
        return None
    cut_off = scoring.cut_off
    subject_age, sex, configured = _parse_context(context)
    if definition.id in configured:
        value = configured[definition.id]
        if cut_off.configurable is None or not (
            cut_off.configurable[0] <= value <= cut_off.configurable[1]
        ):
            allowed = "not configurable" if cut_off.configurable is None else cut_off.configurable
            raise ValueError(f"cut_offs[{definition.id!r}] = {value}: {allowed}")
        return value
    for override in cut_off.overrides:
        if override.applies(subject_age, sex):
            return override.value
    return cut_off.default


def _parse_context(
    context: Mapping[str, object] | None,
) -> tuple[int | None, str | None, Mapping[str, int]]:
    if not context:
        return None, None, {}
    subject_age = context.get("subject_age")
    if subject_age is not None and (
        isinstance(subject_age, bool) or not isinstance(subject_age, int)
    ):
        raise ValueError(f"context subject_age must be an integer, got {subject_age!r}")
    sex = context.get("sex")
    if sex is not None and sex not in SEXES:
        raise ValueError(f"context sex must be one of {sorted(SEXES)} or None, got {sex!r}")
    configured = context.get("cut_offs") or {}
    if not isinstance(configured, Mapping) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in configured.values()
    ):
        raise ValueError("context cut_offs must map instrument ids to integers")
    return subject_age, sex if isinstance(sex, str) else None, configured


def _sum_score(
    definition: Definition,
    scoring: Scoring,
    relevant: Mapping[str, int | None],
    flags: set[str],
    base: _Base,
    context: Mapping[str, object] | None,
) -> Score:
    cut = resolve_cut_off(definition, context)
    gate = scoring.gate
    if gate is not None and relevant.get(gate.item) in gate.closed:
        closed_total = gate.total_when_closed
        return base.score(
            total=closed_total,
            band=_band(scoring, closed_total),
            positive=None if cut is None else closed_total >= cut,
            flags=frozenset(flags),
            cut_off=cut,
        )
    subscales = base.subscales
    scored = definition.scored_items
    missing = [item for item in scored if relevant.get(item.id) is None]
    lowest, highest = _answered_range(scored, relevant)
    total: int | None
    if not missing:
        total = lowest
    elif scoring.missing == "blanks_as_zero" and len(missing) <= scoring.max_blanks:
        total = lowest
        flags.add(BLANKS_SCORED_ZERO)
    else:
        total = None
        flags.add(INCOMPLETE)
        subscales = dict.fromkeys(subscales)
    for total_flag in scoring.flags:
        if lowest >= total_flag.at_least:
            flags.add(total_flag.flag)
    positive: bool | None = None
    if cut is not None:
        if total is not None:
            positive = total >= cut
        elif lowest >= cut:
            positive = True
        elif highest < cut:
            positive = False
    return base.score(
        total=total,
        band=None if total is None else _band(scoring, total),
        positive=positive,
        flags=frozenset(flags),
        subscales=subscales,
        cut_off=cut,
    )


def _band(scoring: Scoring, total: int) -> str | None:
    for band in scoring.bands:
        if band.min <= total <= band.max:
            return band.id
    return None


def _subscales(scoring: Scoring, relevant: Mapping[str, int | None]) -> dict[str, int | None]:
    result: dict[str, int | None] = {}
    blanks_ok = scoring.missing == "blanks_as_zero"
    for subscale in scoring.subscales:
        values = [relevant.get(item) for item in subscale.items]
        if None in values and not blanks_ok:
            result[subscale.id] = None
        else:
            result[subscale.id] = sum(v for v in values if v is not None)
    return result


def _subscale_flags(definition: Definition, relevant: Mapping[str, int | None]) -> set[str]:
    """Subscale flags fire once the answered items reach the subscale cut-off."""
    assert definition.scoring is not None
    flags: set[str] = set()
    for subscale in definition.scoring.subscales:
        if subscale.flag is None or subscale.cut_off is None:
            continue
        answered = sum(v for item in subscale.items if (v := relevant.get(item)) is not None)
        if answered >= subscale.cut_off:
            flags.add(subscale.flag)
    return flags


def _criteria_flags(scoring: Scoring, relevant: Mapping[str, int | None]) -> set[str]:
    """Count-based criteria (PCL-5 provisional diagnosis); fire only when settled."""
    flags: set[str] = set()
    for criteria in scoring.criteria:
        met = all(
            sum(
                1
                for item in requirement.items
                if (v := relevant.get(item)) is not None and v >= criteria.endorsed_at
            )
            >= requirement.at_least
            for requirement in criteria.requires
        )
        if met:
            flags.add(criteria.flag)
    return flags
