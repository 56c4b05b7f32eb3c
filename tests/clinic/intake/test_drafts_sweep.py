"""The drafts sweep: expired drafts are purged; quiet drafts after the safety page are sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import TASK_QUEUES, Queues, TaskNames
from clinic.extensions import db
from clinic.intake import drafts
from clinic.models import AuditEvent, IntakeSubmission
from clinic.models.columns import utcnow
from clinic.models.notification import NotificationMessage
from tests import factories
from tests.clinic.intake.helpers import outbox_rows
from tests.clinic.intake.walker import IntakeWalker, page_forms
from workers.celery_app import worker_config
from workers.tasks.drafts import sweep_drafts

# The tasks run as a worker runs them.
pytestmark = pytest.mark.usefixtures("worker_celery", "app_context")


def _age(draft: IntakeSubmission, **delta: float) -> None:
    """Move a draft's clock back, as if it was last saved that long ago."""
    db.session.execute(
        IntakeSubmission.__table__.update()
        .where(IntakeSubmission.id == draft.id)
        .values(
            draft_expires_at=draft.draft_expires_at - timedelta(**delta),
            updated_at=draft.updated_at - timedelta(**delta),
        )
    )
    db.session.commit()


def test_the_sweep_runs_on_beat_on_the_maintenance_queue(app: Flask) -> None:
    schedule = worker_config(app)["beat_schedule"]
    assert any(entry["task"] == TaskNames.SWEEP_DRAFTS for entry in schedule.values())
    assert TASK_QUEUES[TaskNames.SWEEP_DRAFTS] == Queues.MAINTENANCE


def test_an_expired_draft_is_purged_and_nothing_else(app: Flask, walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.contact(email_allowed="y", email="x@example.org")
    walker.answer(action="save")  # a resume link waiting to be emailed points at the draft
    form = next(f for f in page_forms(walker.html) if f.action.endswith("/saved/email"))
    walker.post(form.action, {**form.hidden, "safe": "y"})
    old = db.session.scalars(select(IntakeSubmission)).one()
    old_id = old.id
    fresh = IntakeWalker(app.test_client())
    fresh.start("teen_self", 15)
    submitted = factories.submitted_intake()
    db.session.commit()
    submitted_id = submitted.id
    assert db.session.scalars(select(NotificationMessage)).all()

    assert sweep_drafts() == {"submitted": 0, "purged": 0}
    _age(old, days=13)
    assert sweep_drafts() == {"submitted": 0, "purged": 0}
    _age(old, days=2)
    assert sweep_drafts() == {"submitted": 0, "purged": 1}

    remaining = set(db.session.scalars(select(IntakeSubmission.id)))
    assert old_id not in remaining and submitted_id in remaining and len(remaining) == 2
    assert db.session.scalars(select(NotificationMessage)).all() == []
    purged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "draft.purged")).one()
    assert (purged.target_id, purged.detail) == (str(old_id), {})


def test_a_quiet_draft_after_the_safety_page_is_sent_for_routing(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("safety")
    walker.answer({"safety.now": 0})
    assert walker.path == "/intake/support"
    draft = db.session.scalars(select(IntakeSubmission)).one()
    assert sweep_drafts() == {"submitted": 0, "purged": 0}  # still active
    _age(draft, minutes=61)

    assert sweep_drafts() == {"submitted": 1, "purged": 0}
    db.session.expire_all()
    assert (draft.status, draft.submitted_partial) == ("submitted", True)
    assert draft.answers["answers"] == {"safety.now": 0}
    [message] = outbox_rows()
    assert (message.kind, message.target_id) == (TaskNames.ROUTE_SUBMISSION, str(draft.id))
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "submission.submitted")
    ).one()
    assert audit.detail == {"path": "adult_self", "partial": True, "via": "safety_autosubmit"}

    walker.get("/intake/continue")  # the client comes back: told it was sent
    assert walker.path == "/intake"
    assert "Your answers have already been sent to our team." in walker.html
    assert sweep_drafts() == {"submitted": 0, "purged": 0}


def test_a_draft_is_open_only_until_it_expires(app: Flask, walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    draft = db.session.scalars(select(IntakeSubmission)).one()
    assert drafts.is_open(draft)
    draft.draft_expires_at = utcnow() - timedelta(seconds=1)
    assert not drafts.is_open(draft)
