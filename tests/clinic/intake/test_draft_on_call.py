"""Safety pathway from the draft: an acute answer pages on-call as it is saved, once per
intake; routing links that alert instead of paging again."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import (
    AuditEvent,
    IntakeSubmission,
    NotificationMessage,
    OnCallAlert,
    OutboxMessage,
    Referral,
    StaffAlert,
)
from clinic.notifications.on_call import repeat_pages
from clinic.routing.follow_up import follow_up_referral
from clinic.routing.record import record_routing
from tests.clinic.intake.helpers import only_submission
from tests.clinic.intake.walker import IntakeWalker, page_forms
from tests.clinic.notifications.conftest import on_call, use_notification_settings

pytestmark = pytest.mark.usefixtures("app_context")

ON_CALL = (
    on_call("Dr A", email="a@example.org", sms="+15550001"),
    on_call("Dr B", email=None, sms="+15550002"),
)


@pytest.fixture(autouse=True)
def _on_call_contacts(app: Flask) -> None:
    use_notification_settings(app, on_call=ON_CALL)


def _alerts() -> list[OnCallAlert]:
    db.session.expire_all()
    return list(db.session.scalars(select(OnCallAlert)))


def _pages(template: str | None = None) -> list[NotificationMessage]:
    query = select(NotificationMessage).where(NotificationMessage.event.startswith("page:"))
    if template is not None:
        query = query.where(NotificationMessage.template == template)
    return list(db.session.scalars(query.order_by(NotificationMessage.event)))


def _acute_draft(walker: IntakeWalker) -> IntakeSubmission:
    walker.start("adult_self", 30)
    walker.walk_to("safety")
    walker.answer({"safety.now": 0})
    assert walker.path == "/intake/support"
    return only_submission()


def test_an_acute_answer_pages_on_call_as_it_is_saved_with_no_clinical_detail(
    walker: IntakeWalker,
) -> None:
    draft = _acute_draft(walker)

    [page] = _alerts()
    assert (draft.status, page.submission_id, page.staff_alert_id) == ("draft", draft.id, None)
    assert page.pages_sent == 1 and page.next_page_at is not None
    messages = _pages()
    assert [(m.recipient, m.channel, m.payload["to"]) for m in messages] == [
        ("oncall:Dr A", "email", "a@example.org"),
        ("oncall:Dr A", "sms", "+15550001"),
        ("oncall:Dr B", "sms", "+15550002"),
    ]
    link = f"http://127.0.0.1:5000/staff/on-call/{page.id}"
    for message in messages:
        assert message.template == "staff_draft_page"
        assert message.payload["values"] == {"link": link, "number": 1}  # nothing else
        assert (message.submission_id, message.referral_id) == (draft.id, None)
    sends = db.session.scalars(
        select(OutboxMessage.target_id).where(OutboxMessage.kind == TaskNames.SEND_NOTIFICATION)
    ).all()
    assert sorted(sends) == sorted(str(m.id) for m in messages)  # committed with the save
    paged = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "draft.on_call_paged")
    ).one()
    assert (paged.target_id, paged.actor_kind, paged.ip) == (str(draft.id), "client", None)
    assert paged.detail == {"on_call_alert": str(page.id)}


def test_a_second_acute_save_does_not_page_again(walker: IntakeWalker) -> None:
    _acute_draft(walker)
    walker.get("/intake/step/1")
    walker.walk_to("safety")  # back to the same question, answered the same way again
    walker.answer({"safety.now": 0})
    walker.get("/intake/continue")
    walker.walk_to("asq")
    walker.note()
    walker.answer({"asq.1": 1})  # another risk answer in the same intake

    assert len(_alerts()) == 1
    assert len(_pages()) == 3  # the first page's three channels, nothing more


def test_a_suicide_risk_answer_that_is_not_acute_pages_no_one(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("phq9")
    walker.note()
    walker.answer({"phq9.9": 1})
    assert walker.path == "/intake/support"
    assert _alerts() == [] and _pages() == []


def test_refusing_the_asq_acuity_question_pages_on_call(walker: IntakeWalker) -> None:
    walker.start("adult_self", 30)
    walker.walk_to("asq")
    walker.note()
    walker.answer({"asq.1": 1})
    assert walker.path == "/intake/support"
    assert _alerts() == []  # asq.5 is still to come: not acute yet
    walker.get("/intake/continue")
    walker.answer({"asq.5": None})

    assert len(_alerts()) == 1
    assert {m.template for m in _pages()} == {"staff_draft_page"}


def _leave(walker: IntakeWalker) -> None:
    leave = next(f for f in page_forms(walker.html) if f.action.endswith("/support/leave"))
    walker.post(leave.action, leave.hidden)
    assert walker.path == "/intake/sent"


def _route_and_follow_up(submission: IntakeSubmission) -> list[Referral]:
    db.session.expire_all()  # a task reads the intake as the requests left it
    record_routing(str(submission.id))
    referrals = list(
        db.session.scalars(select(Referral).where(Referral.submission_id == submission.id))
    )
    for referral in referrals:
        follow_up_referral(str(referral.id))
        follow_up_referral(str(referral.id))  # delivered twice: still nothing more
    return referrals


def test_routing_the_submitted_intake_links_the_alert_and_pages_no_more(
    walker: IntakeWalker,
) -> None:
    draft = _acute_draft(walker)
    _leave(walker)
    referrals = _route_and_follow_up(draft)

    assert referrals and {r.priority for r in referrals} == {"urgent"}
    [page] = _alerts()
    first_alert = db.session.scalars(
        select(StaffAlert).where(StaffAlert.referral_id == referrals[0].id)
    ).one()
    assert page.staff_alert_id == first_alert.id
    assert len(_pages("staff_draft_page")) == 3 and _pages("staff_page") == []

    repeat_pages(now=page.next_page_at)  # a repeat after routing links to the referral
    repeats = _pages("staff_page")
    assert {m.event for m in repeats} == {f"page:{page.id}:2"}
    assert {m.payload["values"]["link"] for m in repeats} == {
        f"http://127.0.0.1:5000/staff/alerts/{first_alert.id}"
    }
    assert {m.referral_id for m in repeats} == {first_alert.referral_id}
