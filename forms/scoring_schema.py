"""Parse and check a definition's ``scoring`` block (rules, bands, cut-offs, flags)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast, get_args

from forms.conditions import referenced_items
from forms.fields import Fields
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

SEXES = frozenset({"female", "male", "other"})
ALGORITHM_GROUPS: Mapping[str, frozenset[str]] = {
    "itq": frozenset({"ptsd_clusters", "ptsd_impairment", "dso_clusters", "dso_impairment"}),
    "asq": frozenset({"screen", "acuity"}),
}


def parse_scoring(top: Fields, is_instrument: bool, items: Mapping[str, Item]) -> Scoring | None:
    if not is_instrument:
        if top.has("scoring"):
            top.fail("scoring", "clinic questions have no scoring")
        return None
    s = Fields(
        top.file,
        "scoring",
        top.raw("scoring"),
        (
            "method", "missing", "max_blanks", "bands", "cut_off", "subscales", "flags",
            "gate", "criteria", "endorsed_at", "groups",
        ),
    )  # fmt: skip
    method = s.req_str("method")
    if method not in get_args(Method):
        s.fail("method", f"unknown scoring rule {method!r} (known: {', '.join(get_args(Method))})")
    missing = s.get_str("missing", required=False) or "all_required"
    if missing not in get_args(MissingRule):
        s.fail("missing", f"unknown missing-answer rule {missing!r}")
    max_blanks = s.get_int("max_blanks", required=False) or 0
    if missing == "blanks_as_zero" and max_blanks < 1:
        s.fail("max_blanks", "blanks_as_zero needs max_blanks >= 1")

    def item_list(fields: Fields, key: str) -> tuple[str, ...]:
        ids = tuple(str(i) for i in fields.get_list(key))
        for item_id in ids:
            if item_id not in items:
                fields.fail(key, f"unknown item {item_id!r}")
            if not items[item_id].scored:
                fields.fail(key, f"{item_id!r} is not a scored item")
        return ids

    scored = [item for item in items.values() if item.scored]
    gate = _gate(s, items) if s.has("gate") else None
    total_range: tuple[int, int] | None = None
    if method == "sum":
        low = sum(item.min_code for item in scored)
        high = sum(item.max_code for item in scored)
        if gate is not None:
            low = min(low, gate.total_when_closed)
            high = max(high, gate.total_when_closed)
        total_range = (low, high)

    subscales: list[Subscale] = []
    for index, raw in enumerate(s.get_list("subscales", required=False)):
        sub = Fields(
            top.file,
            f"scoring.subscales[{index}]",
            raw,
            ("id", "title", "items", "cut_off", "flag"),
        )
        sub_items = item_list(sub, "items")
        cut = sub.get_int("cut_off", required=False)
        sub_max = sum(items[i].max_code for i in sub_items)
        if cut is not None and not 0 < cut <= sub_max:
            sub.fail("cut_off", f"{cut} is outside the subscale range 0-{sub_max}")
        flag = sub.get_name("flag", required=False)
        if (flag is None) != (cut is None):
            sub.fail("flag", "a subscale cut_off and flag go together")
        subscales.append(
            Subscale(
                cast(str, sub.get_name("id")),
                sub_items,
                sub.get_str("title", required=False),
                cut,
                flag,
            )
        )
    if len({sub.id for sub in subscales}) != len(subscales):
        s.fail("subscales", "duplicate subscale id")

    bands = _bands(s, total_range) if s.has("bands") else ()
    cut_off = _cut_off(s, total_range) if s.has("cut_off") else None
    flags: list[TotalFlag] = []
    for index, raw in enumerate(s.get_list("flags", required=False)):
        entry = Fields(top.file, f"scoring.flags[{index}]", raw, ("flag", "total_at_least"))
        at_least = entry.req_int("total_at_least")
        if total_range is None or not total_range[0] < at_least <= total_range[1]:
            entry.fail("total_at_least", f"{at_least} is outside the score range")
        flags.append(TotalFlag(cast(str, entry.get_name("flag")), at_least))

    criteria: list[CriteriaFlag] = []
    for index, raw in enumerate(s.get_list("criteria", required=False)):
        where = f"scoring.criteria[{index}]"
        entry = Fields(top.file, where, raw, ("flag", "endorsed_at", "requires"))
        requires: list[Requirement] = []
        for r_index, r_raw in enumerate(entry.get_list("requires")):
            req = Fields(top.file, f"{where}.requires[{r_index}]", r_raw, ("items", "at_least"))
            req_items = item_list(req, "items")
            at_least = req.req_int("at_least")
            if not 0 < at_least <= len(req_items):
                req.fail("at_least", f"{at_least} is not between 1 and {len(req_items)}")
            requires.append(Requirement(req_items, at_least))
        criteria.append(
            CriteriaFlag(
                cast(str, entry.get_name("flag")), entry.req_int("endorsed_at"), tuple(requires)
            )
        )

    groups: dict[str, tuple[tuple[str, ...], ...]] = {}
    if method in ALGORITHM_GROUPS:
        g = Fields(top.file, "scoring.groups", s.raw("groups"), tuple(ALGORITHM_GROUPS[method]))
        for name in sorted(ALGORITHM_GROUPS[method]):
            clusters = g.get_list(name)
            if not clusters:
                g.fail(name, "must not be empty")
            groups[name] = tuple(
                item_list(
                    Fields(top.file, f"scoring.groups.{name}[{i}]", {"items": c}, ("items",)),
                    "items",
                )
                for i, c in enumerate(clusters)
            )
    elif s.has("groups"):
        s.fail("groups", f"groups are only used by the {', '.join(ALGORITHM_GROUPS)} methods")
    if method == "itq" and s.get_int("endorsed_at") is None:
        s.fail("endorsed_at", "is required")
    if method != "sum" and (bands or cut_off or flags):
        s.fail("method", f"{method} has no total: bands, cut_off and flags need method 'sum'")

    return Scoring(
        method=cast(Method, method),
        missing=cast(MissingRule, missing),
        max_blanks=max_blanks,
        bands=bands,
        cut_off=cut_off,
        subscales=tuple(subscales),
        flags=tuple(flags),
        gate=gate,
        criteria=tuple(criteria),
        endorsed_at=s.get_int("endorsed_at", required=False),
        groups=groups,
        total_range=total_range,
    )


def _gate(s: Fields, items: Mapping[str, Item]) -> Gate:
    g = Fields(s.file, "scoring.gate", s.raw("gate"), ("item", "closed", "total_when_closed"))
    item_id = g.req_str("item")
    if item_id not in items:
        g.fail("item", f"unknown item {item_id!r}")
    if items[item_id].scored:
        g.fail("item", "a gate item is not itself scored (set scored: false)")
    closed = g.get_list("closed")
    if not closed or any(code not in items[item_id].codes for code in closed):
        g.fail("closed", f"must list codes of {item_id} ({sorted(items[item_id].codes)})")
    for item in items.values():
        if item.scored and (
            item.show_when is None or item_id not in referenced_items(item.show_when)
        ):
            g.fail("item", f"scored item {item.id} must be shown only through the gate")
    return Gate(item_id, frozenset(cast(list[int], closed)), g.req_int("total_when_closed"))


def _bands(s: Fields, total_range: tuple[int, int] | None) -> tuple[Band, ...]:
    if total_range is None:
        s.fail("bands", "bands need a total")
    bands: list[Band] = []
    for index, raw in enumerate(s.get_list("bands")):
        b = Fields(s.file, f"scoring.bands[{index}]", raw, ("id", "min", "max"))
        band_id = b.req_str("id")
        low, high = b.req_int("min"), b.req_int("max")
        if any(existing.id == band_id for existing in bands):
            b.fail("id", f"duplicate band id {band_id!r}")
        expected_low = bands[-1].max + 1 if bands else total_range[0]
        if low != expected_low:
            b.fail("min", f"{low} leaves a gap or overlap (expected {expected_low})")
        if high < low:
            b.fail("max", f"{high} is below min {low}")
        bands.append(Band(band_id, low, high))
    if not bands or bands[-1].max != total_range[1]:
        s.fail("bands", f"must cover the score range {total_range[0]}-{total_range[1]}")
    return tuple(bands)


def _cut_off(s: Fields, total_range: tuple[int, int] | None) -> CutOff:
    c = Fields(
        s.file, "scoring.cut_off", s.raw("cut_off"), ("default", "overrides", "configurable")
    )
    if total_range is None:
        s.fail("cut_off", "a cut-off needs a total")
    low, high = total_range

    def in_range(fields: Fields, key: str, value: int) -> int:
        if not low < value <= high:
            fields.fail(key, f"{value} is outside the score range {low}-{high}")
        return value

    default = in_range(c, "default", c.req_int("default"))
    configurable = None
    if c.has("configurable"):
        conf = Fields(s.file, "scoring.cut_off.configurable", c.raw("configurable"), ("min", "max"))
        conf_range = (
            in_range(conf, "min", conf.req_int("min")),
            in_range(conf, "max", conf.req_int("max")),
        )
        if not conf_range[0] <= default <= conf_range[1]:
            c.fail("default", f"{default} is outside the configurable range {conf_range}")
        configurable = conf_range
    overrides: list[CutOffOverride] = []
    for index, raw in enumerate(c.get_list("overrides", required=False)):
        where = f"scoring.cut_off.overrides[{index}]"
        o = Fields(s.file, where, raw, ("value", "when"))
        when = Fields(s.file, f"{where}.when", o.raw("when"), ("subject_age", "sex"))
        age_min = age_max = None
        if when.has("subject_age"):
            age = Fields(
                s.file, f"{where}.when.subject_age", when.raw("subject_age"), ("min", "max")
            )
            age_min, age_max = (
                age.get_int("min", required=False),
                age.get_int("max", required=False),
            )
        sexes = None
        if when.has("sex"):
            sexes = frozenset(str(x) for x in when.get_list("sex"))
            if not sexes <= SEXES:
                when.fail("sex", f"must list values of {sorted(SEXES)}")
        if age_min is None and age_max is None and sexes is None:
            when.fail("", "needs subject_age and/or sex")
        overrides.append(
            CutOffOverride(in_range(o, "value", o.req_int("value")), age_min, age_max, sexes)
        )
    return CutOff(default, tuple(overrides), configurable)
