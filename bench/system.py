"""`make bench-system`: the project against a bare stack, side by side, on PostgreSQL + Redis.

Everything runs under gunicorn with production settings (`APP_ENV=production`,
deploy/gunicorn.conf.py) on a database and a Redis database of the run's own,
dropped and emptied at the end. The baseline (`bench/baseline_app.py`) is bare
Flask + Flask-SQLAlchemy doing one INSERT of the same JSON; figures about the
submit path are ratios against it, measured alternately (project, baseline,
project, ...) and repeated, so the machine's load at the time weighs on both.

Prints, as the README's table rows:

- POST /api/v1/intakes throughput at W=2 and W=4 gunicorn workers, project /
  baseline (median of the repeats, and their range);
- web CPU, SQL statements and commits per submit (CPU from the gunicorn workers'
  /proc counters during the throughput runs; statements and commits counted in
  process, on the same settings);
- worker drain rate: intakes queued with no worker, then one routing worker
  (concurrency 2, the `routing` queue, as the production layout's routing pool)
  started, until every one is routed;
- submit -> routed p50/p95 at 10, 20 and 50 intakes per second, with the
  production layout's routing pool and a second worker for every other queue
  (the staff alerts' sends), both live and warmed up by 40 intakes first (the
  database's own submitted_at and routed_at);
- the console at BENCH_REFERRALS referrals (default 1,000,000, seeded by COPY):
  dashboard first page, one queue + one status page, /staff/overview (p95 of
  sequential requests), the CSV export of one queue (time, and the serving
  worker's peak memory growth).

The load generator is this script (threads on keep-alive connections, standard
library only) on the same machine: it takes CPU from both sides alike.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/0 \\
    .venv/bin/python -m bench.system [--quick] [--only submit|drain|latency|console]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyotp
import redis
from sqlalchemy import Engine, create_engine, event, select, text

from bench import baseline_app
from clinic import create_app
from clinic.api.tokens import create_token
from clinic.broker.names import Queues
from clinic.extensions import db
from clinic.models import IntakeSubmission
from tests import factories
from tests.conftest import TEST_BASE_URL, TEST_ENCRYPTION_KEYS, TEST_SECRET_KEY, apply_migrations
from tests.support.brokers import redis_database
from tests.support.processes import start_worker
from tests.support.services import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = {"safety.now": 1, "phq9.9": 1, **{f"pcptsd5.{n}": 1 for n in range(6)}}
BODY = json.dumps({"path": "adult_self", "subject_age": 30, "answers": ANSWERS, "contact": {}})
QUEUES = ("family", "play", "dbt", "emdr", "intake")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CLIENTS = 8
WARM_PER_WORKER = 12
"""Console requests per gunicorn worker before the measured ones (see `_p95`)."""
PROJECT = "clinic:create_app()"
PROJECT_DIR = [ROOT]
"""Where the project's web app is served from (--project-dir: another checkout, to compare)."""
BASELINE = "bench.baseline_app:create_app()"
"""Concurrent connections of the throughput runs (both sides)."""


# The load generator -------------------------------------------------------------------------


