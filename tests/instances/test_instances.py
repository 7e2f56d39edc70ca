"""Several bot processes on one PostgreSQL database: started together on an empty database both
come up and the schema is migrated once; a killed instance's claimed delivery is sent by the
other one lease later, exactly once, and never while the sender lives."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from store.leadership import STARTUP, advisory_key
from store.schema import MIGRATIONS
from tests.conftest import SECRET, serve
from tests.instances.processes import (
    WITHIN,
    Start,
    client,
    post_complaint,
    query,
)

# ---- start-up ------------------------------------------------------------------------------


async def test_two_instances_started_together_on_an_empty_database_both_serve(
    start_instance: Start, shared_store: str
) -> None:
    # The test holds the start-up lock first, as a third instance in mid-upgrade would: both
    # wait for it, then race for the empty schema at the same moment when it is let go.
    with psycopg.connect(shared_store, autocommit=True) as upgrading:
        schema = upgrading.execute("SELECT current_schema()").fetchone()
        assert schema is not None
        upgrading.execute("SELECT pg_advisory_lock(%s)", (advisory_key(schema[0], STARTUP),))
        first, second = await asyncio.gather(start_instance("a", {}), start_instance("b", {}))
        for instance in (first, second):
            await instance.saw("another instance is upgrading the store; waiting")
    for instance in (first, second):
        await instance.started()
    async with client() as http:
        for instance in (first, second):
            assert (await http.get(f"{instance.url}/ready")).status_code == 200
    for index, instance in enumerate((first, second)):
        response = await post_complaint(instance, f"s-{index}", "The parcel arrived broken.")
        assert response.status_code == 202
    newest = max(path.name[:4] for path in (MIGRATIONS / "versions").glob("0*.py"))
    upgrades = [
        [line for line in instance.lines if "store schema upgraded" in line]
        for instance in (first, second)
    ]
    assert sorted(len(lines) for lines in upgrades) == [0, 1]  # once, by one of them
    assert max(upgrades, key=len)[0].rstrip().endswith(f"from an empty store to {newest}")
    assert len(query(shared_store, "SELECT version_num FROM alembic_version")) == 1
    assert len(query(shared_store, "SELECT version FROM rule_sets")) == 1
    assert len(query(shared_store, "SELECT id FROM complaints")) == 2
    for instance in (first, second):
        assert "Traceback" not in instance.log and "UniqueViolation" not in instance.log


# ---- outbox leases -------------------------------------------------------------------------


@dataclass
class HoldingReceiver:
    """A webhook callback endpoint that never answers the first delivery (its sender is
    "stuck" sending) and answers every later one at once."""

    requests: list[dict[str, str]] = field(default_factory=list)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> Starlette:
        async def callback(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append({"key": request.headers["idempotency-key"], **body})
            if len(self.requests) == 1:
                self.held.set()
                await self.release.wait()
                return JSONResponse({"ok": False}, status_code=503)
            await self.answered.put(body)
            return JSONResponse({"ok": True})

        return Starlette(routes=[Route("/callback", callback, methods=["POST"])])


@contextlib.asynccontextmanager
async def holding_receiver() -> AsyncIterator[tuple[HoldingReceiver, str]]:
    receiver = HoldingReceiver()
    served = await serve(receiver.app())
    try:
        yield receiver, f"{served.url}/callback"
    finally:
        receiver.release.set()
        await served.stop()


async def test_a_killed_instances_claimed_delivery_is_sent_by_the_other_once(
    start_instance: Start, shared_store: str
) -> None:
    lease = 2.0  # renewed every third of it; a loaded machine may delay a renewal by a second
    async with holding_receiver() as (receiver, callback_url):
        settings = {
            "webhook": {"sources": {"shop": {"secret": SECRET, "callback_url": callback_url}}},
            "outbox": {"lease": f"{lease:g}s", "send_timeout": "5m"},
        }
        sender = await start_instance("sender", settings)
        await sender.started()
        response = await post_complaint(sender, "l-1", "My order never arrived.")
        assert response.status_code == 202
        async with asyncio.timeout(WITHIN):
            await receiver.held.wait()  # the sender claimed it and is stuck sending
        other = await start_instance("other", settings)
        await other.started()
        # The sender renews its lease while it sends: the other never sends meanwhile.
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(4 * lease):
                await receiver.answered.get()
        sender.kill()
        killed = time.monotonic()
        async with asyncio.timeout(WITHIN):
            delivered = await receiver.answered.get()
        took = time.monotonic() - killed
        await other.saw("delivered message")
    assert delivered["complaint"] == response.json()["complaint"]
    assert delivered["kind"] == "acknowledgement"
    assert took < 3 * lease + 2, f"sent {took:.1f} s after the kill"
    first, second = receiver.requests
    assert first["key"] == second["key"]  # the same message, which a receiver may dedupe
    rows = query(shared_store, "SELECT status, attempts FROM outbox")
    assert rows == [{"status": "sent", "attempts": 2}]
    assert "could not renew" not in sender.log + other.log
