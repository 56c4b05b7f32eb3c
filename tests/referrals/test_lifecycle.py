"""The referral state machine: every state x action pair, and the details each step needs."""

from __future__ import annotations

import itertools

import pytest

from referrals import Action, InvalidTransition, State, allowed_actions, transition

S, A = State, Action

# Written out independently of referrals.lifecycle.TRANSITIONS, so a change to the
# table must be made on purpose in both places.
LEGAL: dict[tuple[State, Action], State] = {
    (S.NEW, A.START_REVIEW): S.IN_REVIEW,
    (S.IN_REVIEW, A.ACCEPT): S.ACCEPTED,
    (S.ACCEPTED, A.MARK_CONTACTED): S.CONTACTED,
    (S.CONTACTED, A.SCHEDULE): S.SCHEDULED,
    (S.CONTACTED, A.CLOSE): S.CLOSED,
    (S.SCHEDULED, A.CLOSE): S.CLOSED,
    **{(state, A.DECLINE): S.DECLINED for state in (S.NEW, S.IN_REVIEW, S.ACCEPTED, S.CONTACTED)},
    **{(state, A.REROUTE): S.REROUTED for state in (S.NEW, S.IN_REVIEW, S.ACCEPTED, S.CONTACTED)},
    **{(state, A.LOG_CONTACT_ATTEMPT): state for state in (S.ACCEPTED, S.CONTACTED, S.SCHEDULED)},
}

DETAILS: dict[Action, dict[str, str]] = {
    A.ACCEPT: {"assignee": "clinician-17"},
    A.DECLINE: {"reason": "Outside the clinic's service area"},
    A.REROUTE: {
        "reason": "Trauma focus fits better",
        "current_queue": "dbt",
        "target_queue": "emdr",
    },
    A.LOG_CONTACT_ATTEMPT: {"channel": "phone", "outcome": "no_answer"},
}

ALL_PAIRS = list(itertools.product(State, Action))


@pytest.mark.parametrize(("state", "action"), [p for p in ALL_PAIRS if p in LEGAL])
def test_legal_transition(state: State, action: Action) -> None:
    assert transition(state, action, **DETAILS.get(action, {})) is LEGAL[state, action]


@pytest.mark.parametrize(("state", "action"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_transition_is_refused(state: State, action: Action) -> None:
    with pytest.raises(
        InvalidTransition, match=f"^Cannot .* a referral that is {state.replace('_', ' ')}: only"
    ):
        transition(state, action, **DETAILS.get(action, {}))


@pytest.mark.parametrize("state", list(State))
def test_allowed_actions_match_the_table(state: State) -> None:
    assert set(allowed_actions(state)) == {a for (s, a) in LEGAL if s is state}


@pytest.mark.parametrize("state", [S.CLOSED, S.DECLINED, S.REROUTED])
def test_end_states_allow_nothing(state: State) -> None:
    assert allowed_actions(state) == ()


def test_refusal_message_is_plain() -> None:
    with pytest.raises(InvalidTransition) as error:
        transition("in_review", "close")
    assert str(error.value) == (
        "Cannot close a referral that is in review: only one that is contacted or scheduled."
    )
    with pytest.raises(InvalidTransition) as error:
        transition("closed", "decline", reason="x")
    assert str(error.value) == (
        "Cannot decline a referral that is closed: "
        "only one that is new, in review, accepted or contacted."
    )


def test_strings_are_accepted_for_state_and_action() -> None:
    assert transition("new", "start_review") is S.IN_REVIEW


@pytest.mark.parametrize(
    ("action", "details", "message"),
    [
        (A.ACCEPT, {}, "To accept a referral, give the clinician it is assigned to."),
        (A.DECLINE, {}, "To decline a referral, give a reason."),
        (A.DECLINE, {"reason": "   "}, "To decline a referral, give a reason."),
        (
            A.REROUTE,
            {"reason": "r", "current_queue": "dbt"},
            "To reroute a referral, give the queue to send it to.",
        ),
        (
            A.REROUTE,
            {"target_queue": "emdr", "current_queue": "dbt"},
            "To reroute a referral, give a reason.",
        ),
        (
            A.REROUTE,
            {"reason": "r", "target_queue": "emdr"},
            "To reroute a referral, give the queue it is in now.",
        ),
        (
            A.REROUTE,
            {"reason": "r", "current_queue": "dbt", "target_queue": "dbt"},
            "The referral is already in the DBT queue.",
        ),
        (
            A.REROUTE,
            {"reason": "r", "current_queue": "dbt", "target_queue": "art"},
            "Unknown queue 'art': choose one of family, play, dbt, emdr, couples, intake.",
        ),
        (
            A.LOG_CONTACT_ATTEMPT,
            {"channel": "phone"},
            "To log a contact attempt for a referral, give what came of the attempt.",
        ),
        (
            A.LOG_CONTACT_ATTEMPT,
            {"channel": "pigeon", "outcome": "reached"},
            "Unknown contact channel 'pigeon': "
            "choose one of phone, text, email, letter, in_person.",
        ),
        (
            A.LOG_CONTACT_ATTEMPT,
            {"channel": "text", "outcome": "maybe"},
            "Unknown contact outcome 'maybe': choose one of reached, no_answer, left_message, "
            "not_a_safe_time, wrong_number.",
        ),
        (
            A.DECLINE,
            {"reason": "r", "target_queue": "emdr"},
            "To decline a referral, do not give the queue to send it to.",
        ),
        (A.ACCEPT, {"assignee": "c", "reason": "r"}, "To accept a referral, do not give a reason."),
    ],
)
def test_step_details_are_checked(action: Action, details: dict[str, str], message: str) -> None:
    state = next(s for (s, a) in LEGAL if a is action)
    with pytest.raises(InvalidTransition) as error:
        transition(state, action, **details)
    assert str(error.value) == message


def test_close_may_carry_a_reason() -> None:
    assert transition(S.SCHEDULED, A.CLOSE, reason="Completed assessment") is S.CLOSED


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        ("open", "close", "Unknown state 'open': choose one of new, in_review,"),
        ("new", "approve", "Unknown action 'approve': choose one of start_review, accept,"),
    ],
)
def test_unknown_names_are_refused(state: str, action: str, message: str) -> None:
    with pytest.raises(InvalidTransition, match=f"^{message}"):
        transition(state, action)


def test_allowed_actions_refuses_an_unknown_state() -> None:
    with pytest.raises(InvalidTransition, match=r"^Unknown state 'open'"):
        allowed_actions("open")