@dataclass
class Http:
    """One keep-alive connection, with the cookies the server set."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        data = response.read()
        for raw in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.headers.get("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, response.headers, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def closed_loop(port: int, headers: dict[str, str], seconds: float) -> int:
    """CLIENTS connections posting BODY back to back for `seconds`: the 201s answered."""
    deadline = time.monotonic() + seconds
    done = [0] * CLIENTS

    def client(n: int) -> None:
        http = Http(port)
        while time.monotonic() < deadline:
            status, _, _ = http.request("POST", "/api/v1/intakes", BODY, headers)
            if status == 201:
                done[n] += 1
        http.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done)


def paced(port: int, headers: dict[str, str], rate: float, count: int) -> list[str]:
    """`count` submits at `rate` per second (open loop); the ids answered."""
    local = threading.local()
    ids: list[str] = []

    def one() -> None:
        if not hasattr(local, "http"):
            local.http = Http(port)
        status, _, data = local.http.request("POST", "/api/v1/intakes", BODY, headers)
        if status == 201:
            ids.append(json.loads(data)["id"])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for n in range(count):
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            pool.submit(one)
    return ids


# Servers ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command's name: fields[11] is utime, [13] cutime."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        """The CPU of the live workers, and of those gunicorn has recycled (`max_requests`)
        since it started: the master's waited-for children."""
        ticks = os.sysconf("SC_CLK_TCK")
        master = _stat_fields(self.process.pid)
        total = int(master[13]) + int(master[14])  # cutime, cstime
        for pid in self.worker_pids():
            fields = _stat_fields(pid)
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def memory_kib(self, key: str) -> dict[int, int]:
        """Each worker's VmRSS or VmHWM (peak) in KiB."""
        found = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    found[pid] = int(line.split()[1])
        return found


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, log: Path) -> Iterator[Gunicorn]:
    port = _free_port()
    run_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": str(log.with_suffix(".access")),
    }
    argv = [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", app]
    cwd = PROJECT_DIR[0] if app == PROJECT else ROOT
    run_env["PYTHONPATH"] = str(cwd)
    with log.open("ab") as out:
        process = subprocess.Popen(argv, env=run_env, cwd=cwd, stdout=out, stderr=out)
    server = Gunicorn(process, port)
    try:
        deadline = time.monotonic() + 60
        while len(server.worker_pids()) < workers or not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} did not start: see {log}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# The run's own services -----------------------------------------------------------------------


@dataclass
class Services:
    database_url: str
    redis_url: str
    scratch: Path
    token: str = ""
    staff_email: str = ""

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "APP_ENV": "production",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.redis_url,
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
            "CLINIC_BASE_URL": TEST_BASE_URL,
            "INSTANCE_PATH": str(self.scratch / "instance"),
            "LOG_LEVEL": "WARNING",
            "GUNICORN_LOG_LEVEL": "warning",
        }

    def app_config(self) -> dict[str, Any]:
        return {
            "INSTANCE_PATH": str(self.scratch / "instance"),
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "CELERY_BROKER_URL": self.redis_url,
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
            "CLINIC_BASE_URL": TEST_BASE_URL,
        }

    def flush_redis(self) -> None:
        redis.Redis.from_url(self.redis_url).flushdb()

    def scalar(self, sql: str, **params: Any) -> Any:
        """One value read on the run's own small engine: the drain and latency runs poll
        with it, so it must cost next to nothing beside the processes measured (a Flask
        app per poll took about a second of CPU each, half the machine at five polls
        a second)."""
        with self.engine.connect() as connection:
            return connection.scalar(text(sql), params)

    @cached_property
    def engine(self) -> Engine:
        return create_engine(self.database_url, pool_size=1)


@contextmanager
def services() -> Iterator[Services]:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        raise SystemExit("needs PostgreSQL at TEST_DATABASE_URL (or BENCH_DATABASE_URL)")
    with ExitStack() as cleanup:
        scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        (scratch / "instance").mkdir()
        redis_url = cleanup.enter_context(redis_database())
        database_url = create_postgres_database(base)
        cleanup.callback(drop_postgres_database, database_url)
        apply_migrations(database_url, scratch / "instance")
        baseline_app.create_table(database_url)
        found = Services(database_url, redis_url, scratch)
        cleanup.callback(lambda: found.engine.dispose())  # before the database is dropped
        app = create_app(found.app_config())
        with app.app_context():
            user = factories.staff_user(email="bench@example.org", display_name="Bench")
            user.mfa_secret = TOTP_SECRET
            user.mfa_confirmed_at = datetime.now(UTC)
            found.token = create_token(user, "bench")
            found.staff_email = user.email
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        print(f"# own database and Redis database; logs in {scratch}", flush=True)
        yield found


# Submit: throughput, CPU, statements and commits ----------------------------------------------


