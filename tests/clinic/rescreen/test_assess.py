"""A re-screen answered through its pages and assessed by the routing service: priority
raised with its reason (never lowered), worse_since, on-call paged for acute risk,
the still-waiting check-in shown to staff. Idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.broker.names import TaskNames
from clinic.extensions import db
from clinic.models import (
    AuditEvent,
    NotificationMessage,
    OnCallAlert,
    OutboxMessage,
    Referral,
    ReferralEvent,
    Rescreen,
)
from clinic.models.unit_of_work import unit_of_work
from clinic.rescreen.assess import assess_rescreen_once
from clinic.routing.follow_up import follow_up_referral
from clinic.staff.trends import score_history
from tests import factories
from tests.clinic.staff import support
from tests.support.html import csrf_token

pytestmark = pytest.mark.usefixtures("app_context")

PTSD_POSITIVE = {f"pcptsd5.{n}": 1 for n in range(6)}
PHQ9_ZERO = {f"phq9.{n}": 0 for n in range(1, 10)}
GAD7_ZERO = {f"gad7.{n}": 0 for n in range(1, 8)}
ASQ_NO = {f"asq.{n}": 0 for n in range(1, 5)}
EMDR_ROUTINE = {"safety.now": 1, **PTSD_POSITIVE, **PHQ9_ZERO, **GAD7_ZERO, **ASQ_NO}


def _answer(browser: FlaskClient, url: str, answers: dict[str, int]) -> str:
    token = csrf_token(browser, url)
    response = browser.post(url, data={**answers, "csrf_token": token, "action": "continue"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return str(response.location)


def _rescreen_through_pages(
    app: Flask, token: str, screens: list[dict[str, int]], still_waiting: str = "still_waiting"
) -> list[str]:
    """Answer each screen in turn; returns where each answer led."""
    browser = app.test_client()
    url = str(browser.get(f"/rescreen/{token}").location)
    visited = []
    for answers in screens:
        url = _answer(browser, url, answers)
        visited.append(url)
        if url.endswith("/rescreen/support"):
            page = browser.get(url)
            assert "Support is available" in page.text and "988" in page.text
            url = str(browser.get("/rescreen/continue").location)
    assert url.endswith("/rescreen/check-in"), url
    check_in = csrf_token(browser, url)
    sent = browser.post(url, data={"still_waiting": still_waiting, "csrf_token": check_in})
    assert sent.status_code == 302 and sent.location.endswith("/rescreen/sent")
    return visited


def _assess() -> Rescreen:
    rescreen = db.session.scalars(select(Rescreen)).one()
    assert db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == TaskNames.ASSESS_RESCREEN,
            OutboxMessage.target_id == str(rescreen.id),
        )
    ).one()
    with unit_of_work():
        assert assess_rescreen_once(str(rescreen.id)) == "assessed"
    db.session.expire_all()
    return rescreen


def _events(referral: Referral) -> list[ReferralEvent]:
    return list(
        db.session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id, ReferralEvent.kind != "created")
            .order_by(ReferralEvent.id)
        )
    )


def _emdr(**overrides: Any) -> tuple[Referral, str]:
    invitation, token = factories.rescreen_invitation(answers=EMDR_ROUTINE, **overrides)
    [referral] = db.session.scalars(
        select(Referral).where(Referral.submission_id == invitation.submission_id)
    ).all()
    assert (referral.queue, referral.priority) == ("emdr", "routine")
    with unit_of_work():  # its staff alert, as the follow-up task writes it
        follow_up_referral(str(referral.id))
    db.session.commit()
    return referral, token


def test_new_suicide_risk_shows_the_crisis_page_and_raises_the_referral(app: Flask) -> None:
    referral, token = _emdr()

    visited = _rescreen_through_pages(
        app, token, [{**PHQ9_ZERO, "phq9.9": 2, "phq9.10": 0}, GAD7_ZERO, ASQ_NO]
    )
    assert visited[0].endswith("/rescreen/support")  # at once, after the PHQ-9 screen
    rescreen = _assess()

    assert referral.priority == "priority"
    assert referral.worse_since == rescreen.submitted_at
    [event] = _events(referral)
    assert event.kind == "priority"
    assert event.detail["priority_from"] == "routine"
    assert event.detail["priority_to"] == "priority"
    assert "suicide_risk" in event.detail["findings"]
    assert any("new since the last answers" in r for r in rescreen.assessment["reasons"])
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "rescreen.assessed")
    ).one()
    assert audit.detail["raised"] == [str(referral.id)]

    with unit_of_work():  # again: nothing more
        assert assess_rescreen_once(str(rescreen.id)) == "assessed"
    assert len(_events(referral)) == 1


def test_acute_risk_makes_it_urgent_and_pages_on_call(app: Flask) -> None:
    factories.coordinator()  # paged, as no on-call contact is configured
    referral, token = _emdr()
    asq_acute = {"asq.1": 1, "asq.2": 0, "asq.3": 0, "asq.4": 0}

    visited = _rescreen_through_pages(
        app, token, [PHQ9_ZERO | {"phq9.10": 0}, GAD7_ZERO, asq_acute, {"asq.5": 1}]
    )
    # The crisis page after the ASQ's suicide risk, and again once risk is acute.
    assert [v.endswith("/rescreen/support") for v in visited] == [False, False, True, True]
    rescreen = _assess()

    assert referral.priority == "urgent"
    page = db.session.scalars(
        select(OnCallAlert).where(OnCallAlert.rescreen_id == rescreen.id)
    ).one()
    assert page.submission_id == referral.submission_id
    pages = db.session.scalars(
        select(NotificationMessage).where(NotificationMessage.event == f"page:{page.id}:1")
    ).all()
    assert pages and all(m.template == "staff_page" for m in pages)


def test_a_reliable_rise_raises_a_smaller_one_does_not(app: Flask) -> None:
    five = {**PHQ9_ZERO, "phq9.1": 3, "phq9.2": 2, "phq9.10": 0}  # total 5: change 5
    referral, token = _emdr()
    _rescreen_through_pages(app, token, [five, GAD7_ZERO, ASQ_NO])
    _assess()
    assert referral.priority == "routine" and referral.worse_since is None
    assert [e.kind for e in _events(referral)] == ["rescreen"]


def test_a_rise_of_six_is_reliable_deterioration(app: Flask) -> None:
    six = {**PHQ9_ZERO, "phq9.1": 3, "phq9.2": 3, "phq9.10": 0}
    referral, token = _emdr()
    _rescreen_through_pages(app, token, [six, GAD7_ZERO, ASQ_NO])
    rescreen = _assess()
    assert referral.priority == "priority"
    assert _events(referral)[0].detail["findings"] == ["deteriorated:phq9"]
    assert rescreen.assessment["changes"][0]["sentence"].startswith("PHQ-9 0 to 6: reliably worse")


def test_the_check_in_is_shown_to_staff_who_may_decline_with_that_reason(app: Flask) -> None:
    referral, token = _emdr()
    _rescreen_through_pages(
        app, token, [PHQ9_ZERO | {"phq9.10": 0}, GAD7_ZERO, ASQ_NO], "found_help"
    )
    _assess()
    coordinator = support.staff()
    browser = app.test_client()
    support.sign_in(browser, coordinator)

    page = browser.get(f"/staff/referrals/{referral.id}")
    assert "Said they found help somewhere else" in page.text
    assert "Decline: The client said they found help elsewhere" in page.text
    token = csrf_token(browser, f"/staff/referrals/{referral.id}")
    declined = browser.post(
        f"/staff/referrals/{referral.id}/actions",
        data={
            "action": "decline",
            "reason": "found_help_elsewhere",
            "version": str(referral.version),
            "csrf_token": token,
        },
    )
    assert declined.status_code == 302
    db.session.expire_all()
    assert referral.status == "declined"


def test_a_re_screen_left_unsent_is_sent_as_it_stands_an_hour_later(app: Flask) -> None:
    from datetime import timedelta

    from clinic.models.columns import utcnow
    from clinic.rescreen import invitations

    left = factories.rescreen(answers=EMDR_ROUTINE, rescreen_answers={"phq9.9": 3})
    empty = factories.rescreen(answers=EMDR_ROUTINE, rescreen_answers={})

    assert invitations.send_left_rescreens(utcnow() + timedelta(minutes=59)) == 0
    assert invitations.send_left_rescreens(utcnow() + timedelta(minutes=61)) == 1
    assert (left.status, empty.status) == ("submitted", "open")
    assert empty.browser_key_hash is None
    assert db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == TaskNames.ASSESS_RESCREEN,
            OutboxMessage.target_id == str(left.id),
        )
    ).one()


def test_the_beat_task_is_scheduled_on_the_notifications_queue() -> None:
    from clinic.broker.names import TASK_QUEUES, Queues
    from workers.celery_app import RESCREEN_SWEEP_SECONDS

    assert TASK_QUEUES[TaskNames.INVITE_RESCREENS] == Queues.NOTIFICATIONS
    assert TASK_QUEUES[TaskNames.ASSESS_RESCREEN] == Queues.ROUTING
    assert RESCREEN_SWEEP_SECONDS <= 3600


def test_the_scores_over_time_add_the_re_screen_to_the_intake(app: Flask) -> None:
    six = {**PHQ9_ZERO, "phq9.1": 3, "phq9.2": 3, "phq9.10": 0}
    referral, token = _emdr()
    _rescreen_through_pages(app, token, [six, GAD7_ZERO, ASQ_NO])
    _assess()
    history = score_history(referral)
    assert [(p.total, p.source) for p in history["phq9"]] == [(0, "intake"), (6, "re-screen")]
    assert [p.total for p in history["gad7"]] == [0, 0]

    browser = app.test_client()
    support.sign_in(browser, support.staff())
    page = support.page_text(browser, f"/staff/referrals/{referral.id}")
    start = page.index('id="trends-title"')
    section = page[start : page.index("</section>", start)]
    assert "a reliable deterioration" in section
    assert section.count("<td>a re-screen</td>") == 2
