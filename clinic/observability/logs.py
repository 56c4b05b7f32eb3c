"""Logs: one JSON object per line in production, readable text in development.

Every record carries the ids that let one intake be followed from the web
request through its routing task to the messages it sends: `request_id` (the
web request's, also in its `X-Request-ID` header, passed on to every task
published while serving it and to the tasks those publish), `task_id` (the
Celery task running) and `outbox_id` (the outbox row being published or run;
a task's id is its outbox row's id). They are context variables, set by the
web request hooks (clinic.web.request_ids), by the outbox while it publishes,
and by the workers' task signals.

Log messages carry ids, kinds and exception class names, never an answer, a
contact detail or a resume code (tests feed canary values and read the logs).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

from pythonjsonlogger.json import JsonFormatter

CONTEXT_FIELDS: Final = ("request_id", "task_id", "outbox_id")
_CONTEXT: Final = {name: ContextVar[str | None](name, default=None) for name in CONTEXT_FIELDS}
HANDLER_NAME: Final = "clinic"
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


def current(name: str) -> str | None:
    """The id `name` of what is running now (None outside a request or task)."""
    return _CONTEXT[name].get()


@contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """Records logged inside carry these ids (the others stay as they are)."""
    tokens = {name: _CONTEXT[name].set(value) for name, value in ids.items()}
    try:
        yield
    finally:
        for name, token in tokens.items():
            _CONTEXT[name].reset(token)


def bind(**ids: str | None) -> None:
    """Set ids until they are set again (a request or task hook's start)."""
    for name, value in ids.items():
        _CONTEXT[name].set(value)


class ContextFilter(logging.Filter):
    """Adds the correlation ids to each record, and `context`, their text form."""

    def filter(self, record: logging.LogRecord) -> bool:
        present = []
        for name in CONTEXT_FIELDS:
            value = _CONTEXT[name].get()
            setattr(record, name, value)
            if value:
                present.append(f"{name}={value}")
        record.context = f" [{' '.join(present)}]" if present else ""
        return True


def json_formatter() -> logging.Formatter:
    """time, level, logger, message and the correlation ids, one object per line."""
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        static_fields={},
        defaults={name: None for name in CONTEXT_FIELDS},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        reserved_attrs=[*_RESERVED, "context"],
    )


_RESERVED: Final = [
    name for name in logging.LogRecord("", 0, "", 0, "", (), None).__dict__ if name != "message"
] + ["taskName"]


def log_format(config: Mapping[str, Any]) -> str:
    """`json` or `text`: LOG_FORMAT, else json in production."""
    chosen = str(config.get("LOG_FORMAT") or "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    return "json" if config.get("APP_ENV") == "production" else "text"


def configure(config: Mapping[str, Any], level: str | int | None = None) -> None:
    """The root logger writes to stderr in the chosen format, with the ids (once: a
    second call replaces the handler it made)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.name = HANDLER_NAME
    handler.addFilter(ContextFilter())
    if log_format(config) == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.name != HANDLER_NAME] + [handler]
    root.setLevel(level or config.get("LOG_LEVEL") or "INFO")