def _per_submit_in_process(s: Services, baseline: bool, count: int = 50) -> tuple[float, float]:
    """SQL statements and commits per submit, counted in the app's own process."""
    if baseline:
        os.environ["DATABASE_URL"] = s.database_url
        app = baseline_app.create_app()
        engine_of: Callable[[], Any] = lambda: baseline_app.db.engine  # noqa: E731
        headers: dict[str, str] = {}
    else:
        app = create_app({**s.app_config(), "APP_ENV": "production"})
        engine_of = lambda: db.engine  # noqa: E731
        headers = {"Authorization": f"Bearer {s.token}"}
    statements, commits = [0], [0]
    with app.app_context():
        engine = engine_of()

        def on_statement(*_args: Any) -> None:
            statements[0] += 1

        def on_commit(*_args: Any) -> None:
            commits[0] += 1

        client = app.test_client()
        client.post("/api/v1/intakes", data=BODY, headers=headers, content_type="application/json")
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "commit", on_commit)
        for _ in range(count):
            response = client.post(
                "/api/v1/intakes", data=BODY, headers=headers, content_type="application/json"
            )
            assert response.status_code == 201, response.get_data(as_text=True)
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)
        engine.dispose()
    return statements[0] / count, commits[0] / count


def _project_per_submit(s: Services) -> tuple[float, float]:
    """`_per_submit_in_process` of the project served: with --project-dir, counted by that
    checkout's own code in a process of its own."""
    if PROJECT_DIR[0] == ROOT:
        return _per_submit_in_process(s, baseline=False)
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from bench import system\n"
        "s = system.Services(sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4])\n"
        "print(json.dumps(system._per_submit_in_process(s, baseline=False)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, s.database_url, s.redis_url, str(s.scratch), s.token],
        cwd=PROJECT_DIR[0],
        env={**s.env(), "PYTHONPATH": str(PROJECT_DIR[0])},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    statements, commits = json.loads(output.strip().splitlines()[-1])
    return float(statements), float(commits)


def bench_submit(s: Services, repeats: int, seconds: float) -> list[str]:
    headers = {"Authorization": f"Bearer {s.token}", "Content-Type": "application/json"}
    lines = []
    cpu: dict[str, list[float]] = {"project": [], "baseline": []}
    for workers in (2, 4):
        ratios, rates = [], {"project": [], "baseline": []}
        for n in range(repeats):
            order = ("project", "baseline") if n % 2 == 0 else ("baseline", "project")
            for side in order:
                app = PROJECT if side == "project" else BASELINE
                log = s.scratch / f"{side}-w{workers}.log"
                with gunicorn(app, s.env(), workers, log) as server:
                    closed_loop(server.port, headers, 2)  # warm up
                    before = server.cpu_seconds()
                    done = closed_loop(server.port, headers, seconds)
                    cpu[side].append((server.cpu_seconds() - before) / max(done, 1))
                rates[side].append(done / seconds)
                s.flush_redis()  # the project's routing tasks: no worker runs here
            ratios.append(rates["project"][-1] / rates["baseline"][-1])
            print(
                f"# W={workers} run {n + 1}: project {rates['project'][-1]:.0f}/s, "
                f"baseline {rates['baseline'][-1]:.0f}/s",
                flush=True,
            )
        lines.append(
            f"| POST /api/v1/intakes throughput vs bare insert, W={workers} | "
            f"**{statistics.median(ratios):.2f}×** (runs {min(ratios):.2f}–{max(ratios):.2f}; "
            f"project {statistics.median(rates['project']):.0f}/s, "
            f"bare {statistics.median(rates['baseline']):.0f}/s) |"
        )
    statements, commits = _project_per_submit(s)
    bare_statements, bare_commits = _per_submit_in_process(s, baseline=True)
    lines.append(
        "| web CPU / SQL statements / commits per submit | "
        f"{statistics.median(cpu['project']) * 1000:.1f} ms / {statements:.1f} / {commits:.1f} "
        f"(bare: {statistics.median(cpu['baseline']) * 1000:.1f} ms / {bare_statements:.1f} / "
        f"{bare_commits:.1f}) |"
    )
    return lines


