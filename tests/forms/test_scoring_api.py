"""The public contract of forms.score: inputs it refuses, and the shape of Score."""

from __future__ import annotations

import json

import pytest

import forms
from forms import INSTRUMENT_IDS, UnknownInstrument, score
from tests.forms.helpers import all_items, with_total

ALL_INSTRUMENTS = (
    "ace", "apgar", "asq", "auditc", "cats_3_6", "cats_7_17", "gad7", "itq", "pcl5", "pcptsd5",
    "phq9", "psc17",
)  # fmt: skip


def test_instrument_ids_cover_clinical_md() -> None:
    assert sorted(INSTRUMENT_IDS) == sorted(ALL_INSTRUMENTS)


def test_unknown_instrument_is_a_key_error_naming_the_known_ids() -> None:
    with pytest.raises(UnknownInstrument) as caught:
        score("phq8", {})
    assert isinstance(caught.value, KeyError)
    assert "phq8" in str(caught.value) and "phq9" in str(caught.value)
    with pytest.raises(UnknownInstrument):
        score("safety", {})  # a clinic section is not an instrument


def test_unknown_item_with_the_instrument_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match=r"phq9\.11"):
        score("phq9", {"phq9.11": 1})


@pytest.mark.parametrize("value", [4, -1, True, "2", 1.0])
def test_out_of_range_or_wrongly_typed_value_names_item_and_codes(value: object) -> None:
    with pytest.raises(ValueError, match=r"phq9\.3.*0 \(Not at all\).*3 \(Nearly every day\)"):
        score("phq9", {"phq9.3": value})  # type: ignore[dict-item]


def test_other_instruments_answers_are_ignored_but_not_their_errors() -> None:
    intake = with_total("phq9", 12) | with_total("gad7", 3) | {"safety.now": 1}
    assert score("phq9", intake).total == 12
    assert score("gad7", intake).total == 3


def test_invalid_context_is_refused() -> None:
    with pytest.raises(ValueError, match="sex"):
        score("auditc", {}, context={"sex": "M"})
    with pytest.raises(ValueError, match="subject_age"):
        score("phq9", {}, context={"subject_age": "15"})


@pytest.mark.parametrize("instrument", ALL_INSTRUMENTS)
def test_as_dict_is_json_safe_for_every_instrument(instrument: str) -> None:
    result = score(instrument, all_items(instrument, 1) | {"pcptsd5.0": 1})
    data = result.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["flags"] == sorted(result.flags)
    assert set(data) == {
        "instrument", "version", "total", "band", "positive", "cut_off", "flags", "subscales",
        "answered", "expected", "ptsd", "cptsd", "result",
    }  # fmt: skip


def test_score_is_frozen() -> None:
    result = score("gad7", with_total("gad7", 4))
    with pytest.raises(AttributeError):
        result.total = 5  # type: ignore[misc]


def test_instrument_specific_fields_are_none_elsewhere() -> None:
    result = score("gad7", with_total("gad7", 4))
    assert (result.ptsd, result.cptsd, result.result) == (None, None, None)
    assert result.version == forms.get_definition("gad7").version
