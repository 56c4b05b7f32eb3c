"""A broker of its own for each test on the shared Redis and RabbitMQ servers.

Tests on the real brokers run in parallel with everything else, and with other
runs on the same servers, without meeting each other's queues, workers or
broadcasts (a worker's `inspect` replies, its heartbeats):

- RabbitMQ: a virtual host made for the test (`rabbitmqctl add_vhost`) and
  deleted after it, with every queue and exchange in it. Where rabbitmqctl
  cannot manage the server of TEST_AMQP_URL (not installed, another host, no
  rights), the test holds a lock on that server for its whole run instead (an
  exclusive queue, freed when its connection closes), so such tests take turns
  on the URL's own vhost, which each empties of queued tasks first.
- Redis: one of the numbered databases `REDIS_DATABASES` of TEST_REDIS_URL's
  server, leased for the test (a key with an expiry in the URL's own database,
  so a killed run frees it in time) and emptied before and after.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import redis
from kombu import Connection

from tests.support.services import service_url
from tests.support.waiting import wait_until
from workers.queues import Queues

REDIS_DATABASES = range(8, 16)  # the tests' own; Redis has 16 databases by default
REDIS_LEASE_KEY = "clinic-tests:redis-database:{}"
REDIS_LEASE_SECONDS = 1800  # longer than any test; a killed run's lease expires
RABBITMQ_LOCK_QUEUE = "clinic-tests.shared-vhost-lock"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
RABBITMQCTL_TIMEOUT = 120.0
WAIT_FOR_A_TURN = 900.0  # other tests may hold every database, or the lock, that long


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


@contextmanager
def redis_database() -> Iterator[str]:
    """The URL of a Redis database of the test's own, empty."""
    base_url = service_url("redis")
    leases = redis.Redis.from_url(base_url)
    token = uuid.uuid4().hex
    leased: list[int] = []

    def lease_one() -> bool:
        for number in REDIS_DATABASES:
            key = REDIS_LEASE_KEY.format(number)
            if leases.set(key, token, nx=True, ex=REDIS_LEASE_SECONDS):
                leased.append(number)
                return True
        return False

    try:
        wait_until(lease_one, WAIT_FOR_A_TURN, "a free Redis database for the test")
        url = _with_path(base_url, f"/{leased[0]}")
        own = redis.Redis.from_url(url)
        own.flushdb()
        try:
            yield url
        finally:
            own.flushdb()
            own.close()
            if leases.get(REDIS_LEASE_KEY.format(leased[0])) == token.encode():
                leases.delete(REDIS_LEASE_KEY.format(leased[0]))
    finally:
        leases.close()


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """The URL of a RabbitMQ vhost of the test's own (or of the URL's, held for it alone)."""
    base_url = service_url("rabbitmq")
    vhost = f"clinic-test-{uuid.uuid4().hex[:12]}"
    if not _add_vhost(base_url, vhost):
        with _shared_vhost_turn(base_url):
            yield base_url
        return
    try:
        yield _with_path(base_url, "/" + quote(vhost, safe=""))
    finally:
        _rabbitmqctl("delete_vhost", vhost)


def _rabbitmqctl(*args: str) -> bool:
    try:
        subprocess.run(
            ["rabbitmqctl", "-q", *args],
            check=True,
            capture_output=True,
            timeout=RABBITMQCTL_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _add_vhost(base_url: str, vhost: str) -> bool:
    """Make `vhost` for the URL's user; False when rabbitmqctl cannot manage that server."""
    parts = urlsplit(base_url)
    if shutil.which("rabbitmqctl") is None or parts.hostname not in LOCAL_HOSTS:
        return False
    user = unquote(parts.username or "guest")
    if not (
        _rabbitmqctl("add_vhost", vhost)
        and _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    ):
        _rabbitmqctl("delete_vhost", vhost)
        return False
    url = _with_path(base_url, "/" + quote(vhost, safe=""))
    try:  # the local rabbitmqctl may manage another server than the URL's
        with Connection(url, connect_timeout=10) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception:
        _rabbitmqctl("delete_vhost", vhost)
        return False
    return True


@contextmanager
def _shared_vhost_turn(base_url: str) -> Iterator[None]:
    """Hold the server-wide lock for the URL's own vhost, and empty its queues of tasks."""
    with Connection(base_url, connect_timeout=10) as connection:

        def lock_taken() -> bool:
            try:
                connection.channel().queue_declare(
                    queue=RABBITMQ_LOCK_QUEUE, exclusive=True, auto_delete=True
                )
            except connection.channel_errors:  # another connection holds it
                return False
            return True

        wait_until(lock_taken, WAIT_FOR_A_TURN, "a turn on the shared RabbitMQ vhost")
        channel = connection.channel()
        for queue in Queues.all():
            try:
                channel.queue_purge(queue)
            except connection.channel_errors:  # not declared yet: nothing to empty
                channel = connection.channel()
        yield
