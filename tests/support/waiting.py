"""Waiting for what a test can observe, never for a fixed time.

`wait_until` polls a condition until it holds. Its timeout is a generous bound
so that a hung process cannot hang the run, not a speed assertion: on a busy
machine a test waits longer and still passes. Waiting on a live process gives
up at once, with the process's output, when the process has exited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

DEFAULT_TIMEOUT = 120.0
POLL_SECONDS = 0.2
OUTPUT_TAIL = 4000


class Watched(Protocol):
    """A live process whose early exit ends the wait (see tests.support.processes)."""

    name: str

    def exited(self) -> bool: ...

    def output(self) -> str: ...


def wait_until(
    condition: Callable[[], bool],
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "the condition",
    process: Watched | None = None,
) -> None:
    """Return as soon as `condition()` is true; fail saying `what` was awaited otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if process is not None and process.exited():
            raise AssertionError(
                f"{process.name} exited while waiting for {what}:\n{_tail(process)}"
            )
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    tail = f"\n{process.name} output:\n{_tail(process)}" if process is not None else ""
    raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}{tail}")


def _tail(process: Watched) -> str:
    return process.output()[-OUTPUT_TAIL:]
