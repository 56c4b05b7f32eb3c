"""The outbox publishes over one kept broker connection, and survives losing it.

Real Redis and RabbitMQ (a database or virtual host of the test's own), each behind
a TCP proxy (tests.support.tcp_proxy) that counts the connections made and can
drop them.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.broker import celery_app
from clinic.extensions import db
from clinic.models import OutboxMessage
from tests import factories
from tests.support.brokers import rabbitmq_vhost, redis_database
from tests.support.published import recording
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.usefixtures("app_context")

DEFAULT_PORTS = {"redis": 6379, "amqp": 5672}


@pytest.fixture(params=["redis", "rabbitmq"])
def proxy(request: pytest.FixtureRequest, app: Flask) -> Iterator[TcpProxy]:
    """The app's broker (as the web's Celery app uses it) behind a proxy."""
    own = redis_database() if request.param == "redis" else rabbitmq_vhost()
    with own as url:
        real = urlsplit(url)
        proxy = TcpProxy(real.hostname or "127.0.0.1", real.port or DEFAULT_PORTS[real.scheme])
        proxy.start()
        try:
            app.config["CELERY_BROKER_URL"] = proxy.url_for(url)
            celery_app.init_app(app)
            yield proxy
        finally:
            proxy.stop()


def _submit() -> OutboxMessage:
    submission = factories.submitted_intake()
    db.session.commit()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.target_id == str(submission.id))
    ).one()


def test_later_publishes_reuse_the_first_ones_connection(proxy: TcpProxy) -> None:
    with recording() as sent:
        first = _submit()
        connections = proxy.accepted
        later = [_submit() for _ in range(3)]
    assert [task_id for _, task_id in sent] == [str(row.id) for row in [first, *later]]
    assert connections >= 1
    assert proxy.accepted == connections


def test_a_kept_connection_the_broker_dropped_is_replaced_by_the_next_publish(
    proxy: TcpProxy,
) -> None:
    _submit()
    proxy.cut()  # the broker restarts while the connection is idle
    proxy.restore()
    with recording() as sent:
        row = _submit()
    assert sent == [(row.kind, str(row.id))]
    db.session.refresh(row)
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)
