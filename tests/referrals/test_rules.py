"""Rule files: the default loads, a clinic's own file loads, broken files are refused."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from referrals import DEFAULT_RULES_PATH, Facts, Priority, RuleFileError, decide, load_rules
from referrals.rules import parse_rules
from tests.referrals.support import facts_of

REPO_ROOT = Path(__file__).resolve().parents[2]

PRIORITY: list[dict[str, Any]] = [
    {"id": "urgent", "priority": "urgent", "any_of": ["acute"], "description": "Acute."},
    {
        "id": "raised",
        "priority": "priority",
        "any_of": ["suicide_risk"],
        "description": "Suicide risk.",
    },
]

VALID: dict[str, Any] = {
    "version": "clinic-a-3",
    "priority": PRIORITY,
    "rules": [
        {
            "id": "adult-emdr",
            "queue": "emdr",
            "min_age": 18,
            "all_of": ["ptsd_screen"],
            "description": "Adults with a positive trauma screen.",
        },
        {
            "id": "adult-couples",
            "queue": "couples",
            "min_age": 18,
            "max_age": 120,
            "all_of": ["couples_interest"],
            "none_of": ["partner_risk", "acute"],
            "description": "Couples work when safe.",
        },
    ],
}


def test_default_path_is_config_routing_yaml_in_the_repository() -> None:
    assert DEFAULT_RULES_PATH == REPO_ROOT / "config" / "routing.yaml"


def test_default_rules_load_in_order() -> None:
    rules = load_rules()
    assert rules.version == "clinical-default-2"
    assert [(r.id, r.priority, r.any_of) for r in rules.priority_rules] == [
        ("urgent-acute", Priority.URGENT, ("acute",)),
        (
            "priority-risk",
            Priority.PRIORITY,
            (
                "suicide_risk",
                "safety_unknown",
                "partner_risk",
                "abuse_disclosed",
                "severe_symptoms",
            ),
        ),
    ]
    assert [(r.id, r.queue, r.min_age, r.max_age) for r in rules.rules] == [
        ("infant-family", "family", 0, 2),
        ("child-play", "play", 3, 11),
        ("child-family", "family", 3, 11),
        ("teen-dbt", "dbt", 12, 17),
        ("teen-emdr", "emdr", 12, 17),
        ("teen-family", "family", 12, 17),
        ("adult-dbt", "dbt", 18, None),
        ("adult-emdr", "emdr", 18, None),
        ("adult-couples", "couples", 18, None),
        ("adult-family", "family", 18, None),
    ]


def test_a_clinic_can_use_its_own_file(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(
        """
version: 7
priority:
  - id: urgent
    priority: urgent
    any_of: [acute]
    description: Acute risk.
  - id: raised
    priority: priority
    any_of: [suicide_risk, relational_indicator]
    min_age: 18
    description: Suicide risk, or relational trauma in adults.
  - id: raised-children
    priority: priority
    any_of: [suicide_risk]
    max_age: 17
    description: Suicide risk in children.
rules:
  - id: everyone-intake
    queue: intake
    min_age: 0
    description: Every intake is reviewed.
