"""Recording the tasks this process publishes (Celery's `after_task_publish` signal)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.signals import after_task_publish


@contextmanager
def recording() -> Iterator[list[tuple[str, str]]]:
    """The (task name, task id) of each task the broker took inside the block."""
    sent: list[tuple[str, str]] = []

    def on_publish(sender: str | None = None, headers: Any = None, **_: Any) -> None:
        sent.append((str(sender), str((headers or {}).get("id"))))

    after_task_publish.connect(on_publish, weak=False)
    try:
        yield sent
    finally:
        after_task_publish.disconnect(on_publish)
