"""A broker of its own for each test on the shared Redis and RabbitMQ servers.

Tests on the real brokers run in parallel with everything else, and with other
runs on the same servers, without meeting each other's queues, workers or
broadcasts (a worker's `inspect` replies, its heartbeats):

- RabbitMQ: a virtual host made for the test, never used before, and deleted
  after it with every queue and exchange in it. rabbitmqctl is a slow command
  (an Erlang VM each time), so a test process makes its vhosts a few at a time
  (`rabbitmqctl import_definitions`, the vhosts and the URL user's permissions)
  and, inside `vhost_deletes_deferred` (the whole test session), deletes the used
  ones together at its end (one `rabbitmqctl eval`). Where rabbitmqctl
  cannot manage the server of TEST_AMQP_URL (not installed, another host, no
  rights), the test holds a lock on that server for its whole run instead (an
  exclusive queue, freed when its connection closes), so such tests take turns
  on the URL's own vhost, which each empties of queued tasks first.
- Redis: one of the numbered databases `REDIS_DATABASES` of TEST_REDIS_URL's
  server, leased for the test (a key with an expiry in the URL's own database,
  so a killed run frees it in time) and emptied before and after.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import redis
from kombu import Connection

from clinic.broker.names import Queues
from tests.support.services import service_url
from tests.support.waiting import wait_until

REDIS_DATABASES = range(8, 16)  # the tests' own; Redis has 16 databases by default
REDIS_LEASE_KEY = "clinic-tests:redis-database:{}"
REDIS_LEASE_SECONDS = 1800  # longer than any test; a killed run's lease expires
RABBITMQ_LOCK_QUEUE = "clinic-tests.shared-vhost-lock"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
RABBITMQCTL_TIMEOUT = 120.0
VHOSTS_AT_A_TIME = 4  # made by one rabbitmqctl call, used by a test each
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


_spare_vhosts: list[tuple[str, str]] = []  # (server URL, vhost) made and not used yet
_used_vhosts: list[str] | None = None  # to delete at the end of `vhost_deletes_deferred`


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """The URL of a RabbitMQ vhost of the test's own (or of the URL's, held for it alone)."""
    base_url = service_url("rabbitmq")
    vhost = _new_vhost(base_url)
    if vhost is None:
        with _shared_vhost_turn(base_url):
            yield base_url
        return
    try:
        yield _with_path(base_url, "/" + quote(vhost, safe=""))
    finally:
        if _used_vhosts is None:
            _delete_vhosts([vhost])
        else:
            _used_vhosts.append(vhost)


@contextmanager
def vhost_deletes_deferred() -> Iterator[None]:
    """Vhosts used in the block (and those made but not used) are deleted as it ends."""
    global _used_vhosts
    _used_vhosts = []
    try:
        yield
    finally:
        names = _used_vhosts + [vhost for _, vhost in _spare_vhosts]
        _used_vhosts = None
        _spare_vhosts.clear()
        if names:
            _delete_vhosts(names)


def _rabbitmqctl(*args: str) -> str | None:
    """What the command printed, or None when it failed or could not run."""
    try:
        done = subprocess.run(
            ["rabbitmqctl", "-q", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=RABBITMQCTL_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def _new_vhost(base_url: str) -> str | None:
    """A vhost for the URL's user, never used; None when rabbitmqctl cannot manage that server."""
    for number, (server, vhost) in enumerate(_spare_vhosts):
        if server == base_url:
            del _spare_vhosts[number]
            return vhost
    parts = urlsplit(base_url)
    if shutil.which("rabbitmqctl") is None or parts.hostname not in LOCAL_HOSTS:
        return None
    count = 1 if _used_vhosts is None else VHOSTS_AT_A_TIME
    names = [f"clinic-test-{uuid.uuid4().hex[:12]}" for _ in range(count)]
    user = unquote(parts.username or "guest")
    definitions = {
        "vhosts": [{"name": name} for name in names],
        "permissions": [
            {"user": user, "vhost": name, "configure": ".*", "write": ".*", "read": ".*"}
            for name in names
        ],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(definitions, file)
        file.flush()
        os.chmod(file.name, 0o644)  # rabbitmqctl reads it as the rabbitmq user
        made = _rabbitmqctl("import_definitions", file.name) is not None
    if not made:
        _delete_vhosts(names)
        return None
    url = _with_path(base_url, "/" + quote(names[0], safe=""))
    try:  # the local rabbitmqctl may manage another server than the URL's
        with Connection(url, connect_timeout=10) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception:
        _delete_vhosts(names)
        return None
    _spare_vhosts.extend((base_url, name) for name in names[1:])
    return names[0]


def _delete_vhosts(names: list[str]) -> None:
    """Delete the vhosts (those that exist) in one rabbitmqctl call, else one call each."""
    listed = ", ".join(f"<<{json.dumps(name)}>>" for name in names)
    left = _rabbitmqctl(
        "eval",
        f"Names = [{listed}], "
        '_ = [catch rabbit_vhost:delete(Name, <<"clinic-tests">>) || Name <- Names], '
        "length([Name || Name <- Names, rabbit_vhost:exists(Name)]).",
    )
    if left is None or left.strip() != "0":
        for name in names:
            _rabbitmqctl("delete_vhost", name)


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
