"""Two bot processes on one PostgreSQL and one Telegram bot: exactly one long-polls getUpdates;
when it is killed (kill -9) the other takes over within seconds, and every message is handled
once: one complaint and one acknowledgement each.

The loopback Bot API server (tests/telegram_api.py) answers a second getUpdates of the same bot
with 409 Conflict, as Telegram does. It listens on one port per instance, so each poll is known
by the instance that made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.requests import Request

from tests.instances.processes import (
    WITHIN,
    Start,
    query,
)
from tests.telegram_api import ApiError, FakeTelegram

TOKEN = "123456:TEST-TOKEN-0123456789abcdef"
ACKNOWLEDGED = "complaint number"
"""In the English acknowledgement, and in no other message the customers get here."""


@dataclass
class Poll:
    port: int
    at: float
    conflict: bool = False


class WatchedTelegram(FakeTelegram):
    """The loopback Bot API, noting which port (so which instance) each getUpdates came to."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.polls: list[Poll] = []
        self.polled = asyncio.Event()

    async def _get_updates(self, params: dict[str, Any], request: Request) -> list[Any]:
        poll = Poll(request.scope["server"][1], time.monotonic())
        self.polls.append(poll)
        self.polled.set()
        try:
            return await super()._get_updates(params, request)
        except ApiError as error:
            poll.conflict = error.status == 409
            raise

    async def first_poll(self, port: int | None = None) -> Poll:
        """The first getUpdates (that came to `port`), waiting for it."""
        async with asyncio.timeout(WITHIN):
            while True:
                for poll in self.polls:
                    if port in (None, poll.port):
                        return poll
                self.polled.clear()
                await self.polled.wait()


@dataclass
class TwoDoors:
    telegram: WatchedTelegram
    ports: list[int] = field(default_factory=list)

    def settings(self, port: int) -> dict[str, Any]:
        url = f"http://127.0.0.1:{port}"
        return {
            "telegram": {
                "enabled": True,
                "token": TOKEN,
                "base_url": f"{url}/bot",
                "base_file_url": f"{url}/file/bot",
                "poll_timeout": 5,
            },
            "outbox": {"lease": "2s"},
        }


@contextlib.asynccontextmanager
async def two_doors() -> AsyncIterator[TwoDoors]:
    """The loopback Bot API served on two ports."""
    telegram = WatchedTelegram()
    sockets = []
    for _ in range(2):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sockets.append(sock)
    config = uvicorn.Config(telegram.app(), lifespan="on", log_level="warning", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=sockets), name="fake telegram")
    try:
        yield TwoDoors(telegram, [sock.getsockname()[1] for sock in sockets])
    finally:
        telegram.close()
        server.should_exit = True
        await task


async def say(telegram: FakeTelegram, chat: int, text: str) -> None:
    telegram.push_update(telegram.message_update(chat_id=chat, user_id=chat, text=text))


async def acknowledged(telegram: FakeTelegram, chats: list[int]) -> None:
    """Wait until each of `chats` got its acknowledgement."""
    async with asyncio.timeout(WITHIN):
        while not all(
            any(ACKNOWLEDGED in text for text in telegram.sent_texts(chat)) for chat in chats
        ):
            await telegram.next_sent()


async def test_one_instance_polls_telegram_and_the_other_takes_over_when_it_is_killed(
    start_instance: Start, shared_store: str
) -> None:
    async with two_doors() as doors:
        telegram = doors.telegram
        instances = await asyncio.gather(
            *(
                start_instance(name, doors.settings(port))
                for name, port in zip("ab", doors.ports, strict=True)
            )
        )
        for instance in instances:
            await instance.started()
        first = await telegram.first_poll()
        leader_index = doors.ports.index(first.port)
        leader, follower = instances[leader_index], instances[1 - leader_index]
        follower_port = doors.ports[1 - leader_index]
        await follower.saw("Telegram poller of bot 123456: another instance holds the lock")
        await leader.saw("Telegram poller of bot 123456: this instance leads")

        chats = [5001, 5002, 5003]
        for chat in chats:
            await say(telegram, chat, "I was charged twice on this month's bill.")
        await acknowledged(telegram, chats)
        assert {poll.port for poll in telegram.polls} == {first.port}
        assert not any(poll.conflict for poll in telegram.polls)

        await say(telegram, 5004, "The courier left my parcel in the rain; it is soaked.")
        await acknowledged(telegram, [5004])
        leader.kill()  # perhaps before it confirmed 5004's update: the follower gets it again
        killed = time.monotonic()
        taken_over = await telegram.first_poll(follower_port)
        await follower.saw("Telegram poller of bot 123456: this instance leads")

        later = [5005, 5006]
        for chat in later:
            await say(telegram, chat, "My new phone does not turn on at all.")
        await acknowledged(telegram, later)

    assert taken_over.at - killed < 10, f"took over after {taken_over.at - killed:.1f} s"
    assert not any(poll.conflict and poll.port == follower_port for poll in telegram.polls)
    everyone = [*chats, 5004, *later]
    acknowledgements = Counter(
        entry["chat_id"]
        for entry in telegram.sent
        if entry["method"] == "sendMessage" and ACKNOWLEDGED in entry["text"]
    )
    assert acknowledgements == dict.fromkeys(everyone, 1)
    assert len(query(shared_store, "SELECT id FROM complaints")) == len(everyone)
    queued = query(shared_store, "SELECT id FROM outbox WHERE kind = 'acknowledgement'")
    assert len(queued) == len(everyone)  # no message was taken in twice
