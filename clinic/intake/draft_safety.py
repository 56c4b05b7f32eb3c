"""The safety pathway of a draft: paging on-call at an acute answer, and when a quiet
draft at risk is sent (docs/clinical-policy.md, safety pathway).

- When a saved answer makes `acute` true, the clinic's on-call contacts are paged at
  once, in the save's transaction: the intake's `OnCallAlert` (one per intake) and
  its messages, which say nothing of the answers.
- That alert row is also how the drafts sweep knows a draft is acute, so nothing
  about the answers is stored in plain text: a draft with an alert is sent after
  `acute_autosubmit_minutes` without activity; one whose client was shown the safety
  page (`crisis_shown_at`: suicide risk or acute) after
  `suicide_risk_autosubmit_minutes`. A draft that was acute stays so for this even
  if the answer is changed later: the safer reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

import forms
import referrals
from clinic import audit
from clinic.clinic_settings import clinic_settings
from clinic.documents import answers_of
from clinic.extensions import db
from clinic.models import IntakeSubmission
from clinic.notifications import on_call


def page_on_call_if_acute(draft: IntakeSubmission) -> None:
    """After answers were merged into the draft: page on-call if they make `acute` true."""
    document = answers_of(draft)
    answers = forms.relevant_answers(draft.path, document.subject_age, document.answers)
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


@dataclass(frozen=True)
class Autosubmit:
    """What the safety page and the saved page tell the client about being sent."""

    acute: bool
    minutes: int


def autosubmit(draft: IntakeSubmission | None) -> Autosubmit | None:
    """After how many quiet minutes the sweep sends this draft; None: never."""
    if draft is None or draft.status != "draft":
        return None
    settings = clinic_settings()
    if on_call.alert_for(draft.id) is not None:
        return Autosubmit(acute=True, minutes=settings.acute_autosubmit_minutes)
    if draft.crisis_shown_at is not None:
        return Autosubmit(acute=False, minutes=settings.suicide_risk_autosubmit_minutes)
    return None
