"""FHIR bulk export of 10,000 routed intakes: peak memory of the process writing it.

Seeds a fresh PostgreSQL database with 10,000 routed intakes (each a copy of one
real adult intake routed to DBT and EMDR: its answers, scores, decision and
referral explanations, encrypted again for each row), then runs the export task's
work in a child process and reports that process's peak RSS and the resources
written. The goal is flat memory: under 200 MB whatever the number of intakes.

Run (needs PostgreSQL at TEST_DATABASE_URL; seeding takes a minute or two):
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    .venv/bin/python -m bench.bench_fhir_export [--intakes 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from clinic import create_app
from clinic.extensions import db
from clinic.fhir import bulk_files
from clinic.intake.services import submit_intake
from clinic.models import FhirExport, IntakeSubmission, Referral
from clinic.models.columns import utcnow
from clinic.models.unit_of_work import unit_of_work
from clinic.routing.record import record_routing
from clinic.security.instance_secrets import new_encryption_key_entry
from clinic.staff.services import create_staff_user
from tests.conftest import app_overrides, apply_migrations
from tests.support.services import create_postgres_database, drop_postgres_database

ANSWERS = {"safety.now": 1, "phq9.9": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}}
BATCH = 500


def seed(intakes: int) -> uuid.UUID:
    """The intakes, and an export of everything asked for by a coordinator; its id."""
    template_id = submit_intake(path="adult_self", subject_age=34, answers=ANSWERS, contact={})
    db.session.commit()
    with unit_of_work():
        record_routing(str(template_id))
    template = db.session.get_one(IntakeSubmission, template_id)
    referrals = [(r.queue, r.rank, r.priority, r.explanation) for r in template.referrals]
    for start in range(0, intakes - 1, BATCH):
        for _ in range(min(BATCH, intakes - 1 - start)):
            copy = IntakeSubmission(
                id=uuid.uuid4(),
                path=template.path,
                status="routed",
                definitions_version=template.definitions_version,
                rules_version=template.rules_version,
                submitted_at=template.submitted_at,
                routed_at=utcnow(),
                answers=template.answers,
                contact=template.contact,
                scores=template.scores,
                decision=template.decision,
            )
            db.session.add(copy)
            for queue, rank, priority, explanation in referrals:
                db.session.add(
                    Referral(
                        id=uuid.uuid4(),
                        submission=copy,
                        queue=queue,
                        rank=rank,
                        priority=priority,
                        status="new",
                        explanation=explanation,
                    )
                )
        db.session.commit()
    owner = create_staff_user(
        email="bench@example.org",
        display_name="Bench",
        password="a long bench password 2026",
        role="intake_coordinator",
    )
    export = FhirExport(
        id=uuid.uuid4(),
        owner_id=owner.id,
        resource_types=list(bulk_files.EXPORTABLE),
        queues=["dbt", "emdr", "intake"],
        request_url="bench",
    )
    db.session.add(export)
    db.session.commit()
    return export.id


def write(export_id: str) -> None:
    """In the child: the export task's work, then the resources written per type."""
    with unit_of_work():
        bulk_files.write_export(uuid.UUID(export_id))
    export = db.session.get(FhirExport, uuid.UUID(export_id))
    assert export is not None and export.output is not None
    for item in export.output:
        print(f"  {item['type']:<22} {item['count']:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--intakes", type=int, default=10_000)
    parser.add_argument("--write", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        keys = os.environ["BENCH_ENCRYPTION_KEYS"]
        overrides = app_overrides(args.database, Path(args.instance), ENCRYPTION_KEYS=keys)
        with create_app(overrides).app_context():
            write(args.write)
        return
    url = create_postgres_database(os.environ["TEST_DATABASE_URL"])
    instance = Path(tempfile.mkdtemp(prefix="bench-fhir-"))
    try:
        apply_migrations(url, instance)
        keys = new_encryption_key_entry("bench")
        with create_app(app_overrides(url, instance, ENCRYPTION_KEYS=keys)).app_context():
            export_id = seed(args.intakes)
            db.engine.dispose()
        print(f"FHIR bulk export of {args.intakes} intakes:")
        child = [sys.executable, "-m", "bench.bench_fhir_export", "--write", str(export_id)]
        child += ["--database", url, "--instance", str(instance)]
        subprocess.run(child, check=True, env={**os.environ, "BENCH_ENCRYPTION_KEYS": keys})
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS of the exporting process: {peak_mb:.0f} MB (goal: under 200 MB)")
    finally:
        drop_postgres_database(url)


if __name__ == "__main__":
    main()
