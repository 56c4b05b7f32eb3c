"""The worker and beat processes' app (`celery -A workers.entry`): every task, no page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from clinic.broker.names import TASK_QUEUES

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE_PACKAGES = ("clinic.api", "clinic.intake.pages", "clinic.staff", "clinic.web")

# A fresh interpreter: what the test run imported itself says nothing of a worker.
LOAD_THE_WORKER = """
import json, sys
import workers.entry as entry
print(json.dumps({
    "blueprints": sorted(entry.flask_app.blueprints),
    "modules": sorted(sys.modules),
    "tasks": sorted(entry.celery.tasks),
}))
"""


def _worker_process(instance: Path) -> dict[str, list[str]]:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'clinic.sqlite'}",
        "CELERY_BROKER_URL": "memory://",
    }
    done = subprocess.run(
        [sys.executable, "-c", LOAD_THE_WORKER],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: dict[str, list[str]] = json.loads(done.stdout)
    return loaded


def test_a_worker_has_every_task_and_loads_no_page(tmp_path: Path) -> None:
    worker = _worker_process(tmp_path)
    assert set(TASK_QUEUES) <= set(worker["tasks"])
    assert worker["blueprints"] == []
    pages = [
        module
        for module in worker["modules"]
        if any(module == package or module.startswith(f"{package}.") for package in PAGE_PACKAGES)
    ]
    assert pages == []
