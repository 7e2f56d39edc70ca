"""Two bot processes on one PostgreSQL database receive the same messages at the same moment
(a sender's retry reaching both, many at once): each copy is answered as stored, one as new and
the other as its duplicate, and each message is stored once; none is refused as "the store is
unavailable". Each instance's group commit then holds several messages, in the order they
reached that instance: unsorted, two batches took the same rows' locks in opposite orders and
PostgreSQL broke the deadlock by failing one of them."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib
import httpx
import pytest

from tests.channels.test_webhook import complaint
from tests.conftest import signed
from tests.instances.processes import WITHIN, Instance, Start, bot_processes, client, query
from tests.mailpeers import mail
from tests.test_bot import free_port

ROUNDS = 3
MESSAGES = 30
"""Per round, webhook messages and as many mails, each sent to both instances at once: both
batches then hold several (the tester's count). The old store failed some in most rounds here,
and in at least one of three on every run."""


@dataclass(frozen=True)
class Serving:
    instance: Instance
    smtp_port: int


@pytest.fixture
async def pair(tmp_path: Path, shared_store: str) -> AsyncIterator[tuple[Serving, Serving]]:
    """Two serving instances, each with its own SMTP server."""
    async with bot_processes(tmp_path, shared_store) as start:
        # The first start migrates the store (and fits the triage model); then the other.
        yield await _serving(start, "a"), await _serving(start, "b")


async def _serving(start: Start, name: str) -> Serving:
    port = free_port()
    settings = {
        "store": {"busy_timeout": "5s"},  # the shipped default, as the tester ran them
        "email": {"smtp_server": {"port": port}},
    }
    instance = await start(name, settings)
    await instance.started()
    return Serving(instance, port)


async def test_the_same_messages_at_both_instances_at_once_are_each_stored_once(
    pair: tuple[Serving, Serving], shared_store: str
) -> None:
    async with client() as http:
        for round_ in range(ROUNDS):
            keys = [f"race-{round_}-{i}" for i in range(MESSAGES)]
            posted, mailed = await asyncio.gather(
                asyncio.gather(*(_post(http, serving, key) for key in keys for serving in pair)),
                asyncio.gather(*(_mail(serving, key) for key in keys for serving in pair)),
            )
            statuses = [response.status_code for response in posted]
            copies = Counter(tuple(sorted(statuses[i : i + 2])) for i in range(0, len(posted), 2))
            assert copies == {(200, 202): MESSAGES}, f"round {round_}: {Counter(statuses)}"
            for first, second in zip(posted[::2], posted[1::2], strict=True):
                assert first.json()["complaint"] == second.json()["complaint"]
            assert Counter(mailed) == {250: 2 * MESSAGES}, f"round {round_}"
    stored = query(shared_store, "SELECT channel FROM complaints")
    assert Counter(row["channel"] for row in stored) == {
        "webhook": ROUNDS * MESSAGES,
        "email": ROUNDS * MESSAGES,
    }
    assert len(query(shared_store, "SELECT id FROM identities")) == 2 * ROUNDS * MESSAGES
    for serving in pair:
        assert "database unavailable" not in serving.instance.log


async def _post(http: httpx.AsyncClient, serving: Serving, key: str) -> httpx.Response:
    raw, headers = signed(complaint(key, "The parcel arrived broken.", customer=f"cust-{key}"))
    return await http.post(f"{serving.instance.url}/webhook/shop", content=raw, headers=headers)


async def _mail(serving: Serving, key: str) -> int:
    """The SMTP code the instance answered the mail with."""
    sender = f"{key}@customer.test"
    message = mail("The toaster burnt the bread.", sender=sender, message_id=f"<{key}@mail.test>")
    try:
        await aiosmtplib.send(message, hostname="127.0.0.1", port=serving.smtp_port, timeout=WITHIN)
    except aiosmtplib.SMTPResponseException as error:
        return error.code
    return 250
