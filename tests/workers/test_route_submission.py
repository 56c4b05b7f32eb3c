from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from clinic import outbox
from clinic.extensions import db
from clinic.models import AuditEvent, OutboxMessage, Referral, ReferralEvent
from tests import factories
from workers.tasks.routing import route_submission


def test_route_submission_writes_one_intake_referral(app: Flask) -> None:
    submission = factories.submitted_intake()
    outbox.commit()

    assert route_submission(str(submission.id)) == "routed"

    referral = db.session.scalars(select(Referral)).one()
    assert (referral.queue, referral.priority, referral.status, referral.rank) == (
        "intake",
        "routine",
        "new",
        0,
    )
    assert referral.submission_id == submission.id
    assert db.session.scalars(select(ReferralEvent.kind)).all() == ["created"]
    assert "submission.routed" in db.session.scalars(select(AuditEvent.action)).all()
    assert db.session.scalars(select(OutboxMessage.status)).one() == "done"
    db.session.refresh(submission)
    assert submission.status == "routed"
    assert submission.routed_at is not None


def test_route_submission_twice_changes_nothing(app: Flask) -> None:
    submission = factories.submitted_intake()
    outbox.commit()
    route_submission(str(submission.id))
    first = db.session.scalars(select(Referral.id)).all()
    audit_count = len(db.session.scalars(select(AuditEvent)).all())

    assert route_submission(str(submission.id)) == "routed"

    assert db.session.scalars(select(Referral.id)).all() == first
    assert len(db.session.scalars(select(AuditEvent)).all()) == audit_count


def test_route_submission_of_an_unknown_id_does_nothing(app: Flask) -> None:
    assert route_submission("00000000-0000-0000-0000-000000000000") == "missing"
    assert db.session.scalars(select(Referral)).all() == []
