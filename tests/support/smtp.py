"""A real SMTP server for tests (aiosmtpd in a thread on a free port) that keeps what it gets.

    with SmtpServer(refuse={"nobody@example.org"}) as smtp:
        ... send to 127.0.0.1:smtp.port ...
        message = smtp.wait_for(lambda m: "KC-" in m["Subject"])

Recipients in ``refuse`` are answered ``550 5.1.1`` at RCPT time, as a real server refuses an
unknown mailbox.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.support.services import Process, free_port, start_kontakt


@dataclass
class Received:
    """One delivered message: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def __getitem__(self, header: str) -> str:
        return str(self.message[header] or "")

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.server.refused:
            self.server.refusals.append(address)
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.server._deliver(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server on 127.0.0.1 and a free port, collecting messages in ``messages``."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.refused = {address.lower() for address in refuse or set()}
        self.refusals: list[str] = []
        self.messages: list[Received] = []
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        last: Exception | None = None
        for _ in range(5):  # a free port can be taken between probing and binding
            port = free_port()
            controller = Controller(_Handler(self), hostname=self.host, port=port)
            try:
                controller.start()
            except Exception as exc:
                last = exc
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError(f"could not start the test SMTP server: {last}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _deliver(self, received: Received) -> None:
        with self._cond:
            self.messages.append(received)
            self._cond.notify_all()

    def to(self, recipient: str) -> list[Received]:
        """Messages delivered to ``recipient`` so far."""
        with self._cond:
            return [m for m in self.messages if recipient.lower() in map(str.lower, m.rcpt_tos)]

    def wait_for(self, match: Callable[[Received], bool], timeout: float = 30) -> Received:
        """The first message ``match`` accepts, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for received in self.messages:
                    if match(received):
                        return received
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no matching message within {timeout}s; got "
                        f"{[(m.rcpt_tos, m['Subject']) for m in self.messages]}"
                    )
                self._cond.wait(left)


def unique_email(prefix: str) -> str:
    """An address no other test uses (messages are told apart by their recipient)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


async def outbox(case_number: str) -> list[dict]:
    """The outbox rows queued for one case (or request) number, oldest first."""
    from core.citizen.tables import OutboundMessage

    return (
        await OutboundMessage.select()
        .where(OutboundMessage.case_number == case_number)
        .order_by(OutboundMessage.id)
    )


@asynccontextmanager
async def mail_worker(
    smtp: SmtpServer,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
    args: tuple[str, ...] = ("worker", "--workers", "1"),
) -> AsyncIterator[Process]:
    """A real ``kontakt worker`` sending its mail through ``smtp``: an assertion that fails
    inside the block shows the worker's log, and the worker is stopped at the end."""
    env = {"KONTAKT_SMTP_HOST": smtp.host, "KONTAKT_SMTP_PORT": str(smtp.port)}
    worker = start_kontakt(list(args), log_path, {**env, **(extra_env or {})})
    try:
        yield worker
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nworker log:\n{worker.log()}") from None
    finally:
        worker.stop()


async def wait_until_sent(case_number: str) -> None:
    """Until the first outbox row of ``case_number`` is marked sent (a worker marks it right
    after the SMTP server took it), for at most 20 seconds."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = await outbox(case_number)
        if rows and rows[0]["status"] == "sent":
            return
        await asyncio.sleep(0.1)
