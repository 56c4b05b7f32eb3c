"""Published-rule boundary tests for the summed instruments (docs/clinical-policy.md)."""

from __future__ import annotations

import pytest

from forms import score
from forms.scoring import total_bounds
from tests.forms.helpers import all_items, with_total

# (instrument, total, band) at every band edge: each band's min and max.
BAND_EDGES = [
    ("phq9", 0, "minimal"), ("phq9", 4, "minimal"), ("phq9", 5, "mild"), ("phq9", 9, "mild"),
    ("phq9", 10, "moderate"), ("phq9", 14, "moderate"), ("phq9", 15, "moderately_severe"),
    ("phq9", 19, "moderately_severe"), ("phq9", 20, "severe"), ("phq9", 27, "severe"),
    ("gad7", 0, "minimal"), ("gad7", 4, "minimal"), ("gad7", 5, "mild"), ("gad7", 9, "mild"),
    ("gad7", 10, "moderate"), ("gad7", 14, "moderate"), ("gad7", 15, "severe"),
    ("gad7", 21, "severe"),
    ("ace", 0, "0"), ("ace", 1, "1"), ("ace", 2, "2-3"), ("ace", 3, "2-3"), ("ace", 4, "4+"),
    ("ace", 10, "4+"),
    ("apgar", 0, "severe_dysfunction"), ("apgar", 3, "severe_dysfunction"),
    ("apgar", 4, "moderate_dysfunction"), ("apgar", 6, "moderate_dysfunction"),
    ("apgar", 7, "functional"), ("apgar", 10, "functional"),
    ("cats_3_6", 0, "normal"), ("cats_3_6", 11, "normal"), ("cats_3_6", 12, "moderate"),
    ("cats_3_6", 14, "moderate"), ("cats_3_6", 15, "probable_ptsd"),
    ("cats_3_6", 48, "probable_ptsd"),
    ("cats_7_17", 0, "normal"), ("cats_7_17", 14, "normal"), ("cats_7_17", 15, "moderate"),
    ("cats_7_17", 20, "moderate"), ("cats_7_17", 21, "probable_ptsd"),
    ("cats_7_17", 60, "probable_ptsd"),
]  # fmt: skip


@pytest.mark.parametrize(("instrument", "total", "band"), BAND_EDGES)
def test_band_edges(instrument: str, total: int, band: str) -> None:
    result = score(instrument, with_total(instrument, total))
    assert (result.total, result.band) == (total, band)
    assert "incomplete" not in result.flags


# (instrument, cut-off, context): positive just below, at and just above the cut-off.
CUT_OFFS = [
    ("phq9", 10, {"subject_age": 18}),
    ("phq9", 10, {}),
    ("phq9", 11, {"subject_age": 12}),
    ("phq9", 11, {"subject_age": 17}),
    ("phq9", 10, {"subject_age": 11}),
    ("gad7", 10, {}),
    ("pcl5", 33, {}),
    ("pcl5", 31, {"cut_offs": {"pcl5": 31}}),
    ("auditc", 4, {"sex": "male"}),
    ("auditc", 3, {"sex": "female"}),
    ("auditc", 3, {"sex": "other"}),
    ("auditc", 3, {}),
    ("cats_3_6", 15, {}),
    ("cats_7_17", 21, {}),
    ("psc17", 15, {}),
]


@pytest.mark.parametrize(("instrument", "cut_off", "context"), CUT_OFFS)
def test_cut_off_boundaries(instrument: str, cut_off: int, context: dict[str, object]) -> None:
    below = score(instrument, with_total(instrument, cut_off - 1), context=context)
    at = score(instrument, with_total(instrument, cut_off), context=context)
    above = score(instrument, with_total(instrument, cut_off + 1), context=context)
    assert (below.positive, at.positive, above.positive) == (False, True, True)
    assert at.cut_off == cut_off


def test_phq9_suicide_item_flags_whatever_else_is_missing() -> None:
    assert "suicide_item" in score("phq9", {"phq9.9": 1}).flags
    assert "suicide_item" not in score("phq9", with_total("phq9", 27) | {"phq9.9": 0}).flags
    refused = score("phq9", {"phq9.9": None})
    assert "suicide_item_refused" in refused.flags
    assert "suicide_item" not in refused.flags


def test_phq9_item_10_is_not_scored() -> None:
    result = score("phq9", with_total("phq9", 3) | {"phq9.10": 3})
    assert (result.total, result.expected) == (3, 9)


def test_missing_answer_gives_no_total_or_band_and_flags_incomplete() -> None:
    answers = with_total("gad7", 5) | {"gad7.7": None}
    result = score("gad7", answers)
    assert (result.total, result.band, result.answered, result.expected) == (None, None, 6, 7)
    assert "incomplete" in result.flags


