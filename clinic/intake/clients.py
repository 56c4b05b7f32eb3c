"""The pseudonymous client record: made when an intake is routed, found from any of its submissions,
merged by staff when one person filled the intake twice.

A `Client` holds no personal data: it only links a person's submissions, and so their
referrals and re-screens. Merging keeps one record (the older) and moves the other's
submissions, invitations and re-screens to it; the other stays, marked merged, so an
id given out before still finds the record kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from clinic.extensions import db
from clinic.models import Client, IntakeSubmission, Referral, Rescreen, RescreenInvitation
from clinic.models.columns import utcnow


class MergeRefused(ValueError):
    """The two records cannot be merged (the same one, or one merged already)."""


def current(client: Client) -> Client:
    """The record in use: follows merges."""
    seen = {client.id}
    while client.merged_into_id is not None:
        found = db.session.get(Client, client.merged_into_id)
        if found is None or found.id in seen:
            break
        seen.add(found.id)
        client = found
    return client


def submissions_of(client: Client) -> Sequence[IntakeSubmission]:
    """Every submitted intake of the client, oldest first."""
    return db.session.scalars(
        select(IntakeSubmission)
        .where(IntakeSubmission.client_id == client.id, IntakeSubmission.status != "draft")
        .order_by(IntakeSubmission.submitted_at, IntakeSubmission.created_at)
    ).all()


def referrals_of(client: Client) -> Sequence[Referral]:
    """Every referral of the client's intakes, oldest first."""
    return db.session.scalars(
        select(Referral)
        .join(IntakeSubmission, Referral.submission_id == IntakeSubmission.id)
        .where(IntakeSubmission.client_id == client.id)
        .order_by(Referral.created_at, Referral.rank)
    ).all()


def merge(keep: Client, other: Client) -> Client:
    """Move everything of `other` to `keep` and mark `other` merged (caller audits)."""
    if keep.id == other.id:
        raise MergeRefused("a client record cannot be merged with itself")
    if keep.merged_into_id is not None or other.merged_into_id is not None:
        raise MergeRefused("one of the records was merged already")
    for model in (IntakeSubmission, RescreenInvitation, Rescreen):
        db.session.execute(
            update(model).where(model.client_id == other.id).values(client_id=keep.id),
            execution_options={"synchronize_session": "fetch"},
        )
    _renumber_invitations(keep)
    other.merged_into_id = keep.id
    other.merged_at = utcnow()
    db.session.flush()
    return keep


def _renumber_invitations(client: Client) -> None:
    """Rounds stay unique per client after a merge: number them again by date."""
    invitations = db.session.scalars(
        select(RescreenInvitation)
        .where(RescreenInvitation.client_id == client.id)
        .order_by(RescreenInvitation.created_at, RescreenInvitation.id)
    ).all()
    offset = len(invitations) + max((i.round for i in invitations), default=0)
    for invitation in invitations:  # first out of the way, then in order
        invitation.round += offset
    db.session.flush()
    for number, invitation in enumerate(invitations, start=1):
        invitation.round = number
    db.session.flush()
