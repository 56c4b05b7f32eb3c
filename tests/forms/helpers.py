"""Answer builders for the forms tests."""

from __future__ import annotations

from forms import get_definition


def with_total(instrument: str, total: int, **extra: int | None) -> dict[str, int | None]:
    """Answers to every scored item of ``instrument`` that sum to ``total`` (greedy fill)."""
    answers: dict[str, int | None] = {}
    remaining = total
    for item in get_definition(instrument).scored_items:
        value = min(item.max_code, remaining)
        answers[item.id] = value
        remaining -= value
    assert remaining == 0, f"{instrument} cannot reach {total}"
    answers.update({key.replace("_", "."): value for key, value in extra.items()})
    return answers


def all_items(instrument: str, value: int | None) -> dict[str, int | None]:
    """Every scored item of ``instrument`` answered with ``value``."""
    return {item.id: value for item in get_definition(instrument).scored_items}
