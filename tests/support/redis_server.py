"""A private redis-server on a free local port, for tests that need its configuration
(persistence on or off) rather than a database on the shared server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.support.services import services_required
from tests.support.smtp import free_port
from tests.support.waiting import wait_until


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def private_redis(folder: Path, *, appendonly: bool) -> Iterator[str]:
    """The URL of a redis-server of the test's own, with or without an append-only file."""
    binary = shutil.which("redis-server")
    if binary is None:
        if services_required():
            pytest.fail("REQUIRE_SERVICES=1 but redis-server is not installed", pytrace=False)
        pytest.skip("redis-server is not installed")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    argv += ["--save", "", "--appendonly", "yes" if appendonly else "no"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until(lambda: _answers(url), 30, "the private redis-server to answer")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
