"""Fixtures for the staff side: a running bot with accounts of each role, their API clients,
and complaints filed through the real webhook."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from admin.accounts import Accounts
from complaints.clock import ManualClock
from tests.conftest import SECRET, START, CallbackReceiver, Served, signed
from tests.mailpeers import Sink, mail, send


@dataclass
class Desk:
    """The running bot plus helpers to act as staff and as customers."""

    bot: Any
    clock: ManualClock
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def app(self) -> Any:
        return self.bot.app

    @property
    def url(self) -> str:
        return self.bot.url

    async def account(
        self,
        name: str,
        role: str = "agent",
        departments: Sequence[str] = ("billing",),
        password: str | None = "correct horse battery",
        email: str = "",
    ) -> httpx.AsyncClient:
        """Create an account and return an API client authenticated with a fresh token."""
        accounts: Accounts = self.app.state.services.accounts
        agent = await accounts.create(name, role, departments, password, email)
        _, secret = await accounts.issue_token(agent.id or 0, "tests")
        return self.client({"Authorization": f"Bearer {secret}"})

    def client(self, headers: Mapping[str, str] | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.url, headers=dict(headers or {}), timeout=10)
        self.clients.append(client)
        return client

    async def complain(
        self, text: str, customer: str = "c-1", id_: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """File a complaint through the signed webhook, as a shop's system would."""
        body = {
            "id": id_ or f"m-{len(text)}-{abs(hash((text, customer)))}",
            "customer": {
                "id": customer,
                "name": extra.pop("name", "Ana Pérez"),
                **extra.pop("contact", {}),
            },
            "text": text,
            **extra,
        }
        raw, headers = signed(body)
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.post("/webhook/shop", content=raw, headers=headers)
        assert response.status_code in (200, 202), response.text
        return json.loads(response.text)


@pytest.fixture
async def desk(start_bot: Callable[..., Awaitable[Any]]) -> AsyncIterator[Desk]:
    """The bot on a manual clock with background work off: tests dispatch and sweep by hand."""
    clock = ManualClock(START)
    running = Desk(await start_bot(clock=clock, background=False), clock)
    yield running
    for client in running.clients:
        await client.aclose()


RULES_ONLY = {"triage": {"model_threshold": 1.0}}
"""Settings for tests about the rules themselves: the triage model never decides a category (it
only traces its guess and tags needs-triage), so where no rule matches the default applies."""


@pytest.fixture
async def rules_desk(start_bot: Callable[..., Awaitable[Any]]) -> AsyncIterator[Desk]:
    """Like `desk`, with `RULES_ONLY`."""
    clock = ManualClock(START)
    running = Desk(await start_bot(RULES_ONLY, clock=clock, background=False), clock)
    yield running
    for client in running.clients:
        await client.aclose()


@pytest.fixture
async def reachable_desk(
    start_bot: Callable[..., Awaitable[Any]],
    callback_receiver: tuple[CallbackReceiver, Served],
) -> AsyncIterator[tuple[Desk, CallbackReceiver]]:
    """Like `desk`, but the shop's webhook has a callback_url: messages to its customers
    (agents' replies, notices) are delivered to the returned receiver."""
    receiver, served = callback_receiver
    clock = ManualClock(START)
    overrides = {
        "webhook": {
            "sources": {"shop": {"secret": SECRET, "callback_url": f"{served.url}/callback"}}
        }
    }
    running = Desk(await start_bot(overrides, clock=clock, background=False), clock)
    yield running, receiver
    for client in running.clients:
        await client.aclose()


@pytest.fixture
async def mail_desk(
    start_bot: Callable[..., Awaitable[Any]], sink: Sink
) -> AsyncIterator[tuple[Desk, Sink]]:
    """The bot on a manual clock, background work off, its mail relay the test's sink."""
    clock = ManualClock(START)
    bot = await start_bot({"email": {"relay": {"port": sink.port}}}, clock=clock, background=False)
    running = Desk(bot, clock)
    yield running, sink
    for client in running.clients:
        await client.aclose()


async def mails(desk: Desk, sink: Sink) -> list[EmailMessage]:
    """Dispatch what is due; the mails the relay took (delivery has finished on return)."""
    await desk.app.state.services.dispatcher.dispatch_due()
    arrived = []
    while not sink.messages.empty():
        arrived.append(sink.messages.get_nowait())
    return arrived


async def delivered(desk: Desk, receiver: CallbackReceiver) -> list[dict[str, Any]]:
    """Dispatch what is due and return the callbacks that arrived (the customer's view)."""
    await desk.app.state.services.dispatcher.dispatch_due()
    arrived = []
    while not receiver.arrivals.empty():
        arrived.append(receiver.arrivals.get_nowait())
    return arrived


@pytest.fixture
async def shop(start_bot: Callable[..., Awaitable[Any]]) -> AsyncIterator[Desk]:
    """The bot with a shop whose webhook has a callback URL, so its customers can be written to
    later; what is said to them stays in the outbox (these tests dispatch nothing)."""
    overrides = {
        "webhook": {
            "sources": {"shop": {"secret": SECRET, "callback_url": "http://127.0.0.1:1/callback"}}
        }
    }
    clock = ManualClock(START)
    running = Desk(await start_bot(overrides, clock=clock, background=False), clock)
    yield running
    for client in running.clients:
        await client.aclose()


def rows(desk: Desk, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of a raw query on the bot's store: what the tests check the outcome against."""
    engine = sa.create_engine(desk.bot.store_url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def status_changes(desk: Desk, number: str) -> list[dict[str, Any]]:
    """The complaint's status changes in order: who (`actor`) and the event's detail (`from`,
    `to`, `why`); PostgreSQL hands the JSON column back parsed, SQLite as text."""
    found = rows(
        desk,
        "SELECT e.actor, e.detail FROM events e JOIN complaints c ON c.id = e.complaint_id "
        "WHERE c.number = :n AND e.kind = 'status_changed' ORDER BY e.id",
        n=number,
    )
    return [
        {"actor": row["actor"], **(json.loads(d) if isinstance(d, str) else d)}
        for row in found
        for d in [row["detail"]]
    ]


async def mailed(
    desk: Desk, text: str, *, sender: str, subject: str = "Complaint", message_id: str = ""
) -> str:
    """A complaint mailed to the bot's SMTP intake by `sender`; its number."""
    port = desk.app.state.services.channels["email"].smtp_port
    message = mail(text, sender=sender, subject=subject, message_id=message_id)
    await send(port, message, sender=sender)
    (newest,) = rows(
        desk,
        "SELECT c.number FROM complaints c JOIN identities i ON i.id = c.identity_id "
        "WHERE i.address = :a ORDER BY c.id DESC LIMIT 1",
        a=sender,
    )
    return str(newest["number"])


async def console_login(
    desk: Desk, name: str, password: str, next_page: str = "/console/"
) -> tuple[httpx.AsyncClient, str, httpx.Response]:
    """An httpx client logged in to the console as `name`, its session's CSRF token, and the
    login's answer."""
    client = desk.client()
    form = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = await client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf_token": token[1], "next": next_page},
    )
    assert answer.status_code == 303, answer.text
    page = await client.get("/console/queue")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return client, csrf[1], answer