def test_missing_answers_still_settle_positive_when_they_can() -> None:
    reached = {f"gad7.{i}": 3 for i in range(1, 5)}  # 12 >= 10 with 3 items missing
    assert score("gad7", reached).positive is True
    unreachable = {f"gad7.{i}": 0 for i in range(1, 5)}  # 0 + 3 * 3 = 9 < 10
    assert score("gad7", unreachable).positive is False
    open_ = {f"gad7.{i}": 0 for i in range(1, 5)} | {"gad7.1": 1}  # 1 + 9 = 10 reachable
    assert score("gad7", open_).positive is None


def test_absent_and_refused_are_both_missing() -> None:
    absent = score("gad7", {})
    refused = score("gad7", all_items("gad7", None))
    for result in (absent, refused):
        assert (result.total, result.positive, result.answered) == (None, None, 0)
        assert "incomplete" in result.flags


def test_pcptsd5_gate_no_means_total_zero_and_negative() -> None:
    result = score("pcptsd5", {"pcptsd5.0": 0})
    assert (result.total, result.positive, result.answered, result.expected) == (0, False, 1, 1)
    assert not result.flags


def test_pcptsd5_gate_no_ignores_items_answered_before_the_gate_changed() -> None:
    result = score("pcptsd5", {"pcptsd5.0": 0} | all_items("pcptsd5", 1))
    assert (result.total, result.positive) == (0, False)


@pytest.mark.parametrize(("total", "positive"), [(2, False), (3, True), (4, True)])
def test_pcptsd5_default_cut_point_3(total: int, positive: bool) -> None:
    result = score("pcptsd5", with_total("pcptsd5", total) | {"pcptsd5.0": 1})
    assert (result.total, result.positive, result.cut_off) == (total, positive, 3)
    assert (result.answered, result.expected) == (6, 6)


@pytest.mark.parametrize(("total", "positive"), [(3, False), (4, True), (5, True)])
def test_pcptsd5_cut_point_configurable_to_4(total: int, positive: bool) -> None:
    answers = with_total("pcptsd5", total) | {"pcptsd5.0": 1}
    result = score("pcptsd5", answers, context={"cut_offs": {"pcptsd5": 4}})
    assert (result.positive, result.cut_off) == (positive, 4)


@pytest.mark.parametrize("gate", [None, "absent"])
def test_pcptsd5_gate_refused_or_absent_is_unscored(gate: object) -> None:
    answers: dict[str, int | None] = {} if gate == "absent" else {"pcptsd5.0": None}
    result = score("pcptsd5", answers | all_items("pcptsd5", 1))
    assert (result.total, result.positive, result.expected) == (None, None, 6)
    assert "incomplete" in result.flags


def test_configured_cut_off_outside_the_allowed_range_is_refused() -> None:
    with pytest.raises(ValueError, match="pcptsd5"):
        score("pcptsd5", {}, context={"cut_offs": {"pcptsd5": 5}})
    with pytest.raises(ValueError, match="not configurable"):
        score("gad7", {}, context={"cut_offs": {"gad7": 8}})


@pytest.mark.parametrize(("total", "flagged"), [(3, False), (4, True), (5, True)])
def test_ace_high_at_4(total: int, flagged: bool) -> None:
    assert ("ace_high" in score("ace", with_total("ace", total)).flags) is flagged


def test_ace_high_fires_from_answered_items_when_some_are_missing() -> None:
    result = score("ace", {"ace.1": 1, "ace.2": 1, "ace.6": 1, "ace.9": 1})
    assert result.total is None
    assert {"ace_high", "incomplete"} <= result.flags


def test_ace_abuse_neglect_subscale_is_items_1_to_5() -> None:
    answers = all_items("ace", 0) | {"ace.1": 1, "ace.5": 1, "ace.6": 1}
    result = score("ace", answers)
    assert result.subscales == {"abuse_neglect": 2}
    assert result.positive is None and result.cut_off is None


def test_pcl5_clusters_and_provisional_diagnosis() -> None:
    answers = all_items("pcl5", 0) | {
        "pcl5.1": 2, "pcl5.6": 2, "pcl5.8": 2, "pcl5.9": 3, "pcl5.15": 4, "pcl5.16": 2,
    }  # fmt: skip
    result = score("pcl5", answers)
    assert result.subscales == {"cluster_b": 2, "cluster_c": 2, "cluster_d": 5, "cluster_e": 6}
    assert "pcl5_provisional_dx" in result.flags
    assert result.total == 15 and result.positive is False


@pytest.mark.parametrize(
    "lowered", ["pcl5.1", "pcl5.6", "pcl5.8", "pcl5.15"], ids=["B", "C", "D", "E"]
)
def test_pcl5_provisional_diagnosis_needs_every_cluster(lowered: str) -> None:
    answers = all_items("pcl5", 0) | {
        "pcl5.1": 2, "pcl5.6": 2, "pcl5.8": 2, "pcl5.9": 2, "pcl5.15": 2, "pcl5.16": 2,
    }  # fmt: skip
    answers[lowered] = 1  # "a little bit" is not endorsed
    assert "pcl5_provisional_dx" not in score("pcl5", answers).flags


