"""Write the data dictionary (ids, wording, codes, scoring) as Markdown or CSV.

Usage: ``python -m forms.dictionary --format md|csv [--output FILE]``. The Markdown
version is committed as ``docs/data-dictionary.md`` and a test keeps it in sync:
regenerate it with ``python -m forms.dictionary --format md --output docs/data-dictionary.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from forms.conditions import describe
from forms.flows import FLOWS, PATH_SPECS
from forms.flows_schema import MAX_AGE
from forms.model import PATHS, CutOff, Definition, Item, Scoring, Text
from forms.registry import CLINIC_SECTION_IDS, DEFINITIONS, INSTRUMENT_IDS

CSV_COLUMNS = (
    "section", "kind", "section_title", "version", "step", "item_id", "wording",
    "wording_teen_self", "wording_caregiver_child", "codes", "scored",
    "critical", "shown_when", "loinc", "scoring",
)  # fmt: skip


def codes(item: Item) -> str:
    return "; ".join(f"{o.code}={o.label}" for o in item.options)


def shown_when(item: Item) -> str:
    """The item's age range and show-when rule in words ("" when always asked)."""
    parts = []
    if item.min_age is not None or item.max_age is not None:
        if item.max_age is None:
            parts.append(f"subject_age >= {item.min_age}")
        elif item.min_age is None:
            parts.append(f"subject_age <= {item.max_age}")
        else:
            parts.append(f"subject_age {item.min_age}-{item.max_age}")
    if item.show_when is not None:
        parts.append(describe(item.show_when))
    return " and ".join(parts)


def id_ranges(item_ids: Sequence[str]) -> str:
    """Item ids in the order given, runs of consecutive numbers shortened:
    ``ace.1-ace.5, ace.10, ace.9, ace.6-ace.8``."""
    runs: list[list[str]] = []
    for item_id in item_ids:
        if runs and _follows(runs[-1][-1], item_id):
            runs[-1].append(item_id)
        else:
            runs.append([item_id])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def _follows(before: str, item_id: str) -> bool:
    """Whether ``item_id`` is the next number after ``before`` (``phq9.3`` -> ``phq9.4``)."""
    first, second = re.fullmatch(r"(.*?)(\d+)", before), re.fullmatch(r"(.*?)(\d+)", item_id)
    return (
        first is not None
        and second is not None
        and first[1] == second[1]
        and int(second[2]) == int(first[2]) + 1
    )


def step_of(definition: Definition, item_id: str) -> str:
    return next(step.id for step in definition.steps if item_id in step.items)


def describe_scoring(definition: Definition) -> list[str]:
    """Plain statements of how the section is scored (empty for clinic questions)."""
    scoring = definition.scoring
    if scoring is None:
        return []
    lines = [_describe_method(definition, scoring)]
    if scoring.gate is not None:
        closed = ", ".join(str(c) for c in sorted(scoring.gate.closed))
        lines.append(
            f"Gate {scoring.gate.item} = {closed}: total {scoring.gate.total_when_closed}, "
            "other items not asked."
        )
    if scoring.bands:
        bands = ", ".join(f"`{b.id}` {b.min}-{b.max}" for b in scoring.bands)
        lines.append(f"Bands: {bands}.")
    if scoring.cut_off is not None:
        lines.append(_describe_cut_off(scoring.cut_off))
    for subscale in scoring.subscales:
        text = f"Subscale `{subscale.id}` = sum of {', '.join(subscale.items)}"
        if subscale.cut_off is not None:
            text += f"; flag `{subscale.flag}` at >= {subscale.cut_off}"
        lines.append(text + ".")
    for flag in scoring.flags:
        lines.append(f"Flag `{flag.flag}` at total >= {flag.at_least}.")
    for criteria in scoring.criteria:
        parts = [f">= {r.at_least} of {r.items[0]}-{r.items[-1]}" for r in criteria.requires]
        lines.append(
            f"Flag `{criteria.flag}` when items answered >= {criteria.endorsed_at} give "
            + ", ".join(parts)
            + "."
        )
    for item in definition.items:
        if item.critical is not None:
            lines.append(
                f"Critical: flag `{item.critical.flag}` when {item.id} >= "
                f"{item.critical.at_least} (`{item.critical.flag}_refused` when refused)."
            )
    if scoring.missing == "blanks_as_zero":
        lines.append(
            f"Missing: blanks score 0 (flag `blanks_scored_zero`); more than "
            f"{scoring.max_blanks} blanks: total None, flag `incomplete`."
        )
    else:
        lines.append(
            "Missing: total and band only when all scored items are answered; otherwise "
            "flag `incomplete` and positive only when the answered items settle it."
        )
    return lines


