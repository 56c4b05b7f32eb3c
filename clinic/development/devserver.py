"""`make run`: the whole system on one machine, on the embedded default.

Applies migrations, creates the demo (first run only: staff accounts and synthetic
intakes, `clinic/development/demo_cli.py`), then starts the web app, a Celery worker and
Celery beat as child processes. The demo logins are printed once the worker says it
is ready, so they are not lost among its start-up lines. Ctrl-C (or any child exiting)
stops all of them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from typing import IO

from clinic.broker.names import Queues


def celery_commands(
    python: str, hostname: str | None = None, queues: tuple[str, ...] = Queues.all()
) -> dict[str, list[str]]:
    """Worker (consuming every declared queue unless told) and beat command lines."""
    celery = [python, "-m", "celery", "-A", "workers.entry"]
    worker = [*celery, "worker", "--loglevel", "INFO", "--queues", ",".join(queues)]
    worker += ["--concurrency", "2"]
    if hostname:
        worker += ["--hostname", hostname]
    return {"worker": worker, "beat": [*celery, "beat", "--loglevel", "INFO"]}


def worker_environment(host: str, port: int) -> dict[str, str]:
    """The workers' environment: links in messages on the address the web app serves on,
    unless CLINIC_BASE_URL says otherwise (the web app itself uses the browser's)."""
    env = dict(os.environ)
    if not env.get("CLINIC_BASE_URL"):
        env["CLINIC_BASE_URL"] = f"http://{host}:{port}"
    return env


def _commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    web = [python, "-m", "flask", "--app", "clinic", "run", "--host", host, "--port", str(port)]
    return {"web": [*web, "--no-reload"], **celery_commands(python)}


def _prepare() -> str:
    """Migrate, set up the demo; what the demo setup printed (its logins, first run only)."""
    flask = [sys.executable, "-m", "flask", "--app", "clinic"]
    subprocess.run([*flask, "db", "upgrade"], check=True)
    setup = subprocess.run([*flask, "demo", "setup"], check=True, stdout=subprocess.PIPE, text=True)
    return setup.stdout


def relay_until_ready(stream: IO[str], ready: threading.Event) -> None:
    """Copy the worker's output to ours; set `ready` when it says it is ready."""
    for line in stream:
        sys.stdout.write(line)
        sys.stdout.flush()
        if " ready." in line:
            ready.set()
    ready.set()  # the worker ended: nothing more to wait for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clinic.development.devserver",
        description="Run web, worker and beat together on the embedded default "
        "(SQLite and a filesystem broker in instance/). Ctrl-C stops all.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="web address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="web port (default 5000)")
    args = parser.parse_args(argv)

    logins = _prepare()
    workers = worker_environment(args.host, args.port)
    children = {
        name: subprocess.Popen(
            command,
            start_new_session=True,
            env=None if name == "web" else workers,
            stdout=subprocess.PIPE if name == "worker" else None,
            stderr=subprocess.STDOUT if name == "worker" else None,
            text=True,
        )
        for name, command in _commands(args.host, args.port).items()
    }
    ready = threading.Event()
    output = children["worker"].stdout
    assert output is not None
    threading.Thread(target=relay_until_ready, args=(output, ready), daemon=True).start()
    print(
        f"Intake: http://{args.host}:{args.port}/intake   Staff: http://{args.host}:{args.port}/staff"
    )
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping and all(child.poll() is None for child in children.values()):
            if logins and ready.is_set():
                print(logins, flush=True)
                logins = ""
            time.sleep(0.5)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
    exited = [name for name, child in children.items() if child.returncode not in (0, -15, None)]
    return 1 if exited and not stopping else 0


if __name__ == "__main__":
    sys.exit(main())
