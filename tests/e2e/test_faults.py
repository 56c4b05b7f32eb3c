"""Fault tests: half-failures of the database and the brokers, on Redis and on RabbitMQ.

Each puts a real service behind a TcpProxy (tests/support/tcp_proxy.py) and
makes it fail as networks do — a connection cut mid-transaction, a broker that
stops answering — or runs two sweeps at once, and checks that no intake is lost
and none is routed twice. "Bounded" is asserted without timing: the submit
returns (with BROKER_PUBLISH_TIMEOUT small) and its outbox row is left for the
sweep. `make faults` runs them.

Each cell records what it measured (tests.support.fault_record): intakes
submitted, lost and routed twice, submit latency during the fault, and the time
from the fault's end until every intake is seen routed. Times are measured and
printed in `make faults`'s table, never asserted.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from kombu import Connection
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from clinic.api.tokens import create_token
from clinic.broker.names import Queues
from clinic.extensions import db
from clinic.models import AuditEvent, IntakeSubmission, OutboxMessage, Referral
from tests import factories
from tests.e2e.conftest import ProxiedStack, Stack, _make_stack
from tests.support.fault_record import FaultRecord
from tests.support.processes import LiveProcess, start_beat, start_worker, wait_until
from tests.support.tcp_proxy import TcpProxy
from workers.celery_app import init_celery
from workers.tasks.outbox import sweep_outbox

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

ROUTING_TIMEOUT = 120.0
INTAKE = {"path": "adult_self", "subject_age": 30, "answers": {"safety.now": 1}}
QUICK_RETRIES = {"TASK_RETRY_MIN_DELAY": "0.5", "TASK_RETRY_MAX_DELAY": "2"}
SUBMITS_DURING_FAULT = 10
Recorder = Callable[[str, str], FaultRecord]


@pytest.fixture(params=("postgres-redis", "postgres-rabbitmq"))
def server_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    yield from _make_stack(request.param, tmp_path)


def _count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _statuses(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(IntakeSubmission.status)))


def _tally(app: Flask, record: FaultRecord, intakes: int) -> None:
    """Count into `record` the intakes not routed and the routings beyond one per intake."""
    with app.app_context():
        routed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "submission.routed")
        ).all()
        referrals = _count(app, Referral)
    record.submitted = intakes
    record.lost = intakes - _statuses(app).count("routed")
    record.duplicate_referrals = (len(routed) - len({event.target_id for event in routed})) + (
        referrals - sum(len(event.detail["referrals"]) for event in routed)
    )


def _assert_each_routed_once(app: Flask, intakes: int) -> None:
    """0 lost intakes, 0 duplicate referrals: every intake routed, by one routing each."""
    assert _statuses(app) == ["routed"] * intakes
    assert _count(app, AuditEvent, AuditEvent.action == "submission.routed") == intakes
    with app.app_context():
        routed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "submission.routed")
        ).all()
        referrals_recorded = sum(len(event.detail["referrals"]) for event in routed)
    assert _count(app, Referral) == referrals_recorded


def _locks_waited_on(engine: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            or 0
        )


def test_a_database_connection_cut_mid_transaction_is_retried(
    server_stack: Stack, tmp_path: Path, fault_record: Recorder
) -> None:
    """The worker's database connection dies mid-transaction; meanwhile clients keep
    submitting (the web node's own connection is whole)."""
    stack = server_stack
    record = fault_record("Database connection cut mid-transaction", stack.name)
    record.recovery_from = "the connection restored until every intake is routed"
    url = make_url(stack.database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = stack.web_app()
    with app.app_context():
        submission_id = str(factories.submitted_intake().id)
        db.session.commit()  # published at once: the worker below takes it
    locker = create_engine(stack.database_url)
    worker: LiveProcess | None = None
    try:
        with locker.connect() as connection:
            # The row is locked before the worker starts, so its routing transaction
            # always stops mid-way on it (a worker started first could route it at once).
            transaction = connection.begin()
            connection.execute(
                text("SELECT id FROM intake_submission WHERE id = :id FOR UPDATE"),
                {"id": submission_id},
            )
            worker = start_worker({**stack.env, **QUICK_RETRIES, "DATABASE_URL": proxied}, tmp_path)
            wait_until(
                lambda: _locks_waited_on(locker) >= 1,
                60,
                "the routing transaction to wait on the row, mid-transaction",
                worker,
            )
            proxy.cut()  # its connection dies with the transaction open
            transaction.rollback()
        client, headers = app.test_client(), _api(app)
        for _ in range(SUBMITS_DURING_FAULT):
            response = record.timed_submit(
                lambda: client.post("/api/v1/intakes", json=INTAKE, headers=headers)
            )
            assert response.status_code == 201
        wait_until(lambda: "Retry in" in worker.output(), 60, "the task to retry", worker)
        proxy.restore()

        intakes = 1 + SUBMITS_DURING_FAULT
        with record.recovery():
            wait_until(
                lambda: _statuses(app) == ["routed"] * intakes, ROUTING_TIMEOUT, "routing", worker
            )
        _tally(app, record, intakes)
        _assert_each_routed_once(app, intakes)
        assert "PendingRollbackError" not in worker.output()
        assert "raised unexpected" not in worker.output()
    finally:
        if worker is not None:
            worker.stop()
        locker.dispose()
        proxy.stop()


def _api(app: Flask) -> dict[str, str]:
    with app.app_context():
        token = create_token(factories.staff_user(), "faults")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_broker_partition_never_holds_a_submit_and_loses_nothing(
    proxied_stack: ProxiedStack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault_record: Recorder,
) -> None:
    """Redis and RabbitMQ stop answering (connections open, nothing passes) for the web
    node, the worker and beat alike: each submit still answers, its row is left pending
    (RabbitMQ: no confirm, so not "published"), and once the partition heals the worker
    and beat, still running, route every one."""
    monkeypatch.setenv("BROKER_PUBLISH_TIMEOUT", "1")
    stack, proxy = proxied_stack.stack, proxied_stack.proxy
    broker = {"postgres-redis": "Redis", "postgres-rabbitmq": "RabbitMQ"}[stack.name]
    record = fault_record(f"{broker} partition", stack.name)
    record.recovery_from = "the partition healed until every intake is routed"
    app = stack.web_app()
    headers = _api(app)
    client = app.test_client()
    env = {**stack.env, "BROKER_PUBLISH_TIMEOUT": "1"}
    worker = start_worker(env, tmp_path)
    beat = start_beat(env, tmp_path)
    try:
        proxy.stall()
        for _ in range(SUBMITS_DURING_FAULT):
            response = record.timed_submit(
                lambda: client.post("/api/v1/intakes", json=INTAKE, headers=headers)
            )
            assert response.status_code == 201  # it answered; the partition did not hold it
        with app.app_context():
            rows = db.session.scalars(select(OutboxMessage)).all()
            assert [row.status for row in rows] == ["pending"] * SUBMITS_DURING_FAULT
            assert all(row.last_error for row in rows)
        assert proxy.accepted >= 1  # the publish did reach the (stalled) broker

        proxy.restore()
        with record.recovery():
            wait_until(
                lambda: _statuses(app) == ["routed"] * SUBMITS_DURING_FAULT,
                ROUTING_TIMEOUT,
                "routing",
                worker,
            )
        _tally(app, record, SUBMITS_DURING_FAULT)
        _assert_each_routed_once(app, SUBMITS_DURING_FAULT)
    finally:
        beat.stop()
        worker.stop()


def _queued_task_ids(broker_url: str) -> list[str]:
    ids = []
    with Connection(broker_url, connect_timeout=5) as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(Queues.ROUTING, no_ack=True)) is not None:
            ids.append(str(message.headers["id"]))
    return ids


def test_two_concurrent_sweeps_never_publish_the_same_row(
    server_stack: Stack, tmp_path: Path, fault_record: Recorder
) -> None:
    stack = server_stack
    record = fault_record("Two sweeps at once", stack.name)
    record.recovery_from = "a worker ready after the sweeps until every intake is routed"
    rows = stack.pending_intakes(40)
    app = stack.web_app()
    start = threading.Barrier(2)
    taken: list[int] = []

    init_celery(app)  # the sweeps run as the worker runs them, on this stack's app

    def sweep() -> None:
        start.wait()
        taken.append(sweep_outbox())

    sweeps = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in sweeps:
        thread.start()
    for thread in sweeps:
        thread.join()

    queued = _queued_task_ids(stack.broker_url)
    assert sorted(queued) == sorted(rows)  # each row published once: none twice, none lost
    assert sum(taken) == len(rows)
    assert _count(app, OutboxMessage, OutboxMessage.status == "published") == len(rows)

    with app.app_context():  # published again, now for the worker to route them
        db.session.execute(update(OutboxMessage).values(status="pending"))
        db.session.commit()
        assert sweep_outbox() == len(rows)
    worker = start_worker(stack.env, tmp_path)
    try:
        with record.recovery():
            wait_until(
                lambda: _statuses(app) == ["routed"] * len(rows),
                ROUTING_TIMEOUT,
                "routing",
                worker,
            )
        _tally(app, record, len(rows))
        _assert_each_routed_once(app, len(rows))
    finally:
        worker.stop()


def test_the_proxy_cuts_stalls_and_restores() -> None:
    """The proxy itself, on a tiny echo server: what each fault does to a client."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    received: list[bytes] = []

    def echo() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=_echo, args=(connection, received), daemon=True).start()

    threading.Thread(target=echo, daemon=True).start()
    proxy = TcpProxy("127.0.0.1", server.getsockname()[1]).start()
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as client:
            client.sendall(b"one")
            assert client.recv(16) == b"one"
            proxy.stall()
            client.sendall(b"two")
            wait_until(lambda: proxy.held == 1, 10, "the proxy to hold the data back")
            assert received == [b"one"]  # it never reached the server
            proxy.restore()
            assert client.recv(16) == b"two"  # held back, then delivered
            proxy.cut()
            assert client.recv(16) == b""  # dropped
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as late:
            assert late.recv(16) == b""  # while cut, a new connection is closed at once
        proxy.restore()
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as again:
            again.sendall(b"three")
            assert again.recv(16) == b"three"
    finally:
        proxy.stop()
        server.close()


def _echo(connection: socket.socket, received: list[bytes]) -> None:
    with connection:
        while data := connection.recv(16):
            received.append(data)
            connection.sendall(data)
