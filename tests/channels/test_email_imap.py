"""The IMAP poller against a real Dovecot on loopback: what is handed over, when it is flagged,
and how the poller lives through IDLE, a stopped server and its own stop."""

from __future__ import annotations

import asyncio
import email
import logging
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest
from imapclient.exceptions import LoginError

from channels.email.imap import ImapPoller, MissingFolder
from channels.email.settings import ImapSettings
from tests.dovecot import Dovecot, dovecot_server

SEEN = "\\Seen"
BARE_CAPABILITIES = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+\n"
"""A server without IDLE, MOVE and UIDPLUS: the poller must sleep between passes and move
mail with COPY, \\Deleted and a plain EXPUNGE."""


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_server()


@pytest.fixture
def bare_dovecot() -> Iterator[Dovecot]:
    yield from dovecot_server(BARE_CAPABILITIES)


def settings_for(server: Dovecot, **overrides: Any) -> ImapSettings:
    settings = ImapSettings(
        host=server.host,
        port=server.port,
        ssl=False,
        username=server.username,
        password=server.password,
        poll_seconds=3600.0,  # a test that gets mail in time did not get it by polling
    )
    return settings.model_copy(update=overrides)


def make_mail(key: str) -> bytes:
    """A customer's complaint as it sits in the mailbox (CRLF line ends, a Message-ID)."""
    message = EmailMessage()
    message["From"] = "Ana García <ana@example.net>"
    message["To"] = "complaints@example.com"
    message["Subject"] = f"Complaint {key}"
    message["Message-ID"] = f"<{key}@customer.example.net>"
    message.set_content(f"My kettle {key} started to smoke.\n")
    return message.as_bytes(policy=SMTP)


def message_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw)["Message-ID"])


def mid(key: str) -> str:
    return f"<{key}@customer.example.net>"


class Recorder:
    """An `on_message` that records what it is given and how the server flags it meanwhile.

    It can be told to fail for a message a number of times, as the bot's intake would when
    its database is unavailable."""

    def __init__(self, server: Dovecot, folder: str = "INBOX") -> None:
        self.server = server
        self.folder = folder
        self.received: list[bytes] = []
        self.arrivals: asyncio.Queue[str] = asyncio.Queue()
        self.flags_while_handling: dict[str, list[frozenset[str]]] = {}
        self.failures: Counter[str] = Counter()

    async def __call__(self, raw: bytes) -> None:
        key = message_id(raw)
        self.received.append(raw)
        flags = await asyncio.to_thread(self.server.flags_of_all, self.folder)
        self.flags_while_handling.setdefault(key, []).append(flags[key])
        assert SEEN not in flags[key], "the message was flagged before it was handled"
        if self.failures[key]:
            self.failures[key] -= 1
            raise RuntimeError("intake is unavailable")
        await self.arrivals.put(key)

    @property
    def counts(self) -> Counter[str]:
        return Counter(message_id(raw) for raw in self.received)


async def test_each_unseen_message_is_handed_over_once_then_flagged_seen(dovecot: Dovecot) -> None:
    mails = [make_mail(key) for key in ("a1", "a2", "a3")]
    for raw in mails:
        dovecot.append(raw)
    dovecot.append(make_mail("read-already"), flags=[SEEN])
    recorder = Recorder(dovecot)
    poller = ImapPoller(settings_for(dovecot), recorder)
    try:
        assert await poller.poll_once() == 3
        assert await poller.poll_once() == 0
    finally:
        await poller.stop()

    assert recorder.received == mails  # byte for byte, in order, once each
    for key in ("a1", "a2", "a3"):
        assert all(SEEN not in flags for flags in recorder.flags_while_handling[mid(key)])
    assert all(SEEN in flags for flags in dovecot.flags_of_all().values())
    assert not poller.connected.is_set()


async def test_a_message_whose_handler_raises_stays_unseen_and_comes_back_once(
    dovecot: Dovecot,
) -> None:
    for key in ("b1", "b2", "b3"):
        dovecot.append(make_mail(key))
    recorder = Recorder(dovecot)
    recorder.failures[mid("b2")] = 1
    poller = ImapPoller(settings_for(dovecot), recorder)
    try:
        assert await poller.poll_once() == 2
        flags = dovecot.flags_of_all()
        assert SEEN not in flags[mid("b2")]
        assert SEEN in flags[mid("b1")] and SEEN in flags[mid("b3")]

        assert await poller.poll_once() == 1
        assert await poller.poll_once() == 0
    finally:
        await poller.stop()

    assert recorder.counts == {mid("b1"): 1, mid("b2"): 2, mid("b3"): 1}
    assert all(SEEN in flags for flags in dovecot.flags_of_all().values())


async def test_with_a_processed_folder_handled_mail_is_moved_there(dovecot: Dovecot) -> None:
    dovecot.create_folder("Processed")
    for key in ("c1", "c2"):
        dovecot.append(make_mail(key))
    recorder = Recorder(dovecot)
    recorder.failures[mid("c2")] = 1
    poller = ImapPoller(settings_for(dovecot, processed_folder="Processed"), recorder)
    try:
        assert await poller.poll_once() == 1
        assert set(dovecot.flags_of_all()) == {mid("c2")}  # the failed one stays, unseen
        assert await poller.poll_once() == 1
    finally:
        await poller.stop()

    assert dovecot.messages_in("INBOX") == []
    assert [message_id(raw) for raw in dovecot.messages_in("Processed")] == [mid("c1"), mid("c2")]
    assert recorder.counts == {mid("c1"): 1, mid("c2"): 2}