def _describe_cut_off(cut: CutOff) -> str:
    text = f"Positive at total >= {cut.default}"
    for override in cut.overrides:
        conditions = []
        if override.subject_age_min is not None or override.subject_age_max is not None:
            conditions.append(f"subject_age {override.subject_age_min}-{override.subject_age_max}")
        if override.sex is not None:
            conditions.append(f"sex {'/'.join(sorted(override.sex))}")
        text += f"; >= {override.value} when {' and '.join(conditions)}"
    if cut.configurable is not None:
        text += f" (configurable {cut.configurable[0]}-{cut.configurable[1]})"
    return text + "."


def _describe_method(definition: Definition, scoring: Scoring) -> str:
    scored = [item.id for item in definition.scored_items]
    if scoring.method == "sum":
        assert scoring.total_range is not None
        low, high = scoring.total_range
        return f"Total = sum of {id_ranges(scored)} ({len(scored)} items), {low}-{high}."
    if scoring.method == "itq":
        return (
            f"ICD-11 algorithm (endorsed = answer >= {scoring.endorsed_at}): `ptsd`, `cptsd` "
            "(exclusive), positive = ptsd or cptsd. No total."
        )
    return (
        "ASQ algorithm: result `negative` / `non_acute_positive` / `acute_positive`; a refused "
        "screening question counts as yes; flags `suicide_risk`, `suicide_risk_acute`, "
        "`asq_acuity_unknown`. No total."
    )


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _wording(item: Item) -> str:
    return _cell(_variants(item.text) or "")


def _variants(text: Text | None) -> str | None:
    """The default wording, then each per-path variant in italics."""
    if text is None:
        return None
    return text.default + "".join(
        f"<br>*{path}:* {text.variants[path]}" for path in PATHS if path in text.variants
    )


def _markdown_section(definition: Definition) -> list[str]:
    title = definition.name
    out = [f"### `{definition.id}` — {title}", ""]
    facts = [
        ("Version", definition.version),
        ("Heading shown to clients", _variants(definition.title)),
        ("Why we ask", definition.why.default),
        ("Content note", definition.content_note.default if definition.content_note else None),
        ("Time frame", definition.time_frame),
        ("Instructions", definition.instructions.default),
        ("Source", definition.source),
        ("Published form followed", _variants(definition.form_version)),
        ("Licence", definition.licence),
        ("LOINC", _loinc(definition)),
        ("Translations", _translations(definition)),
    ]
    out += [f"- **{name}:** {_cell(value)}" for name, value in facts if value]
    scoring = describe_scoring(definition)
    if scoring:
        out += ["- **Scoring:**", *[f"  - {_cell(line)}" for line in scoring]]
    if definition.notes:
        out += ["- **Notes:**", *[f"  - {_cell(note)}" for note in definition.notes]]
    out += [
        "",
        "| id | step | wording | codes | scored | shown when |",
        "|---|---|---|---|---|---|",
    ]
    for item in definition.items:
        out.append(
            f"| `{item.id}` | {step_of(definition, item.id)} | {_wording(item)} | "
            f"{_cell(codes(item))} | {'yes' if item.scored else 'no'} | "
            f"{_cell(shown_when(item))} |"
        )
    out.append("")
    return out


def _translations(definition: Definition) -> str | None:
    parts = []
    for language, translation in sorted(definition.translations.items()):
        wording = translation.wording
        if wording is None:
            parts.append(f"{language}: why we ask and content note; questions shown in English")
        elif wording.source:
            parts.append(f"{language}: questions and answers from {wording.source}")
        else:
            parts.append(f"{language}: questions and answers (clinic wording)")
    return "; ".join(parts) or None


