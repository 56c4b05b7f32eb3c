"""A definition's ``scoring`` block (rules, bands, cut-offs, flags) and its checks.

``ScoringEntry`` reads the block and checks what it can on its own: known rules, a
subscale's cut-off with its flag, a cut-off's configurable range, each algorithm's
item groups. What needs the section's items -- every item id known and scored, the
gate, values within the totals the items can give -- is checked by ``check_scoring``
once the whole definition has been read; ``to_scoring`` then builds the
:class:`forms.model.Scoring`. Errors name the field (``scoring.bands[1].min``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Final, Self, cast, get_args

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)

from forms.conditions import referenced_items
from forms.model import (
    Band,
    CriteriaFlag,
    CutOff,
    CutOffOverride,
    Gate,
    Item,
    Method,
    MissingRule,
    Requirement,
    Scoring,
    Subscale,
    TotalFlag,
)
from forms.schema import (
    Entry,
    Integer,
    List,
    Location,
    Name,
    OptionalList,
    Required,
    Str,
    Texts,
    non_empty_string,
    problem,
    refuse_at,
    required,
    required_list,
    texts,
)

SEXES = frozenset({"female", "male", "other"})
SCORING: Final[Location] = ("scoring",)


def _method(value: object) -> Method:
    method = non_empty_string(value)
    if method not in get_args(Method):
        raise problem(f"unknown scoring rule {method!r} (known: {', '.join(get_args(Method))})")
    return cast(Method, method)


def _missing_rule(value: object) -> MissingRule:
    if value is None:
        return "all_required"
    rule = non_empty_string(value)
    if rule not in get_args(MissingRule):
        raise problem(f"unknown missing-answer rule {rule!r}")
    return cast(MissingRule, rule)


def _not_empty(value: tuple[object, ...]) -> tuple[object, ...]:
    if not value:
        raise problem("must not be empty")
    return value


def _sexes(value: object) -> frozenset[str]:
    sexes = frozenset(texts(value))
    if not sexes <= SEXES:
        raise problem(f"must list values of {sorted(SEXES)}")
    return sexes


def _codes(value: object) -> frozenset[int]:
    """Answer codes, checked against the gate item's codes later."""
    try:
        return frozenset(required_list(value))
    except TypeError:  # a list or mapping in the list
        raise problem("must list answer codes") from None


Clusters = Annotated[tuple[Texts, ...], List, AfterValidator(_not_empty)]
"""Groups of item ids, at least one."""


class BandEntry(Entry):
    id: Str
    min: Integer
    max: Integer


class ScoreRange(Entry):
    min: Integer
    max: Integer


class AgeRange(Entry):
    min: Integer | None = None
    max: Integer | None = None


class WhenEntry(Entry):
    """Who an override applies to: subject ages and/or sexes."""

    subject_age: AgeRange | None = None
    sex: Annotated[frozenset[str], PlainValidator(_sexes)] | None = None

    @model_validator(mode="after")
    def _says_who(self) -> Self:
        age = self.subject_age or AgeRange()
        if age.min is None and age.max is None and self.sex is None:
            raise problem("needs subject_age and/or sex")
        return self


class OverrideEntry(Entry):
    value: Integer
    when: Annotated[WhenEntry, Required]

    def to_override(self) -> CutOffOverride:
        age = self.when.subject_age or AgeRange()
        return CutOffOverride(self.value, age.min, age.max, self.when.sex)


class CutOffEntry(Entry):
    default: Integer
    overrides: Annotated[tuple[OverrideEntry, ...], OptionalList] = ()
    configurable: ScoreRange | None = None

    def to_cut_off(self) -> CutOff:
        configurable = self.configurable
        return CutOff(
            self.default,
            tuple(override.to_override() for override in self.overrides),
            None if configurable is None else (configurable.min, configurable.max),
        )


class SubscaleEntry(Entry):
    id: Name
    title: Str | None = None
    items: Texts
    cut_off: Integer | None = None
    flag: Name | None = None

    @model_validator(mode="after")
    def _cut_off_and_flag_together(self) -> Self:
        if (self.flag is None) != (self.cut_off is None):
            refuse_at(("flag",), "a subscale cut_off and flag go together", self.flag)
        return self


class TotalFlagEntry(Entry):
    flag: Name
    total_at_least: Integer


class GateEntry(Entry):
    """An item whose answer in ``closed`` fixes the total and skips the scored items."""

    item: Str
    closed: Annotated[frozenset[int], PlainValidator(_codes)]
    total_when_closed: Integer


