"""The referral lifecycle as a state machine: which step is allowed from where.

Pure: it only says whether a step is allowed and what state follows. The web
layer records each step as a ReferralEvent and an audit event, and creates the
new referral of a reroute.

    new -> in_review -> accepted -> contacted -> scheduled -> closed
    declined (with a reason) and rerouted (with a reason and a queue) from
    new, in_review, accepted or contacted; contact attempts are logged in
    accepted, contacted and scheduled without changing the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, TypeVar

from referrals.queues import QUEUES


class State(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    SCHEDULED = "scheduled"
    CLOSED = "closed"
    DECLINED = "declined"
    REROUTED = "rerouted"


class Action(StrEnum):
    START_REVIEW = "start_review"
    ACCEPT = "accept"
    MARK_CONTACTED = "mark_contacted"
    SCHEDULE = "schedule"
    CLOSE = "close"
    DECLINE = "decline"
    REROUTE = "reroute"
    LOG_CONTACT_ATTEMPT = "contact_attempt"


CONTACT_CHANNELS: Final = ("phone", "text", "email", "letter", "in_person")
CONTACT_OUTCOMES: Final = (
    "reached",
    "no_answer",
    "left_message",
    "not_a_safe_time",
    "wrong_number",
)

DETAIL_LABELS: Final[Mapping[str, str]] = {
    "assignee": "the clinician it is assigned to",
    "reason": "a reason",
    "current_queue": "the queue it is in now",
    "target_queue": "the queue to send it to",
    "channel": "how contact was attempted",
    "outcome": "what came of the attempt",
}
"""Every detail a step can carry, with plain words for messages."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One kind of step: where it is allowed, where it leads, what it must carry."""

    sources: frozenset[State]
    target: State | None
    """None: the step is logged and the referral stays in its state."""
    verb: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


_NOT_YET_SCHEDULED: Final = frozenset({State.NEW, State.IN_REVIEW, State.ACCEPTED, State.CONTACTED})

TRANSITIONS: Final[Mapping[Action, Transition]] = MappingProxyType(
    {
        Action.START_REVIEW: Transition(frozenset({State.NEW}), State.IN_REVIEW, "start reviewing"),
        Action.ACCEPT: Transition(
            frozenset({State.IN_REVIEW}), State.ACCEPTED, "accept", required=("assignee",)
        ),
        Action.MARK_CONTACTED: Transition(
            frozenset({State.ACCEPTED}), State.CONTACTED, "mark as contacted"
        ),
        Action.SCHEDULE: Transition(frozenset({State.CONTACTED}), State.SCHEDULED, "schedule"),
        Action.CLOSE: Transition(
            frozenset({State.CONTACTED, State.SCHEDULED}),
            State.CLOSED,
            "close",
            optional=("reason",),
        ),
        Action.DECLINE: Transition(
            _NOT_YET_SCHEDULED, State.DECLINED, "decline", required=("reason",)
        ),
        Action.REROUTE: Transition(
            _NOT_YET_SCHEDULED,
            State.REROUTED,
            "reroute",
            required=("reason", "current_queue", "target_queue"),
        ),
        Action.LOG_CONTACT_ATTEMPT: Transition(
            frozenset({State.ACCEPTED, State.CONTACTED, State.SCHEDULED}),
            None,
            "log a contact attempt for",
            required=("channel", "outcome"),
        ),
    }
)
"""The lifecycle, as data: every step and the states it is allowed from."""


_Enum = TypeVar("_Enum", State, Action)


class InvalidTransition(ValueError):
    """A step that is not allowed; the message says why in plain words."""


def allowed_actions(state: State | str) -> tuple[Action, ...]:
    """The steps staff can take from `state`, in table order."""
    current = _parse(State, state, "state")
    return tuple(action for action, step in TRANSITIONS.items() if current in step.sources)


def transition(
    state: State | str,
    action: Action | str,
    *,
    assignee: str | None = None,
    reason: str | None = None,
    current_queue: str | None = None,
    target_queue: str | None = None,
    channel: str | None = None,
    outcome: str | None = None,
) -> State:
    """Check one step and return the state it leads to; raise InvalidTransition if refused."""
    current = _parse(State, state, "state")
    step = TRANSITIONS[_parse(Action, action, "action")]
    if current not in step.sources:
        allowed = [_plain(s) for s in State if s in step.sources]
        raise InvalidTransition(
            f"Cannot {step.verb} a referral that is {_plain(current)}: "
            f"only one that is {_one_of(allowed)}."
        )
    details = {
        "assignee": assignee,
        "reason": reason,
        "current_queue": current_queue,
        "target_queue": target_queue,
        "channel": channel,
        "outcome": outcome,
    }
    for name, value in details.items():
        if value is not None and name not in step.required + step.optional:
            raise InvalidTransition(
                f"To {step.verb} a referral, do not give {DETAIL_LABELS[name]}."
            )
        if name in step.required and (value is None or not value.strip()):
            raise InvalidTransition(f"To {step.verb} a referral, give {DETAIL_LABELS[name]}.")
    _check_values(details)
    return current if step.target is None else step.target


def _check_values(details: Mapping[str, str | None]) -> None:
    for name in ("current_queue", "target_queue"):
        queue = details[name]
        if queue is not None and queue not in QUEUES:
            raise InvalidTransition(f"Unknown queue {queue!r}: choose one of {', '.join(QUEUES)}.")
    target = details["target_queue"]
    if target is not None and target == details["current_queue"]:
        raise InvalidTransition(f"The referral is already in the {QUEUES[target].name} queue.")
    for name, known in (("channel", CONTACT_CHANNELS), ("outcome", CONTACT_OUTCOMES)):
        value = details[name]
        if value is not None and value not in known:
            raise InvalidTransition(
                f"Unknown contact {name} {value!r}: choose one of {', '.join(known)}."
            )


def _parse(kind: type[_Enum], value: _Enum | str, what: str) -> _Enum:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise InvalidTransition(f"Unknown {what} {value!r}: choose one of {known}.") from None


def _plain(state: State) -> str:
    return state.value.replace("_", " ")


def _one_of(words: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b or c'."""
    return " or ".join(filter(None, (", ".join(words[:-1]), words[-1])))
