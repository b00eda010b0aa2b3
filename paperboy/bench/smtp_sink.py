"""A local SMTP server (aiosmtpd) that keeps or counts what it receives: for tests and benchmarks.

Dev-only: aiosmtpd comes with the ``dev`` extra. Scripted replies let tests reject a recipient
(``reject_rcpt``) or fail the next DATA commands (``data_replies``, e.g. ``"451 4.3.0 try later"``).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def parse(self) -> Message:
        """The message, headers decoded (RFC 2047 encoded words become text)."""
        return email.message_from_bytes(self.content, policy=email.policy.default)


class SinkHandler:
    """aiosmtpd handler: accept, keep (or only count) messages; scripted failures."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.count = 0
        self.messages: list[Received] = []
        self.reject_rcpt: dict[str, str] = {}
        self.data_replies: list[str] = []
        self.rcpt_delay_seconds = 0.0
        self.rcpt_count = 0
        self.on_rcpt: Any = None  # called with the running RCPT count (from the server thread)
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        with self._lock:
            self.rcpt_count += 1
            count = self.rcpt_count
        if self.on_rcpt is not None:
            self.on_rcpt(count)
        if self.rcpt_delay_seconds:
            await asyncio.sleep(self.rcpt_delay_seconds)
        reply = self.reject_rcpt.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            self.count += 1
            if self.keep:
                self.messages.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
                )
        return "250 Message accepted for delivery"


class SMTPSink:
    """A running sink on 127.0.0.1: ``with SMTPSink() as sink: … sink.port, sink.handler.messages``."""

    def __init__(self, *, keep: bool = True, port: int | None = None) -> None:
        self.handler = SinkHandler(keep=keep)
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


def serve_forever(port: int, counter: Any, ready: Any, stop: Any, cpu_seconds: Any = None) -> None:
    """Run a counting sink in this process until ``stop`` (a multiprocessing Event) is set.

    ``counter`` is a multiprocessing Value incremented once per accepted message; ``cpu_seconds``
    (optional Value of type "d") receives the CPU time of this process at the end.
    """
    import time

    class CountingHandler(SinkHandler):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with counter.get_lock():
                counter.value += 1
            return "250 Message accepted for delivery"

    controller = Controller(CountingHandler(keep=False), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    if cpu_seconds is not None:
        cpu_seconds.value = time.process_time()
