"""Derived facts from real answers and real forms scores, with their evidence."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from referrals import FACT_NAMES, Facts, derive_facts
from tests.referrals.support import needs_forms_score, scores_for

Answers = Mapping[str, int | None]


def evidence(answers: Answers) -> dict[str, list[str]]:
    """The true facts of `answers`, each with its evidence."""
    facts = derive_facts(answers, scores_for(answers))
    return {fact.name: list(fact.evidence) for fact in facts if fact.value}


def pcptsd5(yes: int) -> Answers:
    return {"pcptsd5.0": 1} | {f"pcptsd5.{n}": int(n <= yes) for n in range(1, 6)}


def itq(**endorsed: int) -> Answers:
    items = [f"p{n}" for n in range(1, 10)] + [f"c{n}" for n in range(1, 10)]
    return {f"itq.{item}": endorsed.get(item, 0) for item in items}


def cats(instrument: str, symptoms: int, total: int) -> dict[str, int | None]:
    """Events e1 yes, then symptom items filled (3s first) up to `total`."""
    answers: dict[str, int | None] = {f"{instrument}.e{n}": int(n == 1) for n in range(1, 16)}
    for n in range(1, symptoms + 1):
        answers[f"{instrument}.s{n}"] = min(3, max(0, total - 3 * (n - 1)))
    answers |= {f"{instrument}.f{n}": 0 for n in range(1, 6)}
    return answers


def apgar(total: int) -> Answers:
    return {f"apgar.{n}": min(2, max(0, total - 2 * (n - 1))) for n in range(1, 6)}


ASQ_NEGATIVE = {"asq.1": 0, "asq.2": 0, "asq.3": 0, "asq.4": 0}


class TestFactsContainer:
    def test_facts_not_given_are_false(self) -> None:
        facts = Facts({"acute": ["safety.now = 0"]})
        assert [(f.name, f.value) for f in facts] == [
            (name, name == "acute") for name in FACT_NAMES
        ]
        assert facts["acute"].evidence == ("safety.now = 0",)

    @pytest.mark.parametrize(
        ("given", "message"),
        [
            ({"suicidal": ["x"]}, "unknown fact 'suicidal'"),
            ({"acute": []}, "fact 'acute' needs a list of evidence"),
            ({"acute": "safety.now = 0"}, "fact 'acute' needs a list of evidence"),
        ],
    )
    def test_bad_facts_are_refused(self, given: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            Facts(given)  # type: ignore[arg-type]

    def test_unknown_fact_name_lookup(self) -> None:
        with pytest.raises(KeyError):
            Facts()["suicidal"]


@needs_forms_score
class TestDerivation:
    def test_nothing_asked_means_every_fact_false(self) -> None:
        assert evidence({}) == {}

    def test_everything_refused_leaves_only_safety_unconfirmed(self) -> None:
        refused: dict[str, int | None] = {
            key: None
            for key in (
                "safety.now", "phq9.9", "reg.1", "reg.2", "reg.3", "child.2", "child.3",
                "child.4", "rel.1", "rel.2", "rel.3", "rel.4", "ace.1", "ace.5", "rship.1",
                "rship.2", "rship.3", "rship.4", "rship.5", "parent.1", "parent.2",
            )
        }  # fmt: skip
        assert evidence(refused) == {
            "safety_unknown": [
                "safety.now refused (safe where they are right now not confirmed)",
                "phq9.9 refused (thoughts of being better off dead or of self-harm not confirmed)",
            ]
        }

    # suicide_risk
    def test_asq_non_acute_positive(self) -> None:
        found = evidence(ASQ_NEGATIVE | {"asq.2": 1, "asq.5": 0})
        assert found == {"suicide_risk": ["ASQ non_acute_positive"]}

    def test_asq_refusal_counts_as_yes(self) -> None:
        found = evidence(ASQ_NEGATIVE | {"asq.3": None, "asq.5": 0})
        assert found == {"suicide_risk": ["ASQ non_acute_positive"]}

    def test_asq_negative(self) -> None:
        assert evidence(ASQ_NEGATIVE) == {}

    @pytest.mark.parametrize("value", [1, 2, 3])
    def test_phq9_item_9(self, value: int) -> None:
        assert evidence({"phq9.9": value}) == {"suicide_risk": [f"phq9.9 = {value}"]}

    def test_phq9_item_9_zero(self) -> None:
        assert evidence({"phq9.9": 0}) == {}

    def test_self_harm_in_the_past_month(self) -> None:
        assert evidence({"reg.2": 1}) == {
            "suicide_risk": ["reg.2 = 1 (self-harm in the past month)"],
            "dysregulation": ["reg.2 = 1 (self-harm in the past month)"],
        }

    def test_child_talked_about_wanting_to_die(self) -> None:
        assert evidence({"child.3": 1}) == {
            "suicide_risk": [
                "child.3 = 1 (child has talked about wanting to die or hurt themselves)"
            ]
        }
        assert evidence({"child.3": 0}) == {}

    # acute
    def test_asq_acute_positive(self) -> None:
        assert evidence(ASQ_NEGATIVE | {"asq.1": 1, "asq.5": 1}) == {
            "suicide_risk": ["ASQ acute_positive"],
            "acute": ["ASQ acute_positive"],
        }

    def test_not_safe_right_now(self) -> None:
        assert evidence({"safety.now": 0}) == {
            "acute": ["safety.now = 0 (not safe where they are right now)"]
        }
        assert evidence({"safety.now": 1}) == {}

    # ptsd_screen
    def test_pcptsd5_positive_at_default_cut_point(self) -> None:
        assert evidence(pcptsd5(3)) == {"ptsd_screen": ["PC-PTSD-5 score 3 (positive at 3)"]}
        assert evidence(pcptsd5(2)) == {}

    def test_pcptsd5_gate_no(self) -> None:
        assert evidence({"pcptsd5.0": 0}) == {}

    def test_itq_ptsd(self) -> None:
        assert evidence(itq(p1=2, p3=2, p5=2, p7=2)) == {"ptsd_screen": ["ITQ PTSD criteria met"]}

    def test_itq_complex_ptsd(self) -> None:
        found = evidence(itq(p1=2, p3=2, p5=2, p7=2, c1=2, c3=2, c5=2, c7=2))
        assert found == {
            "ptsd_screen": ["ITQ complex PTSD criteria met"],
            "cptsd": ["ITQ complex PTSD criteria met"],
            "dysregulation": ["itq.c1 = 2"],
        }

    def test_itq_below_criteria(self) -> None:
        assert evidence(itq(p1=1, p3=2, p5=2, p7=2)) == {}

    @pytest.mark.parametrize(
        ("instrument", "symptoms", "cut_off", "name"),
        [("cats_3_6", 16, 15, "CATS 3-6"), ("cats_7_17", 20, 21, "CATS 7-17")],
    )
    def test_cats(self, instrument: str, symptoms: int, cut_off: int, name: str) -> None:
        assert evidence(cats(instrument, symptoms, cut_off)) == {
            "ptsd_screen": [f"{name} score {cut_off} (positive at {cut_off})"]
        }
        assert evidence(cats(instrument, symptoms, cut_off - 1)) == {}

    # dysregulation
    def test_intense_emotions(self) -> None:
        assert evidence({"reg.1": 3}) == {
            "dysregulation": ["reg.1 = 3 (emotions hard to control in the past month)"]
        }
        assert evidence({"reg.1": 2}) == {}

    def test_self_harm_in_the_past_year(self) -> None:
        assert evidence({"reg.3": 1}) == {
            "dysregulation": ["reg.3 = 1 (self-harm in the past year)"]
        }

    def test_itq_affective_dysregulation_items(self) -> None:
        assert evidence(itq(c2=4)) == {"dysregulation": ["itq.c2 = 4"]}
        assert evidence(itq(c1=1, c2=1)) == {}

    # relational_indicator
    @pytest.mark.parametrize("item", [1, 2, 3, 4, 5])
    def test_ace_abuse_and_neglect(self, item: int) -> None:
        answers = {f"ace.{n}": int(n == item) for n in range(1, 11)}
        assert evidence(answers) == {"relational_indicator": [f"ace.{item} = 1"]}

    def test_ace_household_items_are_not_relational_indicators(self) -> None:
        assert evidence({f"ace.{n}": int(n > 5) for n in range(1, 11)}) == {}

    @pytest.mark.parametrize(
        ("answers", "line"),
        [
            ({"rel.1": 1}, "rel.1 = 1 (abandonment growing up)"),
            ({"rel.2": 0}, "rel.2 = 0 (no adult to count on growing up)"),
            ({"rel.3": 1}, "rel.3 = 1 (enmeshment growing up)"),
            (
                {"rel.4": 1},
                "rel.4 = 1 (looked after a parent's feelings or adult duties growing up)",
            ),
            (
                {"child.2": 1},
                "child.2 = 1 (child has difficulty with closeness or trust with caregivers)",
            ),
            ({"child.4": 1}, "child.4 = 1 (caregiver wants support and tools for the family)"),
        ],
    )
    def test_clinic_relational_questions(self, answers: Answers, line: str) -> None:
        assert evidence(answers) == {"relational_indicator": [line]}

    def test_clinic_relational_questions_answered_the_other_way(self) -> None:
        answers = {"rel.1": 0, "rel.2": 1, "rel.3": 0, "rel.4": 0, "child.2": 0, "child.4": 0}
        assert evidence(answers) == {}

    def test_family_apgar(self) -> None:
        assert evidence(apgar(6)) == {"relational_indicator": ["Family APGAR total 6 (6 or below)"]}
        assert evidence(apgar(7)) == {}

    # partner_risk
    @pytest.mark.parametrize(
        ("answers", "lines"),
        [
            ({"rship.4": 1}, ["rship.4 = 1 (afraid of the partner)"]),
            (
                {"rship.1": 0, "rship.5": 1},
                ["rship.5 = 1 (partner hurt, threatened or controlled them in the past year)"],
            ),
            (
                {"rship.1": 1, "rship.4": None, "rship.5": 0},
                ["rship.4 refused while rship.1 = 1 (partner violence not ruled out)"],
            ),
            (
                {"rship.1": 1, "rship.4": 0},
                ["rship.5 not answered while rship.1 = 1 (partner violence not ruled out)"],
            ),
            (
                {"rship.1": 1},
                [
                    "rship.4 not answered while rship.1 = 1 (partner violence not ruled out)",
                    "rship.5 not answered while rship.1 = 1 (partner violence not ruled out)",
                ],
            ),
        ],
    )
    def test_partner_risk(self, answers: Answers, lines: list[str]) -> None:
        assert evidence(answers) == {"partner_risk": lines}

    @pytest.mark.parametrize(
        "answers",
        [
            {"rship.1": 1, "rship.4": 0, "rship.5": 0},
            {"rship.1": 0},
            {"rship.1": 0, "rship.4": None, "rship.5": None},
            {"rship.1": None, "rship.4": None},
        ],
    )
    def test_partner_risk_ruled_out_or_not_in_a_relationship(self, answers: Answers) -> None:
        assert evidence(answers) == {}

    # couples_interest
    def test_couples_interest(self) -> None:
        answers = {"rship.1": 1, "rship.2": 1, "rship.3": 1, "rship.4": 0, "rship.5": 0}
        assert evidence(answers) == {
            "couples_interest": [
                "rship.1 = 1 (in a partner relationship)",
                "rship.2 = 1 (wants help with trust, closeness or conflict)",
                "rship.3 = 1 (partner willing to attend)",
            ]
        }

    @pytest.mark.parametrize("willing", [0, 2, None])
    def test_partner_not_sure_or_unwilling_is_not_couples_interest(
        self, willing: int | None
    ) -> None:
        answers = {"rship.1": 1, "rship.2": 1, "rship.3": willing, "rship.4": 0, "rship.5": 0}
        assert evidence(answers) == {}

    # parenting_concern
    def test_parenting_concern(self) -> None:
        assert evidence({"parent.1": 1, "parent.2": 1}) == {
            "parenting_concern": [
                "parent.1 = 1 (has or cares for children)",
                "parent.2 = 1 (worried about their parenting)",
            ]
        }
        assert evidence({"parent.2": 1}) == {}
        assert evidence({"parent.1": 1, "parent.2": 0}) == {}
