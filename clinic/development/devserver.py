"""`make run`: the whole system on one machine, on the embedded default.

Applies migrations, creates the demo staff account (first run only), then
starts the web app, a Celery worker and Celery beat as child processes. Ctrl-C
(or any child exiting) stops all of them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

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


def _prepare() -> None:
    for args in (["db", "upgrade"], ["demo", "setup"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "clinic", *args], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clinic.development.devserver",
        description="Run web, worker and beat together on the embedded default "
        "(SQLite and a filesystem broker in instance/). Ctrl-C stops all.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="web address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="web port (default 5000)")
    args = parser.parse_args(argv)

    _prepare()
    workers = worker_environment(args.host, args.port)
    children = {
        name: subprocess.Popen(
            command, start_new_session=True, env=None if name == "web" else workers
        )
        for name, command in _commands(args.host, args.port).items()
    }
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
