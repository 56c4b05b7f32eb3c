"""Live Celery worker and beat processes for end-to-end tests."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from clinic.broker.names import Queues
from clinic.development.devserver import celery_commands
from tests.support.waiting import wait_until

STARTUP_TIMEOUT = 90.0
# A test's workers are the only ones on its own broker (tests.support.brokers) and take
# nothing from each other: no revoked tasks to sync at startup (mingle, which waits a
# second for replies, mostly from no one) and no events of other workers to follow (gossip).
ALONE_ON_THE_BROKER = ["--without-mingle", "--without-gossip"]
_RUNNING: set[LiveProcess] = set()


@atexit.register
def _kill_leftovers() -> None:
    """A test run that ends early must not leave workers consuming the shared brokers."""
    for process in list(_RUNNING):
        process.kill()


class LiveProcess:
    """A child process whose output goes to a log file the test can wait on."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _RUNNING.add(self)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def exited(self) -> bool:
        return self.process.poll() is not None

    def wait_for_output(self, text: str, timeout: float = STARTUP_TIMEOUT) -> None:
        wait_until(lambda: text in self.output(), timeout, f"{self.name} to print {text!r}", self)

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool, with no warm shutdown."""
        _RUNNING.discard(self)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """The test is done with it: killed at once (`kill`), its log closed.

        Nothing is asked of a process after its test, and every test has a broker and a
        database of its own, so what a warm shutdown would finish is thrown away: it
        would only wait, seconds each time (a worker's pool, the embedded broker's poll).
        """
        self.kill()
        self._log.close()


def start_worker(
    env: Mapping[str, str],
    log_dir: Path,
    name: str = "worker",
    queues: tuple[str, ...] = Queues.all(),
) -> LiveProcess:
    """A live worker consuming `queues` (all of them by default), once it is ready."""
    hostname = f"{name}-{os.getpid()}-{time.time_ns()}@%h"
    argv = celery_commands(sys.executable, hostname=hostname, queues=queues)["worker"]
    worker = LiveProcess(name, [*argv, *ALONE_ON_THE_BROKER], env, log_dir / f"{name}.log")
    worker.wait_for_output(" ready.")
    return worker


def start_beat(env: Mapping[str, str], log_dir: Path, name: str = "beat") -> LiveProcess:
    beat = LiveProcess(name, celery_commands(sys.executable)["beat"], env, log_dir / f"{name}.log")
    beat.wait_for_output("beat: Starting")
    return beat
