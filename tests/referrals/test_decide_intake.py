"""decide_intake(): real answers, scored by the real forms package, to a decision."""

from __future__ import annotations

from referrals import PARTNER_SAFETY, Priority, decide_intake, load_rules, safety_check
from tests.referrals.support import needs_forms_score, scores_for

ADULT = {
    "safety.now": 1,
    "pcptsd5.0": 1,
    "pcptsd5.1": 1,
    "pcptsd5.2": 1,
    "pcptsd5.3": 1,
    "pcptsd5.4": 1,
    "pcptsd5.5": 0,
    "phq9.9": 0,
    "rship.1": 1,
    "rship.2": 1,
    "rship.3": 1,
    "rship.4": 0,
    "rship.5": 0,
}


@needs_forms_score
class TestRoute:
    def test_adult_with_trauma_screen_and_couples_interest(self) -> None:
        decision = decide_intake(ADULT, scores_for(ADULT), 34)
        assert decision.explain() == [
            "Routine: nothing found that raises the priority",
            "EMDR: PC-PTSD-5 score 4 (positive at 3)",
            "Couples therapy: rship.1 = 1 (in a partner relationship); rship.2 = 1 (wants help "
            "with trust, closeness or conflict); rship.3 = 1 (partner willing to attend); "
            "no partner risk; no acute risk",
        ]

    def test_refused_fear_question_means_partner_safety_not_couples(self) -> None:
        answers = ADULT | {"pcptsd5.0": 0, "rship.4": None}
        answers = {
            k: v for k, v in answers.items() if not k.startswith("pcptsd5.") or k == "pcptsd5.0"
        }
        decision = decide_intake(answers, scores_for(answers), 34, load_rules())
        assert decision.flags == {PARTNER_SAFETY}
        assert [(r.queue, r.rule_ids) for r in decision.referrals] == [
            ("intake", ("partner-safety",))
        ]
        assert decision.notes == (
            "Partner safety: couples therapy not offered; "
            "rship.4 refused while rship.1 = 1 (partner violence not ruled out)",
        )

    def test_unanswered_harm_question_means_partner_safety(self) -> None:
        answers = {k: v for k, v in ADULT.items() if k != "rship.5"}
        decision = decide_intake(answers, scores_for(answers), 34)
        assert decision.flags == {PARTNER_SAFETY}
        assert [r.queue for r in decision.referrals] == ["emdr"]

    def test_acute_asq_makes_every_referral_urgent(self) -> None:
        answers = ADULT | {"asq.1": 1, "asq.2": 0, "asq.3": 0, "asq.4": 0, "asq.5": 1}
        decision = decide_intake(answers, scores_for(answers), 34)
        assert decision.priority is Priority.URGENT
        assert [r.queue for r in decision.referrals] == ["dbt", "emdr"]
        assert decision.explain()[0] == "Urgent: acute risk — ASQ acute_positive"


@needs_forms_score
class TestSafetyCheck:
    def test_nothing_answered(self) -> None:
        assert not safety_check({}).show_crisis_page

    def test_asq_refusal_shows_the_crisis_page(self) -> None:
        check = safety_check({"asq.1": None, "asq.2": 0, "asq.3": 0, "asq.4": 0})
        assert check.show_crisis_page
        assert check.suicide_risk.evidence == ("ASQ non_acute_positive",)
        assert not check.acute.value  # asq.5 is still to come

    def test_refused_asq_acuity_question_is_acute(self) -> None:
        check = safety_check({"asq.1": 1, "asq.2": 0, "asq.3": 0, "asq.4": 0, "asq.5": None})
        assert check.acute.evidence == (
            "asq.5 refused after a positive ASQ (imminent risk not ruled out)",
        )
        assert not safety_check(
            {"asq.1": 1, "asq.2": 0, "asq.3": 0, "asq.4": 0, "asq.5": 0}
        ).acute.value

    def test_partner_harm_and_abuse_pages(self) -> None:
        assert safety_check({"rship.5": 1}).show_partner_support_page
        assert safety_check({"rship.4": 1}).show_partner_support_page
        assert not safety_check({"rship.1": 1, "rship.4": None}).show_partner_support_page
        assert safety_check({"cats_3_6.e8": 1}, 5).show_abuse_support_page
        assert safety_check({"cats_7_17.e4": 1}, 15).show_abuse_support_page
        assert not safety_check({"cats_7_17.e4": 0, "cats_7_17.e1": 1}, 15).show_abuse_support_page
        assert not safety_check({"cats_7_17.e4": 1}, 18).show_abuse_support_page

    def test_asq_negative_does_not(self) -> None:
        assert not safety_check({"asq.1": 0, "asq.2": 0, "asq.3": 0, "asq.4": 0}).show_crisis_page

    def test_not_safe_right_now_is_acute(self) -> None:
        check = safety_check({"safety.now": 0})
        assert check.show_crisis_page and check.acute.value

    def test_phq9_item_9_and_self_harm(self) -> None:
        assert safety_check({"phq9.9": 1}).show_crisis_page
        assert safety_check({"reg.2": 1}).show_crisis_page
        assert safety_check({"child.3": 1}).show_crisis_page
        assert not safety_check({"phq9.9": 0, "reg.2": 0, "reg.3": 1}).show_crisis_page