def test_cats_events_and_impairment_are_not_scored() -> None:
    answers = with_total("cats_7_17", 20) | {"cats_7_17.e4": 1, "cats_7_17.f1": 1}
    result = score("cats_7_17", answers)
    assert (result.total, result.expected) == (20, 20)
    assert score("cats_3_6", with_total("cats_3_6", 0)).expected == 16


class TestPsc17:
    def test_up_to_three_blanks_score_zero(self) -> None:
        answers = with_total("psc17", 15) | {"psc17.e5": None, "psc17.e6": None}
        del answers["psc17.e7"]
        result = score("psc17", answers)
        assert (result.total, result.positive) == (15, True)
        assert "blanks_scored_zero" in result.flags and "incomplete" not in result.flags

    def test_four_blanks_make_it_invalid(self) -> None:
        answers = with_total("psc17", 15) | dict.fromkeys(
            ["psc17.e4", "psc17.e5", "psc17.e6", "psc17.e7"]
        )
        result = score("psc17", answers)
        assert (result.total, result.band) == (None, None)
        assert "incomplete" in result.flags
        assert result.subscales == dict.fromkeys(["internalizing", "attention", "externalizing"])

    def test_invalid_form_still_positive_when_answered_items_reach_15(self) -> None:
        answers = all_items("psc17", 2) | dict.fromkeys(
            ["psc17.e4", "psc17.e5", "psc17.e6", "psc17.e7"]
        )
        assert score("psc17", answers).positive is True

    @pytest.mark.parametrize(
        ("subscale", "prefix", "cut_off"),
        [("internalizing", "i", 5), ("attention", "a", 7), ("externalizing", "e", 7)],
    )
    def test_subscale_cut_offs(self, subscale: str, prefix: str, cut_off: int) -> None:
        flag = f"psc17_{subscale}"
        for total, flagged in ((cut_off - 1, False), (cut_off, True), (cut_off + 1, True)):
            answers = all_items("psc17", 0)
            remaining = total
            for item_id in [k for k in answers if k.startswith(f"psc17.{prefix}")]:
                answers[item_id] = min(2, remaining)
                remaining -= answers[item_id] or 0
            result = score("psc17", answers)
            assert result.subscales[subscale] == total
            assert (flag in result.flags) is flagged


@pytest.mark.parametrize(
    ("instrument", "answers", "bounds"),
    [
        ("apgar", with_total("apgar", 6), (6, 6)),
        ("apgar", {"apgar.1": 1, "apgar.2": 1, "apgar.3": None}, (2, 8)),
        ("apgar", {"apgar.1": 0, "apgar.2": 0, "apgar.3": 0}, (0, 4)),
        ("apgar", {}, (0, 10)),
        ("pcptsd5", {"pcptsd5.0": 0}, (0, 0)),
        ("pcptsd5", {"pcptsd5.0": None}, (0, 5)),
        ("pcptsd5", {"pcptsd5.0": 1, "pcptsd5.1": 1, "pcptsd5.2": None}, (1, 5)),
        ("psc17", {**all_items("psc17", 1), "psc17.i1": None}, (16, 16)),  # blank scored 0
    ],
)
def test_total_bounds_are_what_the_answers_still_allow(
    instrument: str, answers: dict[str, int | None], bounds: tuple[int, int]
) -> None:
    assert total_bounds(instrument, answers) == bounds


def test_total_bounds_need_an_instrument_with_a_total() -> None:
    with pytest.raises(ValueError, match="itq has no total"):
        total_bounds("itq", {})


@pytest.mark.parametrize(
    ("yes", "total", "band", "abuse_neglect", "flags"),
    [
        (["ace.1", "ace.5"], 2, "2-3", 2, set()),
        (["ace.6", "ace.7", "ace.8", "ace.9", "ace.10"], 5, "4+", 0, {"ace_high"}),
        (["ace.10"], 1, "1", 0, set()),
        (["ace.3", "ace.4", "ace.8", "ace.9"], 4, "4+", 2, {"ace_high"}),
    ],
)
def test_ace_scoring_goes_by_id_not_by_display_order(
    yes: list[str], total: int, band: str, abuse_neglect: int, flags: set[str]
) -> None:
    answers = {f"ace.{i}": int(f"ace.{i}" in yes) for i in range(1, 11)}
    result = score("ace", answers)
    assert (result.total, result.band, result.flags) == (total, band, frozenset(flags))
    assert result.subscales == {"abuse_neglect": abuse_neglect}
