"""Reasons staff choose from when they decline, reroute or close a referral.

Codes, not free text, are what the lifecycle, events and audit log carry;
anything more goes into an (encrypted) note.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

DECLINE_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "not_eligible": "Not eligible for this service",
        "client_withdrew": "The client withdrew",
        "better_served_elsewhere": "Better served by another service",
        "unable_to_contact": "Could not reach the client",
        "duplicate": "Duplicate referral",
        "no_longer_needed": "The client said they no longer need the service",
        "found_help_elsewhere": "The client said they found help elsewhere",
        "other": "Other (see note)",
    }
)
STILL_WAITING_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {"no_longer_needed": "no_longer_needed", "found_help": "found_help_elsewhere"}
)
"""A re-screen's check-in answer, and the decline reason it offers staff."""
REROUTE_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "better_fit": "Another queue fits the client's needs better",
        "age_or_path": "Age or respondent path suits another queue",
        "safety": "Safety concern needs another service",
        "capacity": "Capacity: another team can see the client sooner",
        "other": "Other (see note)",
    }
)
CLOSE_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "treatment_started": "Treatment started",
        "client_declined": "The client declined the appointment",
        "no_response": "No response after contact attempts",
        "other": "Other (see note)",
    }
)
REASONS_BY_ACTION: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {"decline": DECLINE_REASONS, "reroute": REROUTE_REASONS, "close": CLOSE_REASONS}
)

CHANNEL_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "phone": "Phone",
        "text": "Text message",
        "email": "Email",
        "letter": "Letter",
        "in_person": "In person",
    }
)
OUTCOME_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "reached": "Reached the client",
        "no_answer": "No answer",
        "left_message": "Left a message",
        "not_a_safe_time": "Not a safe time to talk",
        "wrong_number": "Wrong number or address",
    }
)


def reason_label(code: str | None) -> str:
    if code is None:
        return ""
    for reasons in REASONS_BY_ACTION.values():
        if code in reasons:
            return reasons[code]
    return code
