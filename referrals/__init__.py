"""Routing engine and referral lifecycle (pure: no web framework, database or broker).

facts = derive_facts(answers, scores, age)     # derived facts (docs/clinical-policy.md)
decision = decide(facts, subject_age, load_rules(path))
decision.explain()                             # plain sentences for staff
decision.as_dict()                             # JSON, stored with each referral
decide_intake(answers, scores, subject_age)    # both steps, default rules
safety_check(answers, age).show_crisis_page    # after every intake step (and the support pages)
transition(state, action, reason=...)          # lifecycle; InvalidTransition if refused
"""

from referrals.decide import (
    DECISION_FLAGS,
    FLAGS_BY_FACT,
    PARTNER_SAFETY,
    Decision,
    Referral,
    decide,
    decide_intake,
)
from referrals.facts import FACT_NAMES, Fact, Facts, ScoreLike, derive_facts
from referrals.lifecycle import (
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    TRANSITIONS,
    Action,
    InvalidTransition,
    State,
    allowed_actions,
    transition,
)
from referrals.plain import plain_words
from referrals.queues import QUEUES, Queue
from referrals.rules import (
    DEFAULT_RULES_PATH,
    Priority,
    PriorityRule,
    Rule,
    RuleFileError,
    RuleSet,
    load_rules,
)
from referrals.safety import SafetyCheck, safety_check

__all__ = [
    "CONTACT_CHANNELS",
    "CONTACT_OUTCOMES",
    "DECISION_FLAGS",
    "DEFAULT_RULES_PATH",
    "FACT_NAMES",
    "FLAGS_BY_FACT",
    "PARTNER_SAFETY",
    "QUEUES",
    "TRANSITIONS",
    "Action",
    "Decision",
    "Fact",
    "Facts",
    "InvalidTransition",
    "Priority",
    "PriorityRule",
    "Queue",
    "Referral",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "SafetyCheck",
    "ScoreLike",
    "State",
    "allowed_actions",
    "decide",
    "decide_intake",
    "derive_facts",
    "load_rules",
    "plain_words",
    "safety_check",
    "transition",
]