class RequirementEntry(Entry):
    items: Texts
    at_least: Integer

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not 0 < self.at_least <= len(self.items):
            message = f"{self.at_least} is not between 1 and {len(self.items)}"
            refuse_at(("at_least",), message, self.at_least)
        return self


class CriteriaEntry(Entry):
    flag: Name
    endorsed_at: Integer
    requires: Annotated[tuple[RequirementEntry, ...], List]


class ItqGroups(Entry):
    dso_clusters: Clusters
    dso_impairment: Clusters
    ptsd_clusters: Clusters
    ptsd_impairment: Clusters


class AsqGroups(Entry):
    acuity: Clusters
    screen: Clusters


GROUPS: Final[Mapping[str, type[ItqGroups | AsqGroups]]] = {"itq": ItqGroups, "asq": AsqGroups}
"""The scoring rules that need groups of items, and the groups each needs."""


class ScoringEntry(Entry):
    """The ``scoring`` block as written."""

    method: Annotated[Method, PlainValidator(_method)]
    missing: Annotated[MissingRule, PlainValidator(_missing_rule)] = "all_required"
    max_blanks: Integer | None = None
    bands: Annotated[tuple[BandEntry, ...], List] | None = None
    cut_off: CutOffEntry | None = None
    subscales: Annotated[tuple[SubscaleEntry, ...], OptionalList] = ()
    flags: Annotated[tuple[TotalFlagEntry, ...], OptionalList] = ()
    gate: GateEntry | None = None
    criteria: Annotated[tuple[CriteriaEntry, ...], OptionalList] = ()
    endorsed_at: Integer | None = None
    groups: ItqGroups | AsqGroups | None = Field(None, validate_default=True)

    @field_validator("groups", mode="plain")
    @classmethod
    def _groups_of_the_method(
        cls, value: object, info: ValidationInfo
    ) -> ItqGroups | AsqGroups | None:
        if "method" not in info.data:  # refused already
            return None
        groups = GROUPS.get(info.data["method"])
        if groups is not None:
            return groups.model_validate(required(value))
        if value is not None:
            raise problem(f"groups are only used by the {', '.join(GROUPS)} methods")
        return None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.missing == "blanks_as_zero" and (self.max_blanks or 0) < 1:
            refuse_at(("max_blanks",), "blanks_as_zero needs max_blanks >= 1", self.max_blanks)
        if len({sub.id for sub in self.subscales}) != len(self.subscales):
            refuse_at(("subscales",), "duplicate subscale id", [sub.id for sub in self.subscales])
        if self.method == "itq" and self.endorsed_at is None:
            refuse_at(("endorsed_at",), "is required", None)
        return self

    def total_range(self, items: Mapping[str, Item]) -> tuple[int, int] | None:
        """The totals the scored items (and the gate) can give; None without a total."""
        if self.method != "sum":
            return None
        scored = [item for item in items.values() if item.scored]
        low = sum(item.min_code for item in scored)
        high = sum(item.max_code for item in scored)
        if self.gate is not None:
            low = min(low, self.gate.total_when_closed)
            high = max(high, self.gate.total_when_closed)
        return low, high

    def to_scoring(self, items: Mapping[str, Item]) -> Scoring:
        gate = self.gate
        return Scoring(
            method=self.method,
            missing=self.missing,
            max_blanks=self.max_blanks or 0,
            bands=tuple(Band(band.id, band.min, band.max) for band in self.bands or ()),
            cut_off=None if self.cut_off is None else self.cut_off.to_cut_off(),
            subscales=tuple(
                Subscale(sub.id, sub.items, sub.title, sub.cut_off, sub.flag)
                for sub in self.subscales
            ),
            flags=tuple(TotalFlag(flag.flag, flag.total_at_least) for flag in self.flags),
            gate=None if gate is None else Gate(gate.item, gate.closed, gate.total_when_closed),
            criteria=tuple(
                CriteriaFlag(
                    entry.flag,
                    entry.endorsed_at,
                    tuple(Requirement(r.items, r.at_least) for r in entry.requires),
                )
                for entry in self.criteria
            ),
            endorsed_at=self.endorsed_at,
            groups=_groups(self.groups),
            total_range=self.total_range(items),
        )


def _groups(groups: ItqGroups | AsqGroups | None) -> dict[str, tuple[tuple[str, ...], ...]]:
    if groups is None:
        return {}
    return {name: getattr(groups, name) for name in sorted(type(groups).model_fields)}


