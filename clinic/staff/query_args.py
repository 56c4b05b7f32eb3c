"""Query-string values the console's lists take: a day, an event id. A value that does
not parse is ignored (the filter is left off); one that parses but lies outside what
the database can compare (year 9999, an id past 64 bits) is a 400, never a 500."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from werkzeug.exceptions import BadRequest

FIRST_YEAR = 1900
LAST_YEAR = 9000
"""Days outside these years are refused: nothing the clinic keeps is dated there, and the
last days of the calendar overflow once a day and a time zone are added."""

MAX_EVENT_ID = 2**63 - 1


def day_start(raw: str | None, zone: ZoneInfo, days_after: int = 0) -> datetime | None:
    """The start of the day `raw` (YYYY-MM-DD) in `zone`, `days_after` days later."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadRequest(f"Choose a date between the years {FIRST_YEAR} and {LAST_YEAR}.")
    return datetime.combine(day + timedelta(days=days_after), time(), tzinfo=zone)


def event_id_before(raw: str | None) -> int | None:
    """An audit event id to page before: digits, or None."""
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    if value > MAX_EVENT_ID:
        raise BadRequest("That page of the audit log does not exist.")
    return value
