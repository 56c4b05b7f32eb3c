"""One idle broker connection per Celery app and process, kept between publishes.

Opening a broker connection for each publish cost more CPU than all the rest of a
submit (on Redis: a client and its pool, a PING, the queue's declaration). The
outbox's publisher takes the kept connection, gives it back after publishes the
broker took, and drops one that failed (clinic.broker.outbox). A process forked
after a connection was kept never uses its parent's socket; the kept connection
is closed when its Celery app is collected, or when the process exits.
"""

from __future__ import annotations

import os
from weakref import WeakKeyDictionary, finalize

from celery import Celery
from kombu.connection import Connection


class KeptConnection:
    """The idle connection of one Celery app (a list, so taking it is atomic)."""

    def __init__(self) -> None:
        self._idle: list[Connection] = []
        self._pid = os.getpid()

    def take(self, celery: Celery) -> tuple[Connection, bool]:
        """A connection for the caller alone, and whether it was kept from an earlier use."""
        if self._pid != os.getpid():  # forked: the parent's socket is not this process's
            self._idle, self._pid = [], os.getpid()
        try:
            return self._idle.pop(), True
        except IndexError:
            return celery.connection_for_write(), False

    def give_back(self, connection: Connection) -> None:
        """Keep `connection` for the next publish, or close it if one is kept already."""
        if self._pid == os.getpid() and not self._idle:
            self._idle.append(connection)
        else:
            _close(connection)

    def close(self) -> None:
        """Close the idle connection, if any (without waiting on the broker); a forked
        process only forgets its parent's."""
        idle, self._idle = self._idle, []
        if self._pid == os.getpid():
            for connection in idle:
                connection.collect()


def _close(connection: Connection) -> None:
    try:
        connection.release()
    except Exception:  # the broker went away after the last publish: just drop it
        connection.collect()


_KEPT: WeakKeyDictionary[Celery, KeptConnection] = WeakKeyDictionary()


def kept_connection(celery: Celery) -> KeptConnection:
    """The kept connection of `celery`, gone with it (a test's app brings its own)."""
    kept = _KEPT.get(celery)
    if kept is None:
        kept = _KEPT[celery] = KeptConnection()
        finalize(celery, kept.close)
    return kept
