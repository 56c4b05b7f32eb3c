"""Print the fault matrix's table from the records the fault tests wrote.

`make faults` runs this after pytest: one row per fault and stack, from the
JSON lines under test-artifacts/faults/ (tests.support.fault_record). Run it
alone to print the last run's table again: `python -m tests.support.fault_table`.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.support.fault_record import RECORDS

COLUMNS = (
    "Fault",
    "Stack",
    "Intakes",
    "Lost",
    "Dup. referrals",
    "Dup. client messages",
    "Submit p95 / max (s)",
    "Recovery (s)",
    "Result",
)


def _number(value: object) -> str:
    return "—" if value is None else str(value)


def _seconds(value: object) -> str:
    return "—" if not isinstance(value, int | float) else f"{value:.2f}"


def _row(record: dict[str, object]) -> list[str]:
    latency = (
        "—"
        if record["submit_p95"] is None
        else f"{_seconds(record['submit_p95'])} / {_seconds(record['submit_max'])}"
    )
    return [
        str(record["fault"]),
        str(record["stack"]),
        _number(record["submitted"]),
        _number(record["lost"]),
        _number(record["duplicate_referrals"]),
        _number(record["duplicate_client_messages"]),
        latency,
        _seconds(record["recovery_seconds"]),
        str(record["outcome"]),
    ]


def read_records(directory: Path = RECORDS) -> list[dict[str, object]]:
    records = []
    for path in sorted(directory.glob("records-*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text().splitlines() if line)
    return sorted(records, key=lambda record: (str(record["fault"]), str(record["stack"])))


def table(records: list[dict[str, object]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_row(record)) + " |" for record in records]
    origins = {str(record["fault"]): str(record["recovery_from"]) for record in records}
    notes = [f"- {fault}: recovery from {origin}." for fault, origin in sorted(origins.items())]
    return "\n".join([*lines, "", *notes])


def main() -> int:
    records = read_records()
    if not records:
        print(f"No fault records in {RECORDS.name}/: run `make faults`.", file=sys.stderr)
        return 1
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Fault matrix, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores,"
        f" load average at the end {load} (submit p95 is nearest-rank)"
    )
    print()
    print(table(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
