"""A real SMTP server for tests: aiosmtpd on a free local port, in a thread.

It records each accepted message. A test can make it refuse recipients with a
status code (4xx temporary, 5xx permanent), stop it (connection refused) and
start it again on the same port, or hold DATA open until released.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.server.refuse_with:
            return f"{self.server.refuse_with} recipient refused"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.data_started.set()
        try:
            while self.server.holding.is_set():
                await asyncio.sleep(0.05)
            if self.server.reply_after_hold:
                return self.server.reply_after_hold
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            with self.server.lock:
                self.server.messages.append(message)
                self.server.peers.append(session.peer)
            return "250 Message accepted"
        finally:  # answered, or dropped with its connection
            self.server.data_done.set()


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.peers: list[Any] = []
        """The client address (host, port) of each accepted message: one per connection."""
        self.lock = threading.Lock()
        self.refuse_with: str | None = None
        self.holding = threading.Event()
        self.data_started = threading.Event()
        self.data_done = threading.Event()
        """A DATA was answered (after any hold) or dropped with its connection."""
        self.reply_after_hold: str | None = None
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def received_over(self) -> list[tuple[EmailMessage, Any]]:
        """Each accepted message with the client address of the connection it came over."""
        with self.lock:
            return list(zip(self.messages, self.peers, strict=True))

    def mail_config(self) -> dict[str, Any]:
        """App config pointing at this server (plain SMTP, short timeouts)."""
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_TIMEOUT": 2.0,
        }

    def mail_env(self) -> dict[str, str]:
        """The same, as environment variables for live worker processes."""
        return {
            key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in self.mail_config().items()
        }
