"""decide() per intake: target well under 1 ms.

Run: .venv/bin/python -m pytest bench/bench_decide.py --benchmark-only
"""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from referrals import Facts, decide, load_rules

RULES = load_rules()

INTAKES = {
    "adult-many-queues": (
        Facts(
            {
                "suicide_risk": ["ASQ non_acute_positive", "phq9.9 = 2"],
                "ptsd_screen": ["PC-PTSD-5 score 4 (positive at 3)"],
                "dysregulation": ["reg.1 = 4 (emotions hard to control in the past month)"],
                "couples_interest": ["rship.1 = 1", "rship.2 = 1", "rship.3 = 1"],
                "partner_risk": ["rship.4 = 1 (afraid of the partner)"],
                "parenting_concern": ["parent.2 = 1 (worried about their parenting)"],
            }
        ),
        34,
    ),
    "adult-nothing-matched": (Facts(), 40),
    "child": (Facts({"relational_indicator": ["Family APGAR total 3 (6 or below)"]}), 7),
}

MAX_MEAN_SECONDS = 0.001


@pytest.mark.parametrize("intake", list(INTAKES))
def test_decide(benchmark: BenchmarkFixture, intake: str) -> None:
    facts, age = INTAKES[intake]
    decision = benchmark(decide, facts, age, RULES)
    assert decision.referrals
    assert benchmark.stats is not None
    assert benchmark.stats.stats.mean < MAX_MEAN_SECONDS


@pytest.mark.parametrize("intake", list(INTAKES))
def test_decide_and_record(benchmark: BenchmarkFixture, intake: str) -> None:
    """What the routing task does per intake: decide, then the JSON record to store."""
    facts, age = INTAKES[intake]
    benchmark(lambda: decide(facts, age, RULES).as_dict())
    assert benchmark.stats is not None
    assert benchmark.stats.stats.mean < MAX_MEAN_SECONDS
