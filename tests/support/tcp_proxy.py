"""A TCP proxy in front of a real service, so a test can make it fail the way networks do.

    proxy = TcpProxy(target_host, target_port).start()   # clients connect to proxy.port
    proxy.cut()      # every open connection dropped; new ones accepted and closed at once
    proxy.stall()    # connections stay open but nothing goes through (a partition)
    proxy.restore()  # traffic flows again; what a stall held back is delivered
    proxy.stop()     # the listening socket closed too: connecting is refused

Any service: PostgreSQL, Redis, RabbitMQ. Threads only (one per direction of each
connection), so it runs in the test's own process beside the code under test.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()  # cleared while stalled
        self._flowing.set()
        self._refusing = False  # set while cut
        self.accepted = 0
        """Connections accepted so far (cut ones included)."""
        self.held = 0
        """Chunks of data read and held back by a stall, not forwarded yet."""

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every connection (connecting is refused until `start`)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        self._drop_all()

    def cut(self) -> None:
        """The service is gone: open connections are dropped, new ones closed on arrival."""
        self._refusing = True
        self._flowing.set()  # a stalled pipe wakes up, finds its socket closed and ends
        self._drop_all()

    def stall(self) -> None:
        """A partition: connections stay open (and new ones are accepted) but no byte passes."""
        self._flowing.clear()

    def restore(self) -> None:
        """Traffic flows again, and new connections reach the service."""
        self._refusing = False
        self._flowing.set()

    def url_for(self, url: str) -> str:
        """`url` (scheme://user:password@host:port/path) pointed at this proxy instead."""
        scheme, rest = url.split("://", 1)
        authority, _, path = rest.partition("/")
        credentials, _, _host = authority.rpartition("@")
        at = f"{credentials}@" if credentials else ""
        return f"{scheme}://{at}127.0.0.1:{self.port}/{path}"

    def _drop_all(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        with self._lock:
            self._connections.append(client)
        self._flowing.wait()  # a stalled proxy holds the new connection, unanswered
        if self._refusing:
            self._close(client)
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._close(client)
            return
        upstream.settimeout(None)
        with self._lock:
            self._connections.append(upstream)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _close(self, connection: socket.socket) -> None:
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)
        with suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        connection.close()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                if not self._flowing.is_set():
                    with self._lock:
                        self.held += 1
                    self._flowing.wait()
                    with self._lock:
                        self.held -= 1
                if self._refusing:
                    break
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
