"""Webhook callbacks of one source do not wait for another's: four sources whose callback
targets accept connections and never answer, each with a full dispatcher batch (32) in flight,
hold 128 connections, more than an HTTP client's pool of 100; a healthy source's callback still
reaches its target at once. Against real peers on loopback: a raw TCP server that never
replies, and a callback receiver under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from channels.base import Outbound
from channels.webhook.adapter import WebhookChannel
from channels.webhook.settings import WebhookSource
from complaints.clock import ManualClock
from tests.conftest import OTHER_SECRET, SECRET, START

STUCK_SOURCES = 4
IN_FLIGHT = 32
"""The dispatcher's batch: how many callbacks of one source (one lane) are sent at once."""
HTTPX_POOL = 100
"""httpx's default `max_connections`: the pool one client shares among its requests."""
WITHIN = 20.0
"""The longest a wait may take on a loaded machine; the healthy callback needs milliseconds."""


class Blackhole:
    """A callback target that accepts every connection, reads the request and never answers."""

    def __init__(self, enough: int) -> None:
        self.connections = 0
        self.enough = enough
        self.filled = asyncio.Event()
        """Set once `enough` connections are open."""
        self._held: set[asyncio.StreamWriter] = set()

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._held.add(writer)
        self.connections += 1
        if self.connections >= self.enough:
            self.filled.set()
        with contextlib.suppress(ConnectionError):
            while await reader.read(65536):
                pass  # the request arrives; no answer ever leaves

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.close()
            for writer in self._held:
                writer.close()
            await server.wait_closed()


def outbound(number: int) -> Outbound:
    return Outbound(
        message_id=f"C-2026-{number:06d}-M1",
        complaint_number=f"C-2026-{number:06d}",
        kind="acknowledgement",
        text="We received your complaint.",
        language="en",
    )


async def nothing(_inbound: Any) -> Any:
    raise AssertionError("no complaint is received in this test")


async def test_stuck_callback_targets_do_not_hold_up_another_sources_callback(
    callback_receiver: Any,
) -> None:
    receiver, served = callback_receiver
    blackhole = Blackhole(enough=HTTPX_POOL)
    async with blackhole.serving() as hung_url:
        stuck = [f"stuck{n}" for n in range(STUCK_SOURCES)]
        sources = {
            name: WebhookSource(name=name, secret=SECRET, callback_url=f"{hung_url}/{name}")
            for name in stuck
        } | {
            "crm": WebhookSource(
                name="crm", secret=OTHER_SECRET, callback_url=f"{served.url}/callback"
            )
        }
        channel = WebhookChannel(
            sources, nothing, ManualClock(START), 1 << 20, 10, send_timeout=600
        )
        hung = [
            asyncio.create_task(channel.send(f"{name}:c{n}", outbound(n)))
            for name in stuck
            for n in range(IN_FLIGHT)
        ]
        try:
            async with asyncio.timeout(WITHIN):
                await blackhole.filled.wait()  # as many callbacks hang as a shared pool holds

            async with asyncio.timeout(WITHIN):
                sent = await channel.send("crm:c-1", outbound(999))
            arrived = await asyncio.wait_for(receiver.arrivals.get(), timeout=WITHIN)
        finally:
            for task in hung:
                task.cancel()
            await asyncio.gather(*hung, return_exceptions=True)
            await channel.stop()

    assert sent == "C-2026-000999-M1"
    assert arrived["complaint"] == "C-2026-000999"
    assert arrived["customer"] == {"id": "c-1"}
    assert not any(task.done() and not task.cancelled() for task in hung)  # none was answered