def _loinc(definition: Definition) -> str | None:
    parts = [f"panel {definition.loinc_panel}"] if definition.loinc_panel else []
    if definition.loinc_total:
        parts.append(f"total {definition.loinc_total}")
    parts += [f"{item.id} {item.loinc}" for item in definition.items if item.loinc]
    return ", ".join(parts) or None


def markdown() -> str:
    out = [
        "# Data dictionary",
        "",
        "Generated from `forms/definitions/` and `forms/flows.yaml` by "
        "`python -m forms.dictionary --format md --output docs/data-dictionary.md`. "
        "Do not edit by hand: a test keeps this file in sync.",
        "",
        "Every answer has a stable id `<section>.<item>`, used as the HTML field name, the key "
        "in stored answers, in the JSON API and in exports. Values are the published numeric "
        "codes. Every question offers *prefer not to answer*: `null` (None), stored "
        "distinctly from *not asked* (key absent). Yes/No items: yes = 1, no = 0. Wording "
        "variants per respondent path are shown in italics.",
        "",
        *_changes_sections(),
        "## Flows",
        "",
        f"Flows version {FLOWS.version}.",
        "",
        "| path | respondent | ages | sections (in order) |",
        "|---|---|---|---|",
    ]
    for spec in PATH_SPECS.values():
        sections = []
        for entry in spec.entries:
            text = f"`{entry.section}`"
            if entry.min_age is not None or entry.max_age is not None:
                text += f" (ages {entry.min_age}-{entry.max_age})"
            if entry.when is not None:
                text += f" (when {describe(entry.when)})"
            sections.append(text)
        ages = f"{spec.min_age}+" if spec.max_age == MAX_AGE else f"{spec.min_age}-{spec.max_age}"
        out.append(f"| `{spec.id}` | {spec.respondent} | {ages} | {_cell(', '.join(sections))} |")
    out += ["", "## Instruments", ""]
    for section_id in INSTRUMENT_IDS:
        out += _markdown_section(DEFINITIONS[section_id])
    out += ["## Clinic questions", ""]
    for section_id in CLINIC_SECTION_IDS:
        out += _markdown_section(DEFINITIONS[section_id])
    return "\n".join(out).rstrip() + "\n"


def _changes_sections() -> list[str]:
    """One section per major version, newest first: what changed in the flows and in each
    definition at a version of that major number."""
    entries: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    sources = [("Flows (`forms/flows.yaml`)", FLOWS.changes)] + [
        (
            f"`{section_id}` — {DEFINITIONS[section_id].name}",
            DEFINITIONS[section_id].changes,
        )
        for section_id in (*INSTRUMENT_IDS, *CLINIC_SECTION_IDS)
    ]
    for name, changes in sources:
        for version, lines in changes.items():
            entries.setdefault(version.split(".")[0], []).append((name, version, lines))
    out: list[str] = []
    for major in sorted(entries, key=int, reverse=True):
        out += [
            f"## What changed in version {major}",
            "",
            f"The flows and the definitions changed for version {major} of the clinical policy "
            f"are at version {major}.x; each records what changed in its `changes` field.",
            "",
        ]
        for name, version, lines in entries[major]:
            out.append(f"- **{name}** (version {version}):")
            out += [f"  - {_cell(line)}" for line in lines]
        out.append("")
    return out


def csv_text() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for section_id in (*INSTRUMENT_IDS, *CLINIC_SECTION_IDS):
        definition = DEFINITIONS[section_id]
        scoring = " ".join(describe_scoring(definition))
        for item in definition.items:
            writer.writerow(
                (
                    definition.id,
                    definition.kind,
                    definition.name,
                    definition.version,
                    step_of(definition, item.id),
                    item.id,
                    item.text.default,
                    item.text.variants.get("teen_self", ""),
                    item.text.variants.get("caregiver_child", ""),
                    codes(item),
                    "yes" if item.scored else "no",
                    f"{item.critical.flag} at >= {item.critical.at_least}" if item.critical else "",
                    shown_when(item),
                    item.loinc or "",
                    scoring,
                )
            )
    return buffer.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m forms.dictionary",
        description="Write the intake data dictionary (ids, wording, codes, scoring).",
    )
    parser.add_argument("--format", choices=("md", "csv"), default="md", help="output format")
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    text = markdown() if args.format == "md" else csv_text()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