# Worker: drain rate and submit -> routed latency ----------------------------------------------


ROUTING_POOL = (Queues.ROUTING,)
"""The production layout's routing pool (deploy/systemd/clinic-worker-routing.service)."""
OTHER_QUEUES = tuple(queue for queue in Queues.all() if queue != Queues.ROUTING)
WARM_UP_INTAKES = 40
"""Submitted and routed before the latency is measured (not counted)."""


def _routed(s: Services, ids: Sequence[str]) -> int:
    return int(
        s.scalar(
            "SELECT count(*) FROM intake_submission WHERE routed_at IS NOT NULL "
            "AND id = ANY(CAST(:ids AS uuid[]))",
            ids=list(ids),
        )
    )


def _wait_routed(s: Services, ids: Sequence[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _routed(s, ids) == len(ids):
            return True
        time.sleep(0.2)
    return False


def bench_drain(s: Services, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {s.token}", "Content-Type": "application/json"}
    s.flush_redis()
    with gunicorn(PROJECT, s.env(), 2, s.scratch / "drain-web.log") as server:
        ids = paced(server.port, headers, 1000, count)
    worker = start_worker(s.env(), s.scratch, name="drain-worker", queues=ROUTING_POOL)
    before = _routed(s, ids)  # the worker may take some before it says it is ready
    started = time.monotonic()
    try:
        finished = _wait_routed(s, ids, 600)
        took = time.monotonic() - started
    finally:
        worker.stop()
    counted = (len(ids) if finished else _routed(s, ids)) - before
    rate = f"{counted / took:.1f} intakes/s"
    if not finished:
        return [
            "| worker drain rate, one routing worker, concurrency 2 | "
            f"{rate} ({counted + before} of {len(ids)} in {took:.0f} s) |"
        ]
    return [
        "| worker drain rate, one routing worker, concurrency 2 | "
        f"**{rate}** ({len(ids)} queued intakes; {before} routed before the worker said ready, "
        "not counted) |"
    ]


def bench_latency(s: Services, seconds: float) -> list[str]:
    headers = {"Authorization": f"Bearer {s.token}", "Content-Type": "application/json"}
    s.flush_redis()
    cells = []
    worker = start_worker(s.env(), s.scratch, name="latency-worker", queues=ROUTING_POOL)
    others = start_worker(s.env(), s.scratch, name="latency-others", queues=OTHER_QUEUES)
    try:
        with gunicorn(PROJECT, s.env(), 2, s.scratch / "latency-web.log") as server:
            # Warm up, as a system that has been up a while: each process's first tasks
            # and requests open connections and prepare statements.
            _wait_routed(s, paced(server.port, headers, 10, WARM_UP_INTAKES), 120)
            for rate in (10, 20, 50):
                ids = paced(server.port, headers, rate, int(rate * seconds))
                all_routed = _wait_routed(s, ids, 300)
                cells.append(f"{rate}/s: {_percentiles(s, ids, all_routed)}")
                print(f"# submit -> routed: {cells[-1]}", flush=True)
    finally:
        worker.stop()
        others.stop()
    return [f"| submit → routed p50 / p95, live worker | {'; '.join(cells)} |"]


def _percentiles(s: Services, ids: Sequence[str], all_routed: bool) -> str:
    app = create_app(s.app_config())
    with app.app_context():
        rows = db.session.execute(
            select(IntakeSubmission.submitted_at, IntakeSubmission.routed_at).where(
                IntakeSubmission.id.in_([uuid.UUID(i) for i in ids])
            )
        ).all()
        db.session.remove()
        db.engine.dispose()
    waits = sorted(
        (routed - submitted).total_seconds() * 1000
        for submitted, routed in rows
        if routed is not None and submitted is not None
    )
    if not waits:
        return "none routed in 300 s"
    p50 = statistics.median(waits)
    p95 = waits[int(0.95 * (len(waits) - 1))]
    unrouted = "" if all_routed else f" ({len(ids) - len(waits)} not routed in 300 s)"
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms{unrouted}"


# Console at scale -----------------------------------------------------------------------------


def _copy_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterator[Sequence[Any]]
) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(s: Services, referrals: int) -> None:
    """`referrals` referrals (a fifth as many intakes, each referred to every queue), two
    years of them, about 6 % still open; a first `contacted` step for most of the others,
    and a flag on a tenth of the intakes. Loaded with COPY, then vacuumed and analysed."""
    intakes = max(1, referrals // len(QUEUES))
    now = datetime.now(UTC)
    spacing = timedelta(days=730) / intakes
    rng = random.Random(13)
    open_statuses = ("new", "in_review", "accepted", "contacted", "scheduled")
    done_statuses = ("closed", "closed", "closed", "declined", "rerouted")
    app = create_app(s.app_config())
    started = time.monotonic()
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            plan = [(uuid.uuid4(), now - n * spacing) for n in range(intakes)]
            _copy_rows(
                cursor,
                "intake_submission",
                (
                    "id",
                    "path",
                    "status",
                    "definitions_version",
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "routed_at",
                    "submitted_partial",
                ),
                ((i, "adult_self", "routed", "bench", at, at, at, at, False) for i, at in plan),
            )
            _copy_rows(
                cursor,
                "submission_flag",
                ("submission_id", "flag"),
                ((i, "partner_safety") for n, (i, _) in enumerate(plan) if n % 10 == 0),
            )
            events: list[tuple[uuid.UUID, datetime]] = []

            def referral_rows() -> Iterator[tuple[Any, ...]]:
                for intake, at in plan:
                    young = now - at < timedelta(days=21)
                    for rank, queue in enumerate(QUEUES):
                        r = rng.random()
                        priority = "urgent" if r < 0.05 else "priority" if r < 0.25 else "routine"
                        status = rng.choice(open_statuses if young else done_statuses)
                        ident = uuid.uuid4()
                        created = at + timedelta(seconds=rank)
                        if status not in ("new", "in_review", "accepted", "declined"):
                            events.append((ident, created + timedelta(hours=rng.uniform(2, 120))))
                        yield (ident, intake, queue, rank, priority, status, 1, created, now)

            _copy_rows(
                cursor,
                "referral",
                (
                    "id",
                    "submission_id",
                    "queue",
                    "rank",
                    "priority",
                    "status",
                    "version",
                    "created_at",
                    "updated_at",
                ),
                referral_rows(),
            )
            _copy_rows(
                cursor,
                "referral_event",
                ("referral_id", "kind", "from_status", "to_status", "detail", "created_at"),
                ((ident, "transition", "accepted", "contacted", "{}", at) for ident, at in events),
            )
            connection.commit()
        finally:
            connection.close()
        # A database that grew to this size over two years has been vacuumed: its
        # visibility map lets index-only scans skip the table, as they would there.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as vacuum:
            vacuum.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    took = time.monotonic() - started
    print(f"# seeded {intakes * len(QUEUES):,} referrals by COPY in {took:.0f} s", flush=True)


def _sign_in(port: int, email: str) -> Http:
    http = Http(port)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    _, _, page = http.request("GET", "/staff/login")
    token = _csrf(page)
    data = {"email": email, "password": factories.STAFF_PASSWORD, "csrf_token": token}
    status, headers, _ = http.request("POST", "/staff/login", urlencode(data), form)
    assert status == 302, status
    code_url = headers["Location"]
    _, _, page = http.request("GET", code_url)
    data = {"code": pyotp.TOTP(TOTP_SECRET).now(), "csrf_token": _csrf(page)}
    status, _, _ = http.request("POST", code_url, urlencode(data), form)
    assert status == 302, status
    return http


def _csrf(page: bytes) -> str:
    match = CSRF.search(page.decode())
    assert match, "no CSRF token"
    return match.group(1)


def _p95(server: Gunicorn, http: Http, path: str, times: int) -> str:
    """p95 and p50 of `times` sequential requests, and the web workers' CPU per request
    (steadier than wall time on a busy machine), once the workers are warm: each has built
    its query shapes and opened its connection, and PostgreSQL keeps a plan for a statement
    from about its tenth use on a connection (psycopg prepares it at the fifth; five custom
    plans follow), as on a server that has been up a while."""
    for _ in range(WARM_PER_WORKER * len(server.worker_pids())):
        http.request("GET", path)
    cpu = server.cpu_seconds()
    took = []
    for _ in range(times):
        started = time.perf_counter()
        status, _, _ = http.request("GET", path)
        took.append((time.perf_counter() - started) * 1000)
        assert status == 200, (path, status)
    cpu_ms = (server.cpu_seconds() - cpu) / times * 1000
    took.sort()
    p95 = took[int(0.95 * (len(took) - 1))]
    return f"p95 {p95:.0f} ms (p50 {statistics.median(took):.0f} ms; web CPU {cpu_ms:.0f} ms)"


def bench_console(s: Services, referrals: int, times: int) -> list[str]:
    seed(s, referrals)
    size = f"{referrals:,} referrals"
    with gunicorn(PROJECT, s.env(), 2, s.scratch / "console-web.log") as server:
        http = _sign_in(server.port, s.staff_email)
        dashboard = _p95(server, http, "/staff", times)
        one_queue = _p95(server, http, "/staff/queues/emdr?status=new", times)
        overview = _p95(server, http, "/staff/overview", max(5, times // 5))
        before = server.memory_kib("VmRSS")
        cpu = server.cpu_seconds()
        started = time.perf_counter()
        status, _, body = http.request("GET", "/staff/queues/emdr/export.csv?status=closed")
        export_s = time.perf_counter() - started
        export_cpu = server.cpu_seconds() - cpu
        assert status == 200, status
        peak = server.memory_kib("VmHWM")
        growth = max(peak[pid] - before.get(pid, peak[pid]) for pid in peak) / 1024
        rows = sum(1 for _ in io.StringIO(body.decode())) - 1
        http.close()
    return [
        f"| staff dashboard first page, {size} | {dashboard} |",
        f"| one queue + one status page, {size} | {one_queue} |",
        f"| /staff/overview, {size} | {overview} |",
        f"| CSV export, {rows:,} rows (one queue, closed) | {export_s:.2f} s (web CPU "
        f"{export_cpu:.2f} s), worker peak memory +{growth:.0f} MiB |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.system", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, 100,000 referrals")
    parser.add_argument(
        "--only", choices=("submit", "drain", "latency", "console"), action="append"
    )
    parser.add_argument("--repeats", type=int, default=3, help="alternated runs per W (3)")
    parser.add_argument(
        "--project-dir",
        type=Path,
        help="serve the project's web app from this checkout (e.g. an older one) instead",
    )
    args = parser.parse_args(argv)
    if args.project_dir:
        PROJECT_DIR[0] = args.project_dir.resolve()
    quick = args.quick
    referrals = int(os.environ.get("BENCH_REFERRALS", 100_000 if quick else 1_000_000))
    parts = args.only or ["submit", "drain", "latency", "console"]
    os.environ.setdefault("REQUIRE_SERVICES", "1")
    lines = []
    with services() as s:
        if "submit" in parts:
            lines += bench_submit(s, args.repeats, 10 if quick else 20)
        if "drain" in parts:
            lines += bench_drain(s, 300 if quick else 1000)
        if "latency" in parts:
            lines += bench_latency(s, 10 if quick else 20)
        if "console" in parts:
            lines += bench_console(s, referrals, 20 if quick else 50)
    machine = f"{os.cpu_count()} cores, PostgreSQL + Redis, gunicorn, production settings"
    print(f"\n{datetime.now(UTC):%Y-%m-%d}, {machine}")
    print("| what | result |\n|---|---|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
