"""End-to-end routing latency: submit → referral committed, through a live worker.

PostgreSQL + Redis (or RabbitMQ), intakes submitted at a steady rate; the
latency of each is `routed_at - submitted_at` as the database recorded them.

Run (services as in .ci/run):
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/0 \\
    .venv/bin/python -m bench.bench_routing_e2e --count 200 --rate 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from clinic.extensions import db
from clinic.intake.services import submit_intake
from clinic.models import IntakeSubmission
from tests.e2e.conftest import _make_stack
from tests.support.processes import start_worker, wait_until

ANSWERS = {"safety.now": 1, "phq9.9": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_routing_e2e", description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="intakes to submit (200)")
    parser.add_argument("--rate", type=float, default=10.0, help="intakes per second (10)")
    parser.add_argument(
        "--broker", choices=("redis", "rabbitmq"), default="redis", help="broker (redis)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("REQUIRE_SERVICES", "1")

    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        for stack in _make_stack(f"postgres-{args.broker}", tmp):
            worker = start_worker(stack.env, tmp)
            try:
                app = stack.web_app()
                with app.app_context():
                    started = time.monotonic()
                    for n in range(args.count):
                        submit_intake(
                            path="adult_self", subject_age=30, answers=ANSWERS, contact={}
                        )
                        db.session.commit()
                        time.sleep(max(0.0, started + (n + 1) / args.rate - time.monotonic()))

                    def all_routed() -> bool:
                        db.session.rollback()
                        routed = select(func.count()).where(IntakeSubmission.status == "routed")
                        return db.session.scalar(routed) == args.count

                    wait_until(all_routed, 300, "every intake routed", worker)
                    rows = db.session.execute(
                        select(IntakeSubmission.submitted_at, IntakeSubmission.routed_at)
                    ).all()
            finally:
                worker.stop()
    latencies = sorted((routed - submitted).total_seconds() * 1000 for submitted, routed in rows)
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"{args.count} intakes at {args.rate:g}/s on PostgreSQL + {args.broker}: "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
