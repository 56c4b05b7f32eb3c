"""Notifications through a live worker and beat, to a real SMTP server (aiosmtpd).

Covers issue 7's point 6 on PostgreSQL with Redis and with RabbitMQ (and the
embedded default where it applies): alerts arrive, urgent pages repeat until
acknowledged, nothing goes to a client without a safe channel, no canary
detail reaches a message or a log, retries, crashes and permanent failures.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.broker.names import Queues, TaskNames
from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import IntakeSubmission, NotificationMessage, OnCallAlert, StaffAlert
from clinic.notifications import queue_staff_alerts, queue_submission_confirmation
from tests.clinic.notifications.conftest import (
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    contact,
    referral_for,
    sign_in_as,
    staff,
)
from tests.e2e.conftest import Stack
from tests.support.html import csrf_token
from tests.support.processes import LiveProcess, start_beat, start_worker, wait_until
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.e2e

TIMEOUT = 90.0
REPEAT_MINUTES = 0.03  # 1.8 s between on-call pages
SWEEP_RECEIVED = re.compile(rf"Task {re.escape(TaskNames.SWEEP_NOTIFICATIONS)}\[[^\]]+\] received")
SWEEP_SUCCEEDED = re.compile(
    rf"Task {re.escape(TaskNames.SWEEP_NOTIFICATIONS)}\[[^\]]+\] succeeded"
)
CANARY_ANSWER = "canary.answer"
CANARY_SENTENCE = "Canary explanation sentence"
CLINIC_SETTINGS = f"""
notifications:
  on_call:
    - {{name: On-call, email: oncall@example.net}}
  urgent_repeat_minutes: {REPEAT_MINUTES}
"""
SERVER_STACKS = pytest.mark.parametrize(
    "stack", ["postgres-redis", "postgres-rabbitmq"], indirect=True
)


@pytest.fixture
def env(
    stack: Stack, smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The live processes' environment; the web app of the test reads the same settings."""
    settings = tmp_path / "clinic.yaml"
    settings.write_text(CLINIC_SETTINGS)
    monkeypatch.setenv("CLINIC_SETTINGS", str(settings))
    return {
        **stack.env,
        **smtp_server.mail_env(),
        "CLINIC_SETTINGS": str(settings),
        "TASK_RETRY_MAX_DELAY": "4",
        "OUTBOX_REPUBLISH_AFTER": "30",
    }


def _intake(app: Flask, queue: str, priority: str, *, email_safe: bool) -> str:
    """An intake with canary details and its referral, alerts and confirmation queued."""
    with app.app_context():
        staff(f"coordinator-{uuid.uuid4().hex[:6]}@example.net")
        submission = IntakeSubmission(
            path="adult_self",
            status="routed",
            definitions_version="test",
            answers={"subject_age": 47, "answers": {"safety.now": 0, CANARY_ANSWER: 3}},
            contact=contact(email=email_safe),
        )
        db.session.add(submission)
        referral = referral_for(submission, queue=queue, priority=priority)
        referral.explanation = {"rule_ids": ["x"], "facts": {}, "sentence": CANARY_SENTENCE}
        queue_staff_alerts([referral])
        queue_submission_confirmation(submission)
        db.session.commit()
        return str(submission.id)


def _statuses(app: Flask, template: str | None = None) -> list[str]:
    with app.app_context():
        query = select(NotificationMessage.status)
        if template:
            query = query.where(NotificationMessage.template == template)
        return list(db.session.scalars(query))


def _settled(app: Flask) -> bool:
    return all(s in ("sent", "skipped") for s in _statuses(app))


def _subjects(server: SmtpServer) -> list[str]:
    return [str(message["Subject"]) for message in server.received()]


def _assert_no_canary(server: SmtpServer, *processes: LiveProcess) -> None:
    canaries = (CANARY_NAME, CANARY_EMAIL, CANARY_PHONE, CANARY_ANSWER, CANARY_SENTENCE)
    for message in server.received():
        raw = message.as_string()
        for canary in canaries:
            assert canary not in raw
    for process in processes:
        for canary in canaries:
            assert canary not in process.output()


def _wait_for_a_sweep_after_repeat_intervals(
    worker: LiveProcess, intervals: int, settled: Callable[[], bool]
) -> None:
    """Let `intervals` repeat intervals pass; then wait until a notifications sweep the
    worker received after them has finished (the sweep that would write a due repeat)
    and every message it may have written has `settled`."""
    due = time.monotonic() + REPEAT_MINUTES * 60 * intervals
    received_before: list[int] = []

    def a_later_sweep_finished() -> bool:
        if time.monotonic() < due:
            return False
        output = worker.output()
        if not received_before:
            received_before.append(len(SWEEP_RECEIVED.findall(output)))
        return len(SWEEP_SUCCEEDED.findall(output)) > received_before[0] and settled()

    wait_until(
        a_later_sweep_finished,
        TIMEOUT + REPEAT_MINUTES * 60 * intervals,
        f"a sweep after {intervals} repeat intervals",
        worker,
    )


