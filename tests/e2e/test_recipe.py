"""The README's production recipe runs as written, in order, on a fresh PostgreSQL
database with each server broker, and the deployment it makes routes intakes.

Only the operator's own addresses (lines marked `# yours`) take the test's values;
the secrets are made by the recipe's own commands. The long-running commands
(gunicorn, the worker, beat) are started in the background in the recipe's order.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from clinic.models.encryption import KeyRing
from tests.e2e.conftest import own_broker
from tests.support.brokers import redis_database
from tests.support.processes import LiveProcess
from tests.support.recipe import Command, commands, recipe_block
from tests.support.services import create_postgres_database, drop_postgres_database, service_url
from tests.support.smtp import SmtpServer, free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
READY_TEXT = {"gunicorn": "Booting worker", "celery": "ready.", "beat": "beat: Starting"}
ADULT_PTSD = {
    "path": "adult_self",
    "subject_age": 30,
    "answers": {"safety.now": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}},
}


@pytest.fixture(params=("postgres-redis", "postgres-rabbitmq"))
def machines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The test's stand-ins for the operator's machines, as the `# yours` values."""
    with ExitStack() as cleanup:
        smtp = SmtpServer()
        smtp.start()
        cleanup.callback(smtp.stop)
        database_url = create_postgres_database(service_url("postgres"))
        cleanup.callback(drop_postgres_database, database_url)
        yield {
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": cleanup.enter_context(own_broker(request.param)),
            "RATELIMIT_STORAGE_URI": cleanup.enter_context(redis_database()),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "CLINIC_BASE_URL": f"http://127.0.0.1:{free_port()}",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        }


def _machine_environment(tmp_path: Path) -> dict[str, str]:
    """This machine, less any clinic setting: the recipe sets what it needs."""
    from config.settings import SETTINGS

    names = {setting.name for setting in SETTINGS} | {"TRUSTED_PROXY_HOPS"}
    env = {key: value for key, value in os.environ.items() if key not in names}
    return {
        **env,
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_USE_TLS": "false",  # the test's SMTP server has no STARTTLS
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "GUNICORN_WORKERS": "2",
    }


def _export(command: Command, env: dict[str, str]) -> str:
    """The value an `export` line gives its variable, run by bash as written."""
    script = f'{command.line}\nprintf %s "${command.export}"'
    result = subprocess.run(
        ["bash", "-c", script], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{command.line}\n{result.stderr}"
    return result.stdout


def _run(command: Command, env: dict[str, str], password: str) -> str:
    stdin = f"{password}\n{password}\n" if " staff create " in command.line else None
    result = subprocess.run(
        ["bash", "-c", command.line],
        env=env,
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command.line}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _start(command: Command, env: dict[str, str], log_dir: Path, number: int) -> LiveProcess:
    name = "beat" if " beat" in command.line else command.line.split()[0]
    process = LiveProcess(
        name, ["bash", "-c", f"exec {command.line}"], env, log_dir / f"{number}-{name}.log"
    )
    process.wait_for_output(READY_TEXT[name])
    return process


def _api(base: str, token: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _metrics(base: str, token: str) -> str:
    """The web's /metrics: every process of the machine (multiprocess mode)."""
    request = urllib.request.Request(
        base + "/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(response.read().decode())


def test_the_production_recipe_runs_as_written(machines: dict[str, str], tmp_path: Path) -> None:
    recipe = commands(recipe_block())
    assert {c.export for c in recipe if c.yours} == set(machines)
    env = _machine_environment(tmp_path)
    password = secrets.token_urlsafe(18)
    processes: list[LiveProcess] = []
    outputs = {}
    try:
        for number, command in enumerate(recipe):
            if command.export:
                env[command.export] = (
                    machines[command.export] if command.yours else _export(command, env)
                )
            elif command.long_running:
                processes.append(_start(command, env, tmp_path, number))
            else:
                outputs[command.line] = _run(command, env, password)
        assert env["APP_ENV"] == "production"
        assert len(env["SECRET_KEY"]) == 64
        assert KeyRing.parse(env["ENCRYPTION_KEYS"]).primary_id
        doctor = next(out for line, out in outputs.items() if line.endswith(" doctor"))
        assert "UNSAFE" not in doctor

        coordinator = [
            "flask", "--app", "clinic", "staff", "create", "--email", "kiosk@clinic.example",
            "--name", "Kiosk", "--role", "intake_coordinator",
        ]  # fmt: skip
        subprocess.run(coordinator, env=env, cwd=REPO, input=f"{password}\n{password}\n",
                       text=True, check=True, capture_output=True, timeout=120)  # fmt: skip
        created = subprocess.run(
            ["flask", "--app", "clinic", "staff", "token", "create", "kiosk@clinic.example"],
            env=env, cwd=REPO, text=True, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        token = created.stdout.strip().splitlines()[-1]
        base = f"http://{env['GUNICORN_BIND']}"
        submission_id = _api(base, token, "/api/v1/intakes", ADULT_PTSD)["id"]
        wait_until(
            lambda: _api(base, token, f"/api/v1/intakes/{submission_id}")["status"] == "routed",
            90,
            "the intake to be routed",
            processes[1],
        )
        routed = _api(base, token, f"/api/v1/intakes/{submission_id}")
        assert [(r["queue"], r["priority"]) for r in routed["referrals"]] == [("emdr", "routine")]
        with urllib.request.urlopen(base + "/readyz", timeout=30) as response:
            assert response.status == 200
        wait_until(
            lambda: (
                "clinic_beat_heartbeat_timestamp_seconds " in _metrics(base, env["METRICS_TOKEN"])
            ),
            60,
            "beat's heartbeat in the web's /metrics",
            processes[2],
        )
        scraped = _metrics(base, env["METRICS_TOKEN"])
        assert 'clinic_intakes_submitted_total{path="adult_self"} 1.0' in scraped  # web
        assert 'clinic_intakes_routed_total{path="adult_self",status="routed"} 1.0' in scraped
        assert "clinic_beat_heartbeat_timestamp_seconds " in scraped  # beat
    finally:
        for process in reversed(processes):
            process.stop()
