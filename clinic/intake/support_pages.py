"""Support pages: after an answer reports partner harm or child abuse.

docs/clinical-policy.md "Safety pathway": an answer that reports partner harm
(`rship.4` or `rship.5` = 1) is followed by a page with the domestic-violence line;
one that makes `abuse_disclosed` true by a page with the child-abuse line. Each page
is shown once per draft, on the page after the save that called for it (after the
crisis page when the same save calls for that too).

The draft keeps, encrypted, which pages its answers called for (in order) and which
the client has seen; the pending ones are those called for and not seen yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import referrals
from clinic.models import IntakeSubmission

PARTNER: Final = "partner"
CHILD: Final = "child"
KINDS: Final = (PARTNER, CHILD)


@dataclass(frozen=True)
class SupportPages:
    """The support pages one draft called for, and those its client has seen."""

    called_for: tuple[str, ...] = ()
    seen: tuple[str, ...] = ()

    @classmethod
    def of(cls, draft: IntakeSubmission) -> SupportPages:
        stored: Mapping[str, Any] = draft.support_pages or {}
        return cls(
            called_for=tuple(k for k in stored.get("called_for", ()) if k in KINDS),
            seen=tuple(k for k in stored.get("seen", ()) if k in KINDS),
        )

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(kind for kind in self.called_for if kind not in self.seen)

    def store(self, draft: IntakeSubmission) -> None:
        draft.support_pages = {"called_for": list(self.called_for), "seen": list(self.seen)}


def note_answers(draft: IntakeSubmission, answers: Mapping[str, int | None]) -> None:
    """Call for each support page the answers (those still asked) make due for the
    first time in this draft."""
    check = referrals.safety_check(answers, draft.answers["subject_age"])
    due = {PARTNER: check.show_partner_support_page, CHILD: check.show_abuse_support_page}
    state = SupportPages.of(draft)
    new = tuple(kind for kind in KINDS if due[kind] and kind not in state.called_for)
    if new:
        SupportPages(state.called_for + new, state.seen).store(draft)


def pending(draft: IntakeSubmission) -> bool:
    return bool(SupportPages.of(draft).pending)


def page_to_show(draft: IntakeSubmission) -> str | None:
    """The support page to show now: the first pending one (from now on seen), else the
    one seen last (the page reloaded, or reached again with Back); None if none was due."""
    state = SupportPages.of(draft)
    if state.pending:
        kind = state.pending[0]
        SupportPages(state.called_for, (*state.seen, kind)).store(draft)
        return kind
    return state.seen[-1] if state.seen else None
