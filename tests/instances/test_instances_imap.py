"""Two bot processes on one PostgreSQL and one IMAP mailbox (a real Dovecot): exactly one polls
it; when it is killed (kill -9) the other takes over, and every mail is handled once: one
complaint and one acknowledgement each, every mail flagged \\Seen."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from email.policy import SMTP
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.dovecot import Dovecot, dovecot_server
from tests.instances.processes import WITHIN, Instance, Start, query
from tests.mailpeers import Sink, mail

LEADS = "IMAP poller of .*: this instance leads"
WAITS = "IMAP poller of .*: another instance holds the lock"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_server()


def settings(dovecot: Dovecot, sink: Sink) -> dict[str, Any]:
    return {
        "email": {
            "relay": {"port": sink.port},
            "smtp_server": {"enabled": False},
            "imap": {
                "enabled": True,
                "host": "127.0.0.1",
                "port": dovecot.port,
                "ssl": False,
                "username": dovecot.username,
                "password": dovecot.password,
                "poll_seconds": 1,  # mail appended just before an IDLE waits no longer
            },
        },
        "outbox": {"lease": "2s"},
    }


async def deliver(dovecot: Dovecot, key: str) -> str:
    """A complaint mail into the mailbox, from its own sender; its Message-ID."""
    message_id = f"<{key}@customer.test>"
    message = mail(
        f"The kettle {key} I bought started to smoke on its first use.",
        sender=f"{key}@customer.test",
        message_id=message_id,
    )
    await asyncio.to_thread(dovecot.append, message.as_bytes(policy=SMTP))
    return message_id


async def acknowledged(sink: Sink, message_ids: list[str]) -> None:
    """Wait until each of `message_ids` got its acknowledgement."""
    async with asyncio.timeout(WITHIN):
        while not set(message_ids) <= {m["In-Reply-To"] for m in sink.received}:
            await sink.next(within=WITHIN)


async def leader_of(instances: list[Instance]) -> tuple[Instance, Instance]:
    """(the instance that polls, the one that waits), once both said so."""
    said = {
        asyncio.create_task(instance.saw(LEADS), name=instance.name): instance
        for instance in instances
    }
    done, pending = await asyncio.wait(said, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    leader = said[done.pop()]
    follower = next(instance for instance in instances if instance is not leader)
    await follower.saw(WAITS)
    return leader, follower


async def test_one_instance_polls_the_mailbox_and_the_other_takes_over_when_it_is_killed(
    start_instance: Start, shared_store: str, dovecot: Dovecot, sink: Sink
) -> None:
    instances = list(
        await asyncio.gather(*(start_instance(name, settings(dovecot, sink)) for name in "ab"))
    )
    for instance in instances:
        await instance.started()
    leader, follower = await leader_of(instances)

    before = [await deliver(dovecot, f"m{index}") for index in range(3)]
    await acknowledged(sink, before)
    leader.kill()  # perhaps before it flagged the last mail: the follower fetches it again
    killed = time.monotonic()
    await follower.saw(LEADS)
    took = time.monotonic() - killed
    after = [await deliver(dovecot, f"m{index}") for index in range(3, 5)]
    await acknowledged(sink, after)

    assert took < 10, f"took over after {took:.1f} s"
    assert "connected, watching" not in follower.log.split("this instance leads")[0]
    # the mailbox's login and the database's user are people's names on many desks
    user = make_url(shared_store).username
    for instance in instances:
        assert dovecot.username not in instance.log
        assert f"{user}@" not in instance.log and "store postgresql" in instance.log
    answered = Counter(message["In-Reply-To"] for message in sink.received)
    assert answered == dict.fromkeys(before + after, 1)
    assert len(query(shared_store, "SELECT id FROM complaints")) == len(before + after)
    # each mail is flagged right after its intake committed, before its acknowledgement can go
    flags = await asyncio.to_thread(dovecot.flags_of_all)
    assert all("\\Seen" in flag for flag in flags.values()) and len(flags) == 5
