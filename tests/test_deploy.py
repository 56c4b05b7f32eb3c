"""deploy/: the process files start every queue's pool once, and nginx accepts the site."""

from __future__ import annotations

import re
from pathlib import Path

from clinic.broker.names import Queues
from tests.support.nginx import check_config, render_site
from tests.support.smtp import free_port

REPO = Path(__file__).resolve().parent.parent
UNITS = REPO / "deploy" / "systemd"


def _queues(command: str) -> list[str]:
    match = re.search(r"--queues (\S+)", command)
    return match.group(1).split(",") if match else []


def test_the_worker_units_consume_every_queue_exactly_once() -> None:
    consumed = []
    for unit in sorted(UNITS.glob("clinic-worker-*.service")):
        [start] = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
        consumed += _queues(start)
    assert sorted(consumed) == sorted(Queues.all())
    beat = (UNITS / "clinic-beat.service").read_text()
    assert "workers.entry beat" in beat
    web = (UNITS / "clinic-web.service").read_text()
    assert "--config deploy/gunicorn.conf.py" in web and "ExecReload=/bin/kill -HUP" in web


def test_the_procfile_runs_web_routing_in_its_own_pool_a_worker_on_the_rest_and_beat() -> None:
    entries = dict(
        line.split(": ", 1) for line in (REPO / "Procfile").read_text().splitlines() if line
    )
    assert set(entries) == {"web", "routing", "worker", "beat"}
    assert _queues(entries["routing"]) == [Queues.ROUTING]
    consumed = _queues(entries["routing"]) + _queues(entries["worker"])
    assert sorted(consumed) == sorted(Queues.all())


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    config = render_site(
        tmp_path / "nginx", http_port=free_port(), https_port=free_port(), upstreams=[free_port()]
    )
    result = check_config(config)
    assert result.returncode == 0, result.stderr
