"""An external system moves a referral by changing its Task's status.

The Task status asked for is turned into the shortest chain of lifecycle steps that
needs nothing more than the step's reason (`referrals.lifecycle`), each taken as the
token owner through the same operation staff use (`clinic.staff.referral_actions`):
the same checks, events and audit entries. What needs a person — accepting (a
clinician must be assigned) or rerouting (a queue must be chosen) — is refused with a
message that says to do it in the console.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from clinic.extensions import db
from clinic.models import Referral, StaffUser
from clinic.staff.reasons import REASONS_BY_ACTION
from clinic.staff.referral_actions import Step, apply
from referrals.lifecycle import TRANSITIONS, Action, State

TARGETS: Final = {
    "received": State.IN_REVIEW,
    "in-progress": State.SCHEDULED,
    "completed": State.CLOSED,
    "rejected": State.DECLINED,
}
"""Task statuses an external system may set, and the referral state each means."""

WITHOUT_DETAILS: Final = frozenset(
    {Action.START_REVIEW, Action.MARK_CONTACTED, Action.SCHEDULE, Action.CLOSE, Action.DECLINE}
)


class TaskChangeRefused(ValueError):
    """The change cannot be made; the message says why in plain words."""


def steps_to(source: str, target: State) -> list[Action]:
    """The fewest steps from `source` to `target` (empty when already there)."""
    start = State(source)
    if start == target:
        return []
    paths: deque[tuple[State, list[Action]]] = deque([(start, [])])
    seen = {start}
    while paths:
        state, taken = paths.popleft()
        for action, step in TRANSITIONS.items():
            if action not in WITHOUT_DETAILS or state not in step.sources or step.target is None:
                continue
            if step.target == target:
                return [*taken, action]
            if step.target not in seen and step.target not in (State.DECLINED, State.CLOSED):
                seen.add(step.target)
                paths.append((step.target, [*taken, action]))
    raise TaskChangeRefused(
        f"A referral that is {source.replace('_', ' ')} cannot become {target.replace('_', ' ')} "
        "from outside; open it in the console."
    )


def change_status(referral: Referral, status: str, reason: str | None, *, actor: StaffUser) -> None:
    """Move the referral to what Task status `status` means, as `actor`."""
    target = TARGETS.get(status)
    if target is None:
        raise TaskChangeRefused(
            f"Task status {status!r} cannot be set from outside; allowed: {', '.join(TARGETS)}. "
            "Accepting (assigning a clinician) and rerouting are done in the console."
        )
    actions = steps_to(referral.status, target)
    final_reasons = REASONS_BY_ACTION.get(str(actions[-1])) if actions else None
    if final_reasons is not None and reason is not None and reason not in final_reasons:
        raise TaskChangeRefused(
            f"statusReason must be one of {', '.join(final_reasons)} for this change"
        )
    if actions and actions[-1] == Action.DECLINE and reason is None:
        raise TaskChangeRefused(
            f"rejecting needs a statusReason: one of {', '.join(final_reasons or ())}"
        )
    for index, action in enumerate(actions):
        last = index == len(actions) - 1
        apply(
            referral,
            Step(action=str(action), reason=reason if last else None),
            actor=actor,
            expected_version=referral.version,
        )
        db.session.refresh(referral)
