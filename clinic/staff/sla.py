"""Service-level targets: how long a referral may wait for first contact, by priority.

Targets come from STAFF_SLA_TARGETS, e.g. `urgent=1h,priority=1wd,routine=5wd`
(`h` hours on the clock, `wd` working days Monday to Friday in the clinic's
time zone). A referral waits until it is marked contacted; once that target
passes while it still waits, it is breached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WAITING_STATUSES = ("new", "in_review", "accepted")
DUE_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class Target:
    amount: int
    unit: str  # "h" or "wd"

    def due(self, start: datetime, zone: ZoneInfo) -> datetime:
        if self.unit == "h":
            return start + timedelta(hours=self.amount)
        local = start.astimezone(zone)
        added = 0
        while added < self.amount:
            local += timedelta(days=1)
            if local.weekday() < 5:
                added += 1
        return local.astimezone(start.tzinfo)

    def label(self) -> str:
        if self.unit == "h":
            return f"{self.amount} hour{'s' if self.amount != 1 else ''}"
        return f"{self.amount} working day{'s' if self.amount != 1 else ''}"


def parse_targets(spec: str) -> dict[str, Target]:
    """`urgent=1h,priority=1wd,routine=5wd` -> targets by priority; ValueError if malformed."""
    targets: dict[str, Target] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        priority, _, value = part.partition("=")
        unit = "wd" if value.endswith("wd") else "h" if value.endswith("h") else ""
        amount = value.removesuffix(unit)
        if not unit or not amount.isdigit() or int(amount) < 1:
            raise ValueError(f"STAFF_SLA_TARGETS: {part!r} is not like urgent=1h or routine=5wd")
        targets[priority.strip()] = Target(int(amount), unit)
    return targets


@dataclass(frozen=True)
class SlaState:
    due: datetime | None
    breached: bool
    due_soon: bool

    @property
    def label(self) -> str:
        if self.due is None:
            return ""
        return "Overdue" if self.breached else "Due soon" if self.due_soon else "On time"


def sla_state(
    *,
    priority: str,
    status: str,
    created_at: datetime,
    now: datetime,
    targets: Mapping[str, Target],
    zone: ZoneInfo,
) -> SlaState:
    target = targets.get(priority)
    if target is None or status not in WAITING_STATUSES:
        return SlaState(None, False, False)
    due = target.due(created_at, zone)
    return SlaState(due, now > due, not now > due and due - now <= DUE_SOON)
