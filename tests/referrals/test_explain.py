"""Staff read why: explain() sentences and the stored JSON record."""

from __future__ import annotations

import json

from referrals import Facts, decide, load_rules

RULES = load_rules()

PCPTSD = "PC-PTSD-5 score 4 (positive at 3)"
PHQ9 = "phq9.9 = 2"
ASQ_ACUTE = "ASQ acute_positive"
REFUSED = "rship.4 refused while rship.1 = 1 (partner violence not ruled out)"
COUPLES = ["rship.1 = 1", "rship.2 = 1", "rship.3 = 1"]


def test_adult_with_ptsd_screen_and_suicide_risk() -> None:
    facts = Facts({"ptsd_screen": [PCPTSD], "suicide_risk": [PHQ9, "reg.2 = 1"]})
    assert decide(facts, 30, RULES).explain() == [
        "Priority: suicide risk — phq9.9 = 2; reg.2 = 1",
        "DBT: phq9.9 = 2; reg.2 = 1",
        "EMDR: PC-PTSD-5 score 4 (positive at 3)",
    ]


def test_evidence_shared_by_two_facts_is_said_once() -> None:
    facts = Facts({"suicide_risk": ["reg.2 = 1"], "dysregulation": ["reg.1 = 4", "reg.2 = 1"]})
    assert decide(facts, 15, RULES).primary.sentence() == "DBT: reg.1 = 4; reg.2 = 1"


def test_couples_sentence_names_what_was_ruled_out() -> None:
    decision = decide(Facts({"couples_interest": COUPLES}), 30, RULES)
    assert decision.explain() == [
        "Routine: nothing found that raises the priority",
        "Couples therapy: rship.1 = 1; rship.2 = 1; rship.3 = 1; no partner risk; no acute risk",
    ]


def test_partner_safety_note_and_intake_referral() -> None:
    facts = Facts({"couples_interest": COUPLES, "partner_risk": [REFUSED]})
    assert decide(facts, 30, RULES).explain() == [
        "Priority: partner risk — " + REFUSED,
        "General intake review: couples therapy not offered for partner safety; "
        + REFUSED
        + "; no other queue matched",
        "Partner safety: couples therapy not offered; " + REFUSED,
    ]


def test_age_only_rules_give_the_age_and_range() -> None:
    assert decide(Facts(), 2, RULES).explain()[1:] == ["Family therapy: age 2 (ages 0 to 2)"]
    assert decide(Facts(), 3, RULES).explain()[1:] == ["Play therapy: age 3 (ages 3 to 11)"]


def test_urgent_fallback() -> None:
    assert decide(Facts({"acute": [ASQ_ACUTE]}), 17, RULES).explain() == [
        "Urgent: acute risk — ASQ acute_positive",
        "General intake review: no specialist queue matched",
    ]


def test_as_dict_is_json_and_complete() -> None:
    facts = Facts({"couples_interest": COUPLES, "partner_risk": [REFUSED], "ptsd_screen": [PCPTSD]})
    record = decide(facts, 30, RULES).as_dict()
    assert json.loads(json.dumps(record)) == record
    priority_sentence = "Priority: partner risk — " + REFUSED
    assert record == {
        "rules_version": "clinical-default-2",
        "subject_age": 30,
        "priority": "priority",
        "priority_because": [REFUSED],
        "priority_rule_ids": ["priority-risk"],
        "flags": ["partner_safety"],
        "referrals": [
            {
                "queue": "emdr",
                "priority": "priority",
                "rule_ids": ["adult-emdr"],
                "facts": {"ptsd_screen": True},
                "because": [PCPTSD],
                "priority_rule_ids": ["priority-risk"],
                "priority_sentence": priority_sentence,
            }
        ],
        "notes": ["Partner safety: couples therapy not offered; " + REFUSED],
        "facts": {
            "suicide_risk": {"value": False, "evidence": []},
            "acute": {"value": False, "evidence": []},
            "safety_unknown": {"value": False, "evidence": []},
            "ptsd_screen": {"value": True, "evidence": [PCPTSD]},
            "cptsd": {"value": False, "evidence": []},
            "dysregulation": {"value": False, "evidence": []},
            "relational_indicator": {"value": False, "evidence": []},
            "partner_risk": {"value": True, "evidence": [REFUSED]},
            "abuse_disclosed": {"value": False, "evidence": []},
            "severe_symptoms": {"value": False, "evidence": []},
            "alcohol_risk": {"value": False, "evidence": []},
            "couples_interest": {"value": True, "evidence": COUPLES},
            "parenting_concern": {"value": False, "evidence": []},
        },
        "explanation": [
            priority_sentence,
            "EMDR: PC-PTSD-5 score 4 (positive at 3)",
            "Partner safety: couples therapy not offered; " + REFUSED,
        ],
    }


def test_every_referral_names_the_facts_that_set_its_priority() -> None:
    facts = Facts(
        {
            "ptsd_screen": [PCPTSD],
            "partner_risk": ["rship.5 = 1"],
            "severe_symptoms": ["PHQ-9 total 24 (20 or more)"],
        }
    )
    decision = decide(facts, 30, RULES)
    expected = (
        "Priority: partner risk — rship.5 = 1 | severe symptoms — PHQ-9 total 24 (20 or more)"
    )
    assert [r.priority_because for r in decision.referrals] == [expected]
    assert decision.explain()[0] == expected