""",
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert (rules.version, rules.source) == ("7", str(path))
    decision = decide(Facts(), 40, rules)
    assert [(r.queue, r.rule_ids) for r in decision.referrals] == [("intake", ("everyone-intake",))]
    assert decide(facts_of("relational_indicator"), 40, rules).priority is Priority.PRIORITY
    assert decide(facts_of("relational_indicator"), 17, rules).priority is Priority.ROUTINE
    assert decide(facts_of("severe_symptoms"), 40, rules).priority is Priority.ROUTINE


def test_rules_for_the_same_queue_make_one_referral_with_both_ids() -> None:
    data = {
        "version": "x",
        "priority": PRIORITY,
        "rules": [
            {"id": "a", "queue": "family", "min_age": 0, "max_age": 17, "description": "A."},
            {"id": "b", "queue": "play", "min_age": 0, "description": "B."},
            {"id": "c", "queue": "family", "min_age": 0, "max_age": 17, "description": "C."},
        ],
    }
    decision = decide(Facts(), 5, parse_rules(data, "test"))
    assert [(r.queue, r.rule_ids) for r in decision.referrals] == [
        ("family", ("a", "c")),
        ("play", ("b",)),
    ]


def _rule(**changes: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["rules"][1].update(changes)

    return change


def _drop(field: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        del data["rules"][1][field]

    return change


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (_drop("id"), "test: rule 2, field 'id': missing"),
        (_drop("queue"), "rule 2 ('adult-couples'), field 'queue': missing"),
        (_drop("min_age"), "rule 2 ('adult-couples'), field 'min_age': missing"),
        (_drop("description"), "rule 2 ('adult-couples'), field 'description': missing"),
        (_rule(id="Adult Couples"), "rule 2 ('Adult Couples'), field 'id': must be lower-case"),
        (_rule(id="adult-emdr"), "rule 2 ('adult-emdr'), field 'id': duplicate id"),
        (_rule(id="partner-safety"), "field 'id': 'partner-safety' is reserved"),
        (_rule(id="fallback-intake"), "field 'id': 'fallback-intake' is reserved"),
        (_rule(queue="marriage"), "field 'queue': unknown queue 'marriage'"),
        (_rule(queue=["couples"]), "field 'queue': unknown queue ['couples']"),
        (_rule(min_age=-1), "field 'min_age': must be a whole number of years"),
        (_rule(min_age="18"), "field 'min_age': must be a whole number of years"),
        (_rule(min_age=True), "field 'min_age': must be a whole number of years"),
        (_rule(max_age=17.5), "field 'max_age': must be a whole number of years"),
        (_rule(max_age=17), "field 'max_age': 17 is below min_age 18"),
        (_rule(all_of=["couples"]), "field 'all_of': unknown fact 'couples'"),
        (_rule(all_of=[["acute"]]), "field 'all_of': unknown fact ['acute']"),
        (_rule(any_of="suicide_risk"), "field 'any_of': must be a list of fact names"),
        (
            _rule(all_of=["couples_interest"] * 2),
            "field 'all_of': fact 'couples_interest' listed twice",
        ),
        (
            _rule(none_of=["partner_risk"]),
            "field 'none_of': an adult couples rule must exclude 'acute'",
        ),
        (
            _rule(none_of=["acute"]),
            "field 'none_of': an adult couples rule must exclude 'partner_risk'",
        ),
        (
            _rule(queue="family", none_of=[]),
            "field 'none_of': an adult family rule must exclude 'partner_risk'",
        ),
        (
            _rule(any_of=["acute"]),
            "field 'none_of': fact 'acute' is also required, so the rule can never apply",
        ),
        (_rule(description="  "), "field 'description': must be a non-empty sentence"),
        (_rule(non_of=["acute"]), "rule 2 ('adult-couples'), field 'non_of': unknown field"),
    ],
)
def test_broken_rule_is_refused_naming_rule_and_field(
    break_it: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = copy.deepcopy(VALID)
    break_it(data)
    with pytest.raises(RuleFileError) as error:
        parse_rules(data, "test")
    assert message in str(error.value)
    assert str(error.value).startswith("test: rule 2")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "test: expected a mapping with 'version', 'priority' and 'rules'"),
        ({"version": "1", "rules": VALID["rules"]}, "test: field 'priority' must be a non-empty"),
        ({"rules": VALID["rules"]}, "test: field 'version' must be a non-empty string"),
        ({**VALID, "version": ""}, "field 'version' must be a non-empty string"),
        ({**VALID, "version": True}, "field 'version' must be a non-empty string"),
        ({"version": "1", "rules": []}, "test: field 'rules' must be a non-empty list"),
        ({"version": "1"}, "test: field 'rules' must be a non-empty list"),
        ({**VALID, "rule": []}, "test: unknown top-level field(s) rule"),
        ({"version": "1", "rules": ["emdr"]}, "test: rule 1: expected a mapping of fields"),
    ],
)
def test_broken_file_structure_is_refused(data: object, message: str) -> None:
    with pytest.raises(RuleFileError) as error:
        parse_rules(data, "test")
    assert message in str(error.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\nrules: [\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"broken\.yaml: not valid YAML"):
        load_rules(path)


def test_missing_file_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match=r"absent\.yaml: cannot read the rule file"):
        load_rules(tmp_path / "absent.yaml")


def test_the_valid_example_loads() -> None:
    rules = parse_rules(VALID, "test")
    assert [rule.id for rule in rules.rules] == ["adult-emdr", "adult-couples"]


def _priority(number: int, **changes: object) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data["priority"][number - 1].update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_priority(1, priority="routine"), "field 'priority': must be 'urgent' or 'priority'"),
        (_priority(2, id="urgent"), "priority rule 2 ('urgent'), field 'id': duplicate id"),
        (_priority(1, id="adult-emdr"), "field 'id': also the id of a queue rule"),
        (_priority(1, any_of=["acutely"]), "field 'any_of': unknown fact 'acutely'"),
        (_priority(1, none_of=["acute"]), "field 'none_of': unknown field"),
        (_priority(1, min_age=18), "'acute' on its own must give at least 'urgent'"),
        (_priority(1, priority="priority"), "'acute' on its own must give at least 'urgent'"),
        (
            _priority(2, all_of=["suicide_risk", "dysregulation"], any_of=[]),
            "'suicide_risk' on its own must give at least 'priority' at every age",
        ),
        (_priority(2, max_age=17), "at age 18 it does not"),
        (_priority(1, description=""), "field 'description': must be a non-empty sentence"),
    ],
)
def test_broken_priority_rules_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleFileError) as error:
        parse_rules(data, "test")
    assert message in str(error.value)


def test_the_highest_priority_that_applies_wins() -> None:
    data = copy.deepcopy(VALID)
    data["priority"].insert(
        0, {"id": "low", "priority": "priority", "any_of": ["acute"], "description": "Low."}
    )
    rules = parse_rules(data, "test")
    decision = decide(facts_of("acute", "suicide_risk"), 30, rules)
    assert decision.priority is Priority.URGENT
    assert decision.priority_rule_ids == ("urgent",)


def test_an_adult_couples_rule_that_leaves_out_none_of_is_refused() -> None:
    data = copy.deepcopy(VALID)
    del data["rules"][1]["none_of"]
    del data["rules"][1]["max_age"]
    with pytest.raises(RuleFileError) as error:
        parse_rules(data, "test")
    assert str(error.value) == (
        "test: rule 2 ('adult-couples'), field 'none_of': "
        "an adult couples rule must exclude 'partner_risk' (partner safety)"
    )


def test_every_problem_of_a_broken_file_is_listed_one_a_line() -> None:
    data = copy.deepcopy(VALID)
    data["rules"][0]["queue"] = "marriage"
    del data["rules"][1]["description"]
    data["priority"][0]["colour"] = "red"
    with pytest.raises(RuleFileError) as error:
        parse_rules(data, "test")
    assert str(error.value).splitlines() == [
        "test: priority rule 1 ('urgent'), field 'colour': unknown field (allowed: all_of, "
        "any_of, description, id, max_age, min_age, priority)",
        "test: rule 1 ('adult-emdr'), field 'queue': unknown queue 'marriage' (known: family, "
        "play, dbt, emdr, couples, intake)",
        "test: rule 2 ('adult-couples'), field 'description': missing",
    ]
