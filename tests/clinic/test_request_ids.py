"""Each web request has an id: in its logs and its `X-Request-ID` header; a sane
incoming id is kept, anything else replaced. Logs are JSON in production, text
otherwise."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.observability import logs


@pytest.mark.parametrize("incoming", ["nginx-7f3a9c21", "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_a_sane_incoming_request_id_is_kept(client: FlaskClient, incoming: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming", ["", "short", "x" * 200, "id with spaces", "<script>1</script>"]
)
def test_any_other_request_id_is_replaced_by_a_new_one(client: FlaskClient, incoming: str) -> None:
    first = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    second = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_id_ends_with_its_request(app: Flask) -> None:
    """In the thread that served it (a plain client, not the suite's isolating one),
    after every other teardown has seen it."""
    seen: list[str | None] = []

    @app.teardown_request
    def last_but_one(_exc: BaseException | None) -> None:
        seen.append(logs.current("request_id"))

    def serve() -> str | None:
        FlaskClient(app).get("/healthz", headers={"X-Request-ID": "req-ended-0001"})
        return logs.current("request_id")

    assert contextvars.Context().run(serve) is None
    assert seen == ["req-ended-0001"]


def _capture(fmt: str) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(
        logs.json_formatter() if fmt == "json" else logging.Formatter(logs.TEXT_FORMAT)
    )
    return stream, handler


def test_a_request_logs_one_json_object_per_line_with_its_id(
    app: Flask, client: FlaskClient
) -> None:
    stream, handler = _capture("json")
    logger = logging.getLogger("clinic")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)

    @app.get("/test-logs")
    def logged() -> str:
        logging.getLogger("clinic.test").info("a line\nwith a newline in it")
        return "ok"

    try:
        response = client.get("/test-logs", headers={"X-Request-ID": "req-logged-0001"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    assert response.status_code == 200
    [line] = [line for line in stream.getvalue().splitlines() if "a line" in line]
    record = json.loads(line)
    assert record["level"] == "INFO"
    assert record["logger"] == "clinic.test"
    assert record["request_id"] == "req-logged-0001"
    assert record["task_id"] is None and record["outbox_id"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", record["time"])


def test_production_logs_json_and_development_text() -> None:
    assert logs.log_format({"APP_ENV": "production"}) == "json"
    assert logs.log_format({"APP_ENV": "development"}) == "text"
    assert logs.log_format({"APP_ENV": "production", "LOG_FORMAT": "text"}) == "text"
    stream, handler = _capture("text")
    record = logging.LogRecord("clinic.x", logging.INFO, "", 0, "routed", (), None)

    def log_in_a_task() -> None:
        with logs.bound(task_id="t-1", outbox_id="o-1"):
            handler.handle(record)

    contextvars.Context().run(log_in_a_task)  # no id an earlier test left in this thread
    assert stream.getvalue().endswith("INFO clinic.x [task_id=t-1 outbox_id=o-1]: routed\n")
