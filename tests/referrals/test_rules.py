"""Rule files: the default loads, a clinic's own file loads, broken files are refused."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from referrals import DEFAULT_RULES_PATH, Facts, RuleFileError, decide, load_rules
from referrals.rules import parse_rules

REPO_ROOT = Path(__file__).resolve().parents[2]

VALID: dict[str, Any] = {
    "version": "clinic-a-3",
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
    assert rules.version == "clinical-default-1"
    assert [(r.id, r.queue, r.min_age, r.max_age) for r in rules.rules] == [
        ("infant-family", "family", 0, 2),
        ("child-play", "play", 3, 11),
        ("child-family", "family", 3, 11),
        ("teen-dbt", "dbt", 12, 17),
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


def test_rules_for_the_same_queue_make_one_referral_with_both_ids() -> None:
    data = {
        "version": "x",
        "rules": [
            {"id": "a", "queue": "family", "min_age": 0, "description": "A."},
            {"id": "b", "queue": "play", "min_age": 0, "description": "B."},
            {"id": "c", "queue": "family", "min_age": 0, "description": "C."},
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
        (_rule(none_of=["partner_risk"]), "field 'none_of': a couples rule must exclude 'acute'"),
        (_rule(none_of=["acute"]), "field 'none_of': a couples rule must exclude 'partner_risk'"),
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
        ([], "test: expected a mapping with 'version' and 'rules'"),
        ({"rules": VALID["rules"]}, "test: field 'version' must be a non-empty string"),
        ({"version": "", "rules": VALID["rules"]}, "field 'version' must be a non-empty string"),
        ({"version": True, "rules": VALID["rules"]}, "field 'version' must be a non-empty string"),
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
