"""Merging two client records of one person: an intake coordinator's step, audited.

Who: intake coordinators only. They work every queue, so they can read both records'
intakes and judge that they are one person; clinicians see only their queues, and
admins see no clinical pages. The merge itself is `clinic.intake.clients.merge`; this
module finds the records from what staff type (an intake reference), refuses what it
must, and writes the audit event in the same transaction as the merge.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from clinic.extensions import db
from clinic.intake import clients
from clinic.models import Client, IntakeSubmission, StaffUser
from clinic.security import audit

MERGE_ROLE = "intake_coordinator"


class MergeRefused(Exception):
    """The merge cannot be done; the message says why in plain words."""


@dataclass(frozen=True)
class MergePlan:
    """The two records to merge, as shown on the confirmation page."""

    keep: Client
    other: Client
    keep_intakes: tuple[IntakeSubmission, ...]
    other_intakes: tuple[IntakeSubmission, ...]


def client_of_reference(reference: str) -> Client:
    """The client record (in use) of the intake with this reference."""
    submission = db.session.scalars(
        select(IntakeSubmission).where(IntakeSubmission.reference == reference.strip().upper())
    ).one_or_none()
    if submission is None or submission.client is None:
        raise MergeRefused(f"No sent intake has the reference {reference.strip()!r}.")
    return clients.current(submission.client)


def plan(this: IntakeSubmission, other_reference: str) -> MergePlan:
    """What a merge of `this` intake's client with the other reference's would join."""
    if this.client is None:
        raise MergeRefused("This intake has no client record yet.")
    first = clients.current(this.client)
    second = client_of_reference(other_reference)
    if first.id == second.id:
        raise MergeRefused("Both intakes already belong to the same client record.")
    keep, other = sorted((first, second), key=lambda c: (c.created_at, str(c.id)))
    return MergePlan(
        keep,
        other,
        tuple(clients.submissions_of(keep)),
        tuple(clients.submissions_of(other)),
    )


def merge(merge_plan: MergePlan, *, actor: StaffUser) -> Client:
    """Merge the planned records (the older is kept); audited in this transaction."""
    if actor.role != MERGE_ROLE:
        raise MergeRefused("Only an intake coordinator may merge client records.")
    try:
        kept = clients.merge(merge_plan.keep, merge_plan.other)
    except clients.MergeRefused as exc:
        raise MergeRefused(str(exc)) from None
    audit.record(
        "client.merged",
        target_type="client",
        target_id=kept.id,
        actor=actor,
        detail={
            "merged": str(merge_plan.other.id),
            "submissions": [str(s.id) for s in merge_plan.other_intakes],
        },
    )
    return kept
