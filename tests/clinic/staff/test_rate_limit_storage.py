"""With RATELIMIT_STORAGE_URI on Redis, sign-in failures are counted there (shared by
every web process), under hashed keys that never hold an email address."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
import redis

from clinic import create_app
from clinic.extensions import db
from tests.conftest import app_overrides, fresh_sqlite_database
from tests.support.html import csrf_token

pytestmark = pytest.mark.redis


def test_failed_sign_ins_are_counted_in_redis(tmp_path: Path, redis_url: str) -> None:
    url = fresh_sqlite_database(tmp_path / "clinic.sqlite")
    app = create_app(
        app_overrides(
            url,
            tmp_path / "instance",
            RATELIMIT_STORAGE_URI=redis_url,
        )
    )
    server = redis.Redis.from_url(redis_url)
    try:
        client = app.test_client()
        email = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
        hashed = hashlib.sha256(email.encode()).hexdigest()
        for _ in range(5):
            token = csrf_token(client, "/staff/login")
            data = {"email": email, "password": "wrong password!!", "csrf_token": token}
            assert client.post("/staff/login", data=data).status_code == 200
        token = csrf_token(client, "/staff/login")
        data = {"email": email, "password": "wrong password!!", "csrf_token": token}
        assert client.post("/staff/login", data=data).status_code == 429
        assert server.keys(f"*account:{hashed}*")
        assert not server.keys("*nobody*")
    finally:
        for key in server.keys(f"*account:{hashed}*") + server.keys("*sign-in-ip*"):
            server.delete(key)
        with app.app_context():
            db.engine.dispose()