async def test_a_missing_processed_folder_is_reported_before_any_handover(
    dovecot: Dovecot,
) -> None:
    dovecot.append(make_mail("h1"))
    recorder = Recorder(dovecot)
    poller = ImapPoller(settings_for(dovecot, processed_folder="Processed"), recorder)
    try:
        with pytest.raises(MissingFolder, match="'Processed' does not exist"):
            await poller.poll_once()
        assert recorder.received == []
        dovecot.create_folder("Processed")
        assert await poller.poll_once() == 1
    finally:
        await poller.stop()
    assert [message_id(raw) for raw in dovecot.messages_in("Processed")] == [mid("h1")]


async def test_without_idle_and_move_it_polls_and_moves_by_copy_and_expunge(
    bare_dovecot: Dovecot,
) -> None:
    bare_dovecot.create_folder("Processed")
    bare_dovecot.append(make_mail("d1"))
    recorder = Recorder(bare_dovecot)
    settings = settings_for(bare_dovecot, processed_folder="Processed", poll_seconds=0.1)
    poller = ImapPoller(settings, recorder)
    await poller.start()
    try:
        async with asyncio.timeout(10):
            assert await recorder.arrivals.get() == mid("d1")
            bare_dovecot.append(make_mail("d2"))
            assert await recorder.arrivals.get() == mid("d2")
    finally:
        await poller.stop()

    assert bare_dovecot.messages_in("INBOX") == []
    moved = [message_id(raw) for raw in bare_dovecot.messages_in("Processed")]
    assert moved == [mid("d1"), mid("d2")]
    assert recorder.counts == {mid("d1"): 1, mid("d2"): 1}


async def test_mail_arriving_while_idling_is_delivered_without_poll_once(dovecot: Dovecot) -> None:
    dovecot.append(make_mail("e1"))
    recorder = Recorder(dovecot)
    poller = ImapPoller(settings_for(dovecot), recorder)  # poll_seconds is an hour
    await poller.start()
    try:
        async with asyncio.timeout(10):
            assert await recorder.arrivals.get() == mid("e1")
            await poller.idling.wait()  # the pass has ended: only IDLE can bring more
            dovecot.append(make_mail("e2"))
            assert await recorder.arrivals.get() == mid("e2")
    finally:
        await poller.stop()

    assert recorder.counts == {mid("e1"): 1, mid("e2"): 1}
    assert all(SEEN in flags for flags in dovecot.flags_of_all().values())


async def test_poll_once_takes_its_turn_while_the_loop_idles(dovecot: Dovecot) -> None:
    recorder = Recorder(dovecot)
    poller = ImapPoller(settings_for(dovecot), recorder)
    await poller.start()
    try:
        async with asyncio.timeout(10):
            await poller.idling.wait()
            dovecot.append(make_mail("i1"))
            assert await poller.poll_once() == 1  # the loop steps aside; it waited first
            await poller.idling.wait()
    finally:
        await poller.stop()
    assert recorder.counts == {mid("i1"): 1}


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_the_poller_survives_dovecot_going_away_and_coming_back(
    dovecot: Dovecot, how: str
) -> None:
    """`stop` is an orderly shutdown (the server says BYE); `kill` a crash (the connection
    just ends, which IMAPClient's IDLE check does not report as an error)."""
    dovecot.append(make_mail("f1"))
    recorder = Recorder(dovecot)
    poller = ImapPoller(settings_for(dovecot), recorder, backoff_max=0.2)
    await poller.start()
    try:
        async with asyncio.timeout(20):
            assert await recorder.arrivals.get() == mid("f1")
            # Idling means f1 is flagged. A server gone between handler and flag would rightly
            # bring f1 again (the bot dedupes on Message-ID); this test counts on exactly once.
            await poller.idling.wait()
            await asyncio.to_thread(getattr(dovecot, how))
            await poller.disconnected.wait()
            assert not poller.idling.is_set()
            await asyncio.to_thread(dovecot.start)
            await poller.idling.wait()  # reconnected, passed over the folder, idling again
            dovecot.append(make_mail("f2"))
            assert await recorder.arrivals.get() == mid("f2")
    finally:
        await poller.stop()

    assert recorder.counts == {mid("f1"): 1, mid("f2"): 1}
    assert all(SEEN in flags for flags in dovecot.flags_of_all().values())


async def test_stop_is_prompt_while_idling(dovecot: Dovecot) -> None:
    dovecot.append(make_mail("g1"))
    recorder = Recorder(dovecot)
    poller = ImapPoller(settings_for(dovecot), recorder)
    await poller.start()
    async with asyncio.timeout(10):
        await recorder.arrivals.get()
        await poller.idling.wait()
    async with asyncio.timeout(5):
        await poller.stop()
    assert not poller.connected.is_set()
    assert SEEN in dovecot.flags_of_all()[mid("g1")]


class Warnings(logging.Handler):
    """Collects the poller's warnings and lets a test await the n-th one."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        while len(self.records) < count:
            self.changed.clear()
            await self.changed.wait()


async def test_a_refused_login_is_logged_without_the_password_and_retried(
    dovecot: Dovecot,
) -> None:
    password = "wrong-password-that-must-not-be-logged"
    warnings = Warnings()
    logger = logging.getLogger("channels.email.imap")
    logger.addHandler(warnings)
    poller = ImapPoller(
        settings_for(dovecot, password=password), Recorder(dovecot), backoff_max=0.05
    )
    try:
        with pytest.raises(LoginError):
            await poller.poll_once()
        await poller.start()
        async with asyncio.timeout(10):
            await warnings.wait_for(2)  # it keeps trying
        async with asyncio.timeout(5):
            await poller.stop()
    finally:
        logger.removeHandler(warnings)
        await poller.stop()

    assert not poller.connected.is_set()
    messages = [record.getMessage() for record in warnings.records]
    assert all("LoginError" in message for message in messages)
    assert not any(password in message for message in messages)
    assert password not in repr(poller.settings)