def test_alerts_arrive_and_urgent_pages_repeat_until_acknowledged(
    stack: Stack, env: dict[str, str], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    worker = start_worker(env, tmp_path)
    beat = start_beat(env, tmp_path)
    try:
        app = stack.web_app()
        _intake(app, "dbt", "urgent", email_safe=False)

        def pages() -> int:
            return sum(
                s.startswith("Urgent: a referral needs attention now")
                for s in _subjects(smtp_server)
            )

        wait_until(
            lambda: "Urgent: a referral needs attention" in _subjects(smtp_server),
            TIMEOUT,
            "the queue's alert",
            worker,
        )
        wait_until(lambda: pages() >= 2, TIMEOUT, "the on-call page to repeat", worker)
        recipients = {str(m["To"]) for m in smtp_server.received()}
        assert all(r == "oncall@example.net" or r.startswith("coordinator-") for r in recipients)
        assert CANARY_EMAIL not in recipients  # email was not marked safe
        assert _statuses(app, "client_confirmation") == ["skipped"]

        with app.app_context():
            alert_id = db.session.scalars(select(StaffAlert.id)).one()
            coordinator = staff("acknowledger@example.net")
            client = app.test_client()
            sign_in_as(client, coordinator)
            token = csrf_token(client, f"/staff/alerts/{alert_id}")
            response = client.post(
                f"/staff/alerts/{alert_id}/acknowledge", data={"csrf_token": token}
            )
            assert response.status_code == 302
            assert (
                db.session.scalars(select(OnCallAlert.acknowledged_by_id)).one() == coordinator.id
            )

        wait_until(lambda: _settled(app), TIMEOUT, "sends to settle", worker)
        after_ack = pages()
        _wait_for_a_sweep_after_repeat_intervals(worker, 3, lambda: _settled(app))  # none may come
        assert pages() == after_ack
        assert all(s in ("sent", "skipped") for s in _statuses(app))
        _assert_no_canary(smtp_server, worker, beat)
    finally:
        beat.stop()
        worker.stop()


@SERVER_STACKS
def test_smtp_down_is_retried_and_delivered_when_it_is_back(
    stack: Stack, env: dict[str, str], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    worker = start_worker(env, tmp_path)
    try:
        app = stack.web_app()
        smtp_server.stop()
        _intake(app, "family", "priority", email_safe=False)

        def attempts() -> int:
            with app.app_context():
                return max(db.session.scalars(select(NotificationMessage.attempts)))

        wait_until(lambda: attempts() >= 2, TIMEOUT, "two tries while SMTP is down", worker)
        assert _statuses(app, "staff_alert") in (["pending"], ["sending"])
        smtp_server.start()

        wait_until(lambda: _statuses(app, "staff_alert") == ["sent"], TIMEOUT, "delivery", worker)
        assert _subjects(smtp_server) == ["A referral needs attention"]
    finally:
        worker.stop()


def _only_message_id(app: Flask) -> str:
    with app.app_context():
        return str(
            db.session.scalars(
                select(NotificationMessage.id).where(NotificationMessage.channel == "email")
            ).one()
        )


def _deliver_again(app: Flask, message_id: str) -> str:
    """What the broker does with an unacknowledged task after its worker died."""
    task_id = str(uuid.uuid4())
    app.extensions["celery"].send_task(
        TaskNames.SEND_NOTIFICATION, args=[message_id], task_id=task_id, queue=Queues.NOTIFICATIONS
    )
    return task_id


@SERVER_STACKS
def test_a_worker_killed_after_the_server_accepted_does_not_send_twice(
    stack: Stack, env: dict[str, str], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    worker = start_worker(env, tmp_path)
    app = stack.web_app()
    _intake(app, "family", "priority", email_safe=False)
    message_id = _only_message_id(app)
    wait_until(lambda: _statuses(app, "staff_alert") == ["sent"], TIMEOUT, "the send", worker)
    worker.kill()
    worker.stop()  # closes its log

    task_id = _deliver_again(app, message_id)
    second = start_worker(env, tmp_path, name="second-worker")
    try:
        second.wait_for_output(f"{task_id}] succeeded", TIMEOUT)
        assert "'sent'" in second.output()
        assert len(smtp_server.received()) == 1
    finally:
        second.stop()


@SERVER_STACKS
def test_a_worker_killed_before_the_server_accepted_sends_after_the_lease(
    stack: Stack, env: dict[str, str], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    worker = start_worker(env, tmp_path)
    app = stack.web_app()
    smtp_server.holding.set()
    _intake(app, "family", "priority", email_safe=False)
    message_id = _only_message_id(app)
    assert smtp_server.data_started.wait(TIMEOUT)
    worker.kill()
    worker.stop()  # closes its log
    smtp_server.reply_after_hold = "451 not accepted"
    smtp_server.holding.clear()  # the dead worker's message is not accepted
    assert smtp_server.data_done.wait(TIMEOUT)  # its DATA was refused (or dropped), not later
    assert smtp_server.received() == []
    smtp_server.reply_after_hold = None

    _deliver_again(app, message_id)
    second = start_worker(env, tmp_path, name="second-worker")
    try:
        wait_until(lambda: _statuses(app, "staff_alert") == ["sent"], TIMEOUT, "the resend", second)
        assert len(smtp_server.received()) == 1
        with app.app_context():
            assert db.session.get(NotificationMessage, uuid.UUID(message_id)).attempts == 2
    finally:
        second.stop()


@SERVER_STACKS
def test_a_permanent_failure_is_failed_at_once_and_shown_to_staff(
    stack: Stack, env: dict[str, str], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    worker = start_worker(env, tmp_path)
    try:
        app = stack.web_app()
        smtp_server.refuse_with = "550"
        _intake(app, "family", "priority", email_safe=False)

        wait_until(
            lambda: _statuses(app, "staff_alert") == ["failed"], TIMEOUT, "the failure", worker
        )
        with app.app_context():
            assert max(db.session.scalars(select(NotificationMessage.attempts))) == 1
            alert_id = db.session.scalars(select(StaffAlert.id)).one()
            client = app.test_client()
            sign_in_as(client, staff("viewer@example.net"))
            page = client.get(f"/staff/alerts/{alert_id}").get_data(as_text=True)
        assert "Failed" in page and "SMTP 550" in page
    finally:
        worker.stop()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_embedded_default_submitted_intake_pages_in_the_development_folder_until_acknowledged(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "clinic.yaml"
    settings.write_text(f"notifications: {{urgent_repeat_minutes: {REPEAT_MINUTES}}}\n")
    monkeypatch.setenv("CLINIC_SETTINGS", str(settings))
    env = {**stack.env, "CLINIC_SETTINGS": str(settings)}
    worker = start_worker(env, tmp_path)
    beat = start_beat(env, tmp_path)
    folder = stack.instance_path / "messages"

    def subjects() -> list[str]:
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        return [str(message_from_bytes(f.read_bytes())["Subject"]) for f in files]

    def pages() -> int:
        return sum(s.startswith("Urgent: a referral needs attention now") for s in subjects())

    try:
        app = stack.web_app()
        with app.app_context():
            staff("coordinator@example.net")  # no on-call contacts: coordinators are paged
            submit_intake(path="adult_self", subject_age=34, answers={"safety.now": 0})
            db.session.commit()

        wait_until(
            lambda: "Urgent: a referral needs attention" in subjects(), TIMEOUT, "the alert", worker
        )
        wait_until(lambda: pages() >= 2, TIMEOUT, "the page to repeat", worker)
        assert "development channel: message written to" in worker.output()
        with app.app_context():
            page = db.session.scalars(select(OnCallAlert)).one()
            client = app.test_client()
            sign_in_as(client, staff("acknowledger@example.net"))
            url = f"/staff/alerts/{page.staff_alert_id}"
            token = csrf_token(client, url)
            assert client.post(f"{url}/acknowledge", data={"csrf_token": token}).status_code == 302
        wait_until(lambda: _settled(app), TIMEOUT, "sends to settle", worker)
        after_ack = pages()
        _wait_for_a_sweep_after_repeat_intervals(worker, 3, lambda: _settled(app))  # none may come
        assert pages() == after_ack
    finally:
        beat.stop()
        worker.stop()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_without_a_mail_server_messages_go_to_the_development_folder(
    stack: Stack, tmp_path: Path
) -> None:
    worker = start_worker(stack.env, tmp_path)
    try:
        app = stack.web_app()
        _intake(app, "intake", "priority", email_safe=False)
        folder = stack.instance_path / "messages"

        def written() -> list[Path]:
            return sorted(folder.glob("*.eml")) if folder.exists() else []

        wait_until(lambda: len(written()) == 1, TIMEOUT, "the message file", worker)
        assert "Subject: A referral needs attention" in written()[0].read_text()
        assert "development channel: message written to" in worker.output()
    finally:
        worker.stop()
