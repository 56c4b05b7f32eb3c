"""The safety pathway of a draft: paging on-call at an acute answer
(docs/clinical-policy.md, safety pathway).

When a saved answer makes `acute` true, the clinic's on-call contacts are paged at
once, in the save's transaction: the intake's `OnCallAlert` (one per intake) and its
messages, which say nothing of the answers.
"""

from __future__ import annotations

from sqlalchemy import select

import forms
import referrals
from clinic import audit
from clinic.extensions import db
from clinic.models import IntakeSubmission
from clinic.notifications import on_call


def page_on_call_if_acute(draft: IntakeSubmission) -> None:
    """After answers were merged into the draft: page on-call if they make `acute` true."""
    document = draft.answers
    answers = forms.relevant_answers(draft.path, document["subject_age"], document["answers"])
    if not referrals.safety_check(answers).acute.value:
        return
    # Two saves of one draft at once (a double click) wait here for each other: one pages.
    db.session.execute(
        select(IntakeSubmission.id).where(IntakeSubmission.id == draft.id).with_for_update()
    )
    page = on_call.page_for_draft(draft.id)
    if page is not None:
        audit.record(
            "draft.on_call_paged",
            target_type="submission",
            target_id=draft.id,
            actor_kind="client",  # the client's address is never kept
            detail={"on_call_alert": str(page.id)},
        )
