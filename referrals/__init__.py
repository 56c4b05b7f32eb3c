"""Routing engine and referral lifecycle (pure: no web framework, database or broker).

facts = derive_facts(answers, scores)          # CLINICAL.md derived facts, with evidence
decision = decide(facts, subject_age, load_rules(path))
decision.explain()                             # plain sentences for staff
decision.as_dict()                             # JSON, stored with each referral
route(answers, scores, subject_age)            # both steps, default rules
safety_check(answers).show_crisis_page         # after every intake step
transition(state, action, reason=...)          # lifecycle; InvalidTransition if refused
"""

from referrals.decide import PARTNER_SAFETY, Decision, Priority, Referral, decide, route
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
from referrals.queues import QUEUES, Queue
from referrals.rules import DEFAULT_RULES_PATH, Rule, RuleFileError, RuleSet, load_rules
from referrals.safety import SafetyCheck, safety_check

__all__ = [
    "CONTACT_CHANNELS",
    "CONTACT_OUTCOMES",
    "DEFAULT_RULES_PATH",
    "FACT_NAMES",
    "PARTNER_SAFETY",
    "QUEUES",
    "TRANSITIONS",
    "Action",
    "Decision",
    "Fact",
    "Facts",
    "InvalidTransition",
    "Priority",
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
    "derive_facts",
    "load_rules",
    "route",
    "safety_check",
    "transition",
]
