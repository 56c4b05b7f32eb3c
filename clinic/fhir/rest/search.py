"""Search parameters the FHIR interface understands, turned into SQL filters.

`_lastUpdated` (with the prefixes eq, ne is not supported, gt, ge, lt, le), `status`,
`subject` (`Patient/<id>`), `based-on` and `target` (`ServiceRequest/<id>`), `_count`
(at most 200) and `_offset` for paging. An unknown parameter or a value that cannot
be read is a 400 with an OperationOutcome, never silently ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import InstrumentedAttribute

from clinic.fhir import codes

DEFAULT_COUNT = 50
MAX_COUNT = 200
PAGING = ("_count", "_offset")


class SearchError(ValueError):
    """A search parameter the server cannot use; the message says which and why."""


@dataclass(frozen=True)
class Page:
    count: int
    offset: int


def page_of(args: Mapping[str, str]) -> Page:
    count = _whole(args.get("_count"), "_count", DEFAULT_COUNT)
    offset = _whole(args.get("_offset"), "_offset", 0)
    return Page(min(max(count, 1), MAX_COUNT), offset)


def _whole(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise SearchError(f"{name} must be a whole number")
    return int(value)


def check_known(args: Mapping[str, str], known: tuple[str, ...]) -> None:
    for name in args:
        if name not in known and name not in PAGING:
            allowed = ", ".join((*known, *PAGING))
            raise SearchError(f"unknown search parameter {name!r} (this resource takes {allowed})")


def last_updated(
    value: str, column: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime]
) -> ColumnElement[bool]:
    """`_lastUpdated=ge2026-01-01` and the like, as a filter on `column`."""
    prefix, text = (
        (value[:2], value[2:]) if value[:2] in ("eq", "gt", "ge", "lt", "le") else ("eq", value)
    )
    start, end = _instant_range(text)
    if prefix == "gt":
        return column >= end
    if prefix == "ge":
        return column >= start
    if prefix == "lt":
        return column < start
    if prefix == "le":
        return column < end
    return and_(column >= start, column < end)


def _instant_range(text: str) -> tuple[datetime, datetime]:
    """The instants a date or date-time stands for: a day, or one second."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(), tzinfo=UTC)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise SearchError(f"_lastUpdated {text!r} is not a date or date-time") from None
    if moment.tzinfo is None:
        raise SearchError("_lastUpdated with a time must give its time zone")
    try:
        return moment, moment + timedelta(seconds=1)
    except OverflowError:
        raise SearchError(f"_lastUpdated {text!r} is out of range") from None


def reference_id(value: str, resource_type: str, parameter: str) -> uuid.UUID:
    """`Patient/<uuid>` (or the bare id) as the id it names."""
    text = value.removeprefix(f"{resource_type}/").removeprefix(
        f"{codes.base_url()}/{resource_type}/"
    )
    try:
        return uuid.UUID(text)
    except ValueError:
        raise SearchError(f"{parameter} must be {resource_type}/<id>") from None


def statuses(value: str, mapping: Mapping[str, str], parameter: str) -> set[str]:
    """Our states whose FHIR status is one of the comma-separated `value`."""
    wanted = set(value.split(","))
    unknown = wanted - set(mapping.values())
    if unknown:
        raise SearchError(f"{parameter} must be one of {', '.join(sorted(set(mapping.values())))}")
    return {ours for ours, theirs in mapping.items() if theirs in wanted}
