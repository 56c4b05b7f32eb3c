"""What each fault test measured, one JSON line per cell (a fault on one stack).

A fault test fills a `FaultRecord` as it runs: the intakes it submitted, the
lost and duplicated ones it counted, each submit's latency during the fault,
and the moments the fault ended and the system was seen back to normal (a
`wait_until` on an observable condition, never a sleep). The figures are
measured, never asserted: the tests assert 0 lost and 0 duplicates only.

Each pytest process appends its records to its own file under
test-artifacts/faults/ (xdist workers write apart); `python -m
tests.support.fault_table` merges them into the table `make faults` prints.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

RECORDS = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults"
T = TypeVar("T")


@dataclass
class FaultRecord:
    fault: str
    stack: str
    submitted: int | None = None
    lost: int | None = None
    duplicate_referrals: int | None = None
    duplicate_client_messages: int | None = None
    submit_seconds: list[float] = field(default_factory=list)
    fault_ended: float | None = None
    recovered: float | None = None
    recovery_from: str = "the fault's end until the system is seen back to normal"
    outcome: str = "unfinished"

    def timed_submit(self, submit: Callable[[], T]) -> T:
        """Run one submit during the fault and keep how long it took to answer."""
        started = time.monotonic()
        result = submit()
        self.submit_seconds.append(time.monotonic() - started)
        return result

    def fault_ends(self) -> None:
        self.fault_ended = time.monotonic()

    def back_to_normal(self) -> None:
        """Call right after the wait that observed the system back to normal."""
        self.recovered = time.monotonic()

    @contextmanager
    def recovery(self) -> Iterator[None]:
        """The fault ends on entry; the block waits until the system is seen normal again."""
        self.fault_ends()
        yield
        self.back_to_normal()

    def as_json(self) -> dict[str, object]:
        row = asdict(self)
        seconds = sorted(self.submit_seconds)
        row["submit_p95"] = _percentile(seconds, 0.95) if seconds else None
        row["submit_max"] = seconds[-1] if seconds else None
        row["recovery_seconds"] = (
            self.recovered - self.fault_ended
            if self.recovered is not None and self.fault_ended is not None
            else None
        )
        for moment in ("fault_ended", "recovered", "submit_seconds"):
            del row[moment]
        return row

    def write(self) -> None:
        RECORDS.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        with (RECORDS / f"records-{worker}.jsonl").open("a", encoding="utf-8") as file:
            file.write(json.dumps(self.as_json()) + "\n")


def _percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