def check_scoring(scoring: ScoringEntry, items: Mapping[str, Item]) -> None:
    """Refuse a scoring block that does not fit the section's items."""
    if scoring.gate is not None:
        _check_gate(scoring.gate, items)
    for place, ids in _item_lists(scoring):
        _check_scored_items(place, ids, items)
    for index, sub in enumerate(scoring.subscales):
        sub_max = sum(items[item_id].max_code for item_id in sub.items)
        if sub.cut_off is not None and not 0 < sub.cut_off <= sub_max:
            message = f"{sub.cut_off} is outside the subscale range 0-{sub_max}"
            refuse_at((*SCORING, "subscales", index, "cut_off"), message, sub.cut_off)
    total_range = scoring.total_range(items)
    if scoring.bands is not None:
        _check_bands(scoring.bands, total_range)
    if scoring.cut_off is not None:
        _check_cut_off(scoring.cut_off, total_range)
    for index, flag in enumerate(scoring.flags):
        at_least = flag.total_at_least
        if total_range is None or not total_range[0] < at_least <= total_range[1]:
            message = f"{at_least} is outside the score range"
            refuse_at((*SCORING, "flags", index, "total_at_least"), message, at_least)


def _item_lists(scoring: ScoringEntry) -> Iterator[tuple[Location, tuple[str, ...]]]:
    """Every list of item ids in the block, with its place."""
    for index, sub in enumerate(scoring.subscales):
        yield (*SCORING, "subscales", index, "items"), sub.items
    for index, criteria in enumerate(scoring.criteria):
        for r_index, requirement in enumerate(criteria.requires):
            yield (*SCORING, "criteria", index, "requires", r_index, "items"), requirement.items
    for name, clusters in _groups(scoring.groups).items():
        for c_index, cluster in enumerate(clusters):
            yield (*SCORING, "groups", name, c_index), cluster


def _check_scored_items(place: Location, ids: tuple[str, ...], items: Mapping[str, Item]) -> None:
    for item_id in ids:
        if item_id not in items:
            refuse_at(place, f"unknown item {item_id!r}", item_id)
        if not items[item_id].scored:
            refuse_at(place, f"{item_id!r} is not a scored item", item_id)


def _check_gate(gate: GateEntry, items: Mapping[str, Item]) -> None:
    place = (*SCORING, "gate")
    if gate.item not in items:
        refuse_at((*place, "item"), f"unknown item {gate.item!r}", gate.item)
    codes = items[gate.item].codes
    if items[gate.item].scored:
        refuse_at(
            (*place, "item"), "a gate item is not itself scored (set scored: false)", gate.item
        )
    if not gate.closed or not gate.closed <= codes:
        message = f"must list codes of {gate.item} ({sorted(codes)})"
        refuse_at((*place, "closed"), message, list(gate.closed))
    for item in items.values():
        if item.scored and (
            item.show_when is None or gate.item not in referenced_items(item.show_when)
        ):
            message = f"scored item {item.id} must be shown only through the gate"
            refuse_at((*place, "item"), message, gate.item)


def _check_bands(bands: tuple[BandEntry, ...], total_range: tuple[int, int] | None) -> None:
    if total_range is None:
        refuse_at((*SCORING, "bands"), "bands need a total", None)
    low, high = total_range
    expected_low = low
    for index, band in enumerate(bands):
        place = (*SCORING, "bands", index)
        if any(earlier.id == band.id for earlier in bands[:index]):
            refuse_at((*place, "id"), f"duplicate band id {band.id!r}", band.id)
        if band.min != expected_low:
            message = f"{band.min} leaves a gap or overlap (expected {expected_low})"
            refuse_at((*place, "min"), message, band.min)
        if band.max < band.min:
            refuse_at((*place, "max"), f"{band.max} is below min {band.min}", band.max)
        expected_low = band.max + 1
    if not bands or bands[-1].max != high:
        refuse_at((*SCORING, "bands"), f"must cover the score range {low}-{high}", None)


def _check_cut_off(cut_off: CutOffEntry, total_range: tuple[int, int] | None) -> None:
    place = (*SCORING, "cut_off")
    if total_range is None:
        refuse_at(place, "a cut-off needs a total", None)
    low, high = total_range

    def in_range(where: Location, value: int) -> None:
        if not low < value <= high:
            refuse_at((*place, *where), f"{value} is outside the score range {low}-{high}", value)

    in_range(("default",), cut_off.default)
    conf = cut_off.configurable
    if conf is not None:
        in_range(("configurable", "min"), conf.min)
        in_range(("configurable", "max"), conf.max)
        if not conf.min <= cut_off.default <= conf.max:
            message = f"{cut_off.default} is outside the configurable range {(conf.min, conf.max)}"
            refuse_at((*place, "default"), message, cut_off.default)
    for index, override in enumerate(cut_off.overrides):
        in_range(("overrides", index, "value"), override.value)
