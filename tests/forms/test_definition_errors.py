"""A broken definition is refused with every problem found, each naming its field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from forms import DefinitionError
from forms.loader import DEFINITIONS_DIR, load_definition


def _load_edited(tmp_path: Path, section: str, edit: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load((DEFINITIONS_DIR / f"{section}.yaml").read_text())
    edit(data)
    file = tmp_path / f"{section}.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True))
    load_definition(file)


def test_every_problem_is_listed_the_first_one_first(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["title"] = ""
        d["items"][2]["scored"] = "yes"

    with pytest.raises(DefinitionError) as caught:
        _load_edited(tmp_path, "gad7", edit)
    assert caught.value.field == "title"
    assert str(caught.value).splitlines() == [
        "gad7.yaml: title: must be a string or a mapping of default/per-path wording",
        "gad7.yaml: items[2].scored: must be true or false, got 'yes'",
    ]


def test_a_group_of_items_is_named_where_it_is_in_the_file(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["scoring"]["groups"]["ptsd_clusters"][1] = ["itq.p3", "itq.p99"]

    with pytest.raises(DefinitionError) as caught:
        _load_edited(tmp_path, "itq", edit)
    assert str(caught.value) == (
        "itq.yaml: scoring.groups.ptsd_clusters[1]: unknown item 'itq.p99'"
    )


@pytest.mark.parametrize("closed", [[[0]], [{"code": 0}]])
def test_gate_codes_that_are_not_codes_are_refused(tmp_path: Path, closed: object) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["scoring"]["gate"]["closed"] = closed

    with pytest.raises(DefinitionError, match=r"^pcptsd5\.yaml: scoring\.gate\.closed: must"):
        _load_edited(tmp_path, "pcptsd5", edit)


def test_a_version_in_changes_must_be_text(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["changes"] = {1.0: ["First version."]}

    with pytest.raises(DefinitionError) as caught:
        _load_edited(tmp_path, "gad7", edit)
    assert str(caught.value) == "gad7.yaml: changes.1.0: a version must be a string (quote it)"
