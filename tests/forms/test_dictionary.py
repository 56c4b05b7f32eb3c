"""The data dictionary generator and the committed docs/data-dictionary.md."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from forms import SECTION_IDS, get_definition
from forms.dictionary import CSV_COLUMNS, csv_text, id_ranges, main, markdown
from forms.flows import FLOWS

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_committed_markdown_is_in_sync() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == markdown(), (
        "docs/data-dictionary.md is stale: run "
        "python -m forms.dictionary --format md --output docs/data-dictionary.md"
    )


def test_csv_has_one_row_per_item_of_every_section() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_text())))
    expected = [item.id for s in SECTION_IDS for item in get_definition(s).items]
    assert sorted(row["item_id"] for row in rows) == sorted(expected)
    assert tuple(rows[0]) == CSV_COLUMNS
    phq9_9 = next(row for row in rows if row["item_id"] == "phq9.9")
    assert (
        phq9_9["codes"]
        == "0=Not at all; 1=Several days; 2=More than half the days; 3=Nearly every day"
    )
    assert phq9_9["critical"] == "suicide_item at >= 1" and phq9_9["loinc"] == "44260-8"
    assert "Positive at total >= 10; >= 11 when subject_age 12-17" in phq9_9["scoring"]
    safety = next(row for row in rows if row["item_id"] == "safety.now")
    assert safety["wording_caregiver_child"] == "Is your child safe where they are right now?"


def test_markdown_lists_every_item_id() -> None:
    text = markdown()
    for section in SECTION_IDS:
        for item in get_definition(section).items:
            assert f"| `{item.id}` |" in text


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_cli_writes_the_requested_format(tmp_path: Path, fmt: str) -> None:
    output = tmp_path / f"dictionary.{fmt}"
    assert main(["--format", fmt, "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == (markdown() if fmt == "md" else csv_text())


def test_cli_help_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "forms.dictionary", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=COMMITTED.parents[1],
    )
    assert "--format {md,csv}" in result.stdout


def test_item_ranges_follow_the_display_order() -> None:
    assert id_ranges(["ace.1", "ace.2", "ace.3", "ace.10", "ace.9", "ace.6", "ace.7"]) == (
        "ace.1-ace.3, ace.10, ace.9, ace.6-ace.7"
    )
    assert id_ranges(["psc17.i1", "psc17.i2", "psc17.a1"]) == "psc17.i1-psc17.i2, psc17.a1"
    assert "Total = sum of ace.1-ace.5, ace.10, ace.9, ace.6-ace.8 (10 items)" in markdown()


def test_what_changed_in_version_2_is_generated_from_the_changes_fields() -> None:
    text = markdown()
    section = text.split("## What changed in version 2\n")[1].split("\n## ")[0]
    changed = [s for s in SECTION_IDS if get_definition(s).version.startswith("2.")]
    assert set(changed) == {
        "ace", "apgar", "auditc", "cats_3_6", "cats_7_17", "itq", "child", "parent", "rel",
    }  # fmt: skip
    assert FLOWS.version == "2.0" and FLOWS.changes["2.0"]
    for line in FLOWS.changes["2.0"]:
        assert f"  - {line}" in section
    for section_id in changed:
        definition = get_definition(section_id)
        assert f"**`{section_id}` — {definition.name}** (version 2.0)" in section
        for line in definition.changes[definition.version]:
            assert f"  - {line}" in section
    unchanged = set(SECTION_IDS) - set(changed)
    assert not any(f"**`{section_id}` —" in section for section_id in unchanged)
