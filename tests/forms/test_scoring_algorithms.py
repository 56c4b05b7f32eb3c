"""ITQ (ICD-11 PTSD / complex PTSD) and ASQ algorithms."""

from __future__ import annotations

import pytest

from forms import score

PTSD_ITEMS = [f"itq.p{i}" for i in range(1, 10)]
DSO_ITEMS = [f"itq.c{i}" for i in range(1, 10)]


def itq(endorsed: list[str], level: int = 2) -> dict[str, int | None]:
    """All ITQ items at 1 (not endorsed) except ``endorsed`` at ``level``."""
    answers: dict[str, int | None] = dict.fromkeys(PTSD_ITEMS + DSO_ITEMS, 1)
    answers.update(dict.fromkeys(endorsed, level))
    return answers


PTSD_MINIMAL = ["itq.p1", "itq.p3", "itq.p5", "itq.p7"]
DSO_MINIMAL = ["itq.c1", "itq.c3", "itq.c5", "itq.c7"]


class TestItq:
    def test_ptsd_without_dso(self) -> None:
        result = score("itq", itq(PTSD_MINIMAL))
        assert (result.ptsd, result.cptsd, result.positive) == (True, False, True)

    def test_cptsd_excludes_ptsd(self) -> None:
        result = score("itq", itq(PTSD_MINIMAL + DSO_MINIMAL))
        assert (result.ptsd, result.cptsd, result.positive) == (False, True, True)

    def test_nothing_endorsed(self) -> None:
        result = score("itq", itq([]))
        assert (result.ptsd, result.cptsd, result.positive) == (False, False, False)

    @pytest.mark.parametrize("level", [2, 3, 4])
    def test_endorsed_means_two_or_more(self, level: int) -> None:
        assert score("itq", itq(PTSD_MINIMAL, level)).ptsd is True

    @pytest.mark.parametrize(
        ("cluster", "alternative"),
        [
            (["itq.p1"], "itq.p2"),  # re-experiencing
            (["itq.p3"], "itq.p4"),  # avoidance
            (["itq.p5"], "itq.p6"),  # sense of threat
            (["itq.p7"], "itq.p8"),  # PTSD functional impairment
            (["itq.p7"], "itq.p9"),
        ],
    )
    def test_each_ptsd_cluster_is_required_and_either_item_serves(
        self, cluster: list[str], alternative: str
    ) -> None:
        without = [i for i in PTSD_MINIMAL if i not in cluster]
        assert score("itq", itq(without)).ptsd is False
        assert score("itq", itq(without + DSO_MINIMAL)).cptsd is False
        assert score("itq", itq([*without, alternative])).ptsd is True

    @pytest.mark.parametrize(
        ("cluster", "alternative"),
        [
            (["itq.c1"], "itq.c2"),  # affective dysregulation
            (["itq.c3"], "itq.c4"),  # negative self-concept
            (["itq.c5"], "itq.c6"),  # disturbed relationships
            (["itq.c7"], "itq.c8"),  # DSO functional impairment
            (["itq.c7"], "itq.c9"),
        ],
    )
    def test_each_dso_cluster_is_required_for_cptsd(
        self, cluster: list[str], alternative: str
    ) -> None:
        without = PTSD_MINIMAL + [i for i in DSO_MINIMAL if i not in cluster]
        result = score("itq", itq(without))
        assert (result.ptsd, result.cptsd) == (True, False)
        assert score("itq", itq([*without, alternative])).cptsd is True

    def test_dso_without_ptsd_is_neither(self) -> None:
        result = score("itq", itq(DSO_MINIMAL))
        assert (result.ptsd, result.cptsd, result.positive) == (False, False, False)

    def test_subscales(self) -> None:
        result = score("itq", itq(PTSD_MINIMAL + DSO_MINIMAL, level=4))
        # p1-p6: three at 4, three at 1; c1-c6 likewise.
        assert result.subscales == {"ptsd": 15, "dso": 15}
        assert result.total is None and result.band is None

    def test_missing_dso_answers_leave_the_diagnosis_open_but_positive(self) -> None:
        answers = itq(PTSD_MINIMAL + DSO_MINIMAL)
        answers["itq.c7"] = answers["itq.c8"] = answers["itq.c9"] = None
        result = score("itq", answers)
        assert (result.ptsd, result.cptsd, result.positive) == (None, None, True)
        assert "incomplete" in result.flags
        assert result.subscales == {"ptsd": 9, "dso": 9}

    def test_missing_answers_that_cannot_change_the_result(self) -> None:
        answers = itq(PTSD_MINIMAL)
        for item in ("itq.p2", "itq.p4", "itq.c1", "itq.c2"):
            answers[item] = None
        result = score("itq", answers)
        # PTSD criteria met by p1/p3/p5/p7; DSO already fails on c3/c4, whatever c1/c2 are.
        assert (result.ptsd, result.cptsd, result.positive) == (True, False, True)
        assert result.subscales == {"ptsd": None, "dso": None}
        no_ptsd = itq(["itq.p1", "itq.p3"]) | {"itq.c1": None}
        assert score("itq", no_ptsd).positive is False


class TestAsq:
    def test_all_no_is_negative(self) -> None:
        result = score("asq", {f"asq.{i}": 0 for i in range(1, 5)})
        assert (result.result, result.positive, result.flags) == ("negative", False, frozenset())
        assert (result.answered, result.expected) == (4, 4)

    @pytest.mark.parametrize("item", ["asq.1", "asq.2", "asq.3", "asq.4"])
    @pytest.mark.parametrize("answer", [1, None], ids=["yes", "refused"])
    def test_any_yes_or_refused_is_positive(self, item: str, answer: int | None) -> None:
        answers: dict[str, int | None] = {f"asq.{i}": 0 for i in range(1, 5)}
        answers[item] = answer
        answers["asq.5"] = 0
        result = score("asq", answers)
        assert (result.result, result.positive) == ("non_acute_positive", True)
        assert result.flags == {"suicide_risk"}
        assert result.expected == 5

    def test_acute_when_item_5_is_yes(self) -> None:
        answers = {"asq.1": 1, "asq.2": 0, "asq.3": 0, "asq.4": 0, "asq.5": 1}
        result = score("asq", answers)
        assert result.result == "acute_positive"
        assert result.flags == {"suicide_risk", "suicide_risk_acute"}

    def test_refused_item_5_stays_non_acute_but_is_flagged(self) -> None:
        answers = {"asq.1": None, "asq.2": 0, "asq.3": 0, "asq.4": 0, "asq.5": None}
        result = score("asq", answers)
        assert result.result == "non_acute_positive"
        assert result.flags == {"suicide_risk", "asq_acuity_unknown"}

    def test_item_5_not_yet_asked_after_a_positive_screen(self) -> None:
        result = score("asq", {"asq.1": 0, "asq.2": 0, "asq.3": 1, "asq.4": 0})
        assert result.result == "non_acute_positive"
        assert {"suicide_risk", "asq_acuity_unknown", "incomplete"} <= result.flags

    def test_item_5_is_ignored_when_the_screen_is_negative(self) -> None:
        answers = {"asq.1": 0, "asq.2": 0, "asq.3": 0, "asq.4": 0, "asq.5": 1}
        result = score("asq", answers)
        assert (result.result, result.expected) == ("negative", 4)

    def test_unasked_screen_items_leave_it_open(self) -> None:
        result = score("asq", {"asq.1": 0, "asq.2": 0})
        assert (result.result, result.positive) == (None, None)
        assert "incomplete" in result.flags
        assert score("asq", {"asq.1": 1}).positive is True
