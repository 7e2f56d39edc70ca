"""Hot-spot alerts on the running bot: complaints filed through the webhook on a manual clock,
`app.state.services.hot_spots.sweep()` run by hand, and what reaches the admins through the
outbox."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from complaints.clock import ManualClock
from store.models import Complaint, Event, HotSpotAlert, OutboxItem
from tests.conftest import START, serve, signed, table_counts
from tests.mailpeers import Sink
from tests.telegram_api import FakeTelegram

# Windows of one day (UTC midnights); the baseline is the mean of the three days before.
HOT_SPOTS = {"hot_spots": {"window": "1d", "baseline_windows": 3, "factor": 2.0, "min_count": 3}}
BILLING = "I was charged twice on my bill."
DAMAGED = "The parcel arrived damaged."
TOKEN = "123456:TEST-TOKEN-0123456789abcdef"
_ids = itertools.count(1)


async def file(bot: Any, text: str, product: str = "") -> str:
    """A complaint from a new customer through the signed webhook; its number."""
    n = next(_ids)
    body: dict[str, Any] = {"id": f"hs-{n}", "customer": {"id": f"hs-c-{n}"}, "text": text}
    if product:
        body["details"] = {"product": product}
    raw, headers = signed(body)
    async with httpx.AsyncClient(base_url=bot.url) as client:
        answer = await client.post("/webhook/shop", content=raw, headers=headers)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["complaint"])


async def stored(bot: Any) -> tuple[list[HotSpotAlert], list[OutboxItem], list[Event]]:
    def work(session: Session) -> tuple[list[HotSpotAlert], list[OutboxItem], list[Event]]:
        return (
            list(session.exec(select(HotSpotAlert).order_by(col(HotSpotAlert.id)))),
            list(
                session.exec(
                    select(OutboxItem)
                    .where(OutboxItem.kind == "notification")
                    .order_by(col(OutboxItem.id))
                )
            ),
            list(session.exec(select(Event).where(Event.kind == "hot_spot"))),
        )

    return await bot.app.state.services.database.read(work)


async def number_of(bot: Any, complaint_id: int) -> str:
    complaint = await bot.app.state.services.database.read(lambda s: s.get(Complaint, complaint_id))
    return str(complaint.number)


async def test_a_burst_alerts_every_admin_once_per_window(start_bot: Any) -> None:
    clock = ManualClock(START)  # Monday 09:00 UTC
    bot = await start_bot(HOT_SPOTS, clock, background=False)
    accounts, hot_spots = bot.app.state.services.accounts, bot.app.state.services.hot_spots
    root = await accounts.create("Root", "admin", (), email="root@example.com")
    off = await accounts.create("Former", "admin", (), email="former@example.com")
    await accounts.update(off.id, by=root, active=False)
    await accounts.create("Sam", "supervisor", ("billing",), email="sam@example.com")
    await accounts.create("Quiet", "admin", ())  # no address: cannot be told

    # Monday: two billing complaints are below min_count; nothing is written at all.
    for _ in range(2):
        await file(bot, BILLING, "Router X1")
    before = table_counts(bot.store_url)
    assert await hot_spots.sweep() == []
    assert table_counts(bot.store_url) == before

    # Four damaged parcels with nothing before them: a spot (a baseline of 0 needs min_count).
    damaged = [await file(bot, DAMAGED) for _ in range(4)]
    alerts = await hot_spots.sweep()
    assert [(a.dimension, a.value, a.count, a.baseline) for a in alerts] == [
        ("category", "delivery_damage", 4, 0.0)
    ]
    assert alerts[0].window_start.isoformat() == "2026-03-02T00:00:00+00:00"
    assert alerts[0].window_end.isoformat() == "2026-03-03T00:00:00+00:00"

    # The same window again, even with one more: no second alert.
    clock.advance(timedelta(hours=10))
    damaged.append(await file(bot, DAMAGED))
    assert await hot_spots.sweep() == []
    rows, outbox, events = await stored(bot)
    assert len(rows) == 1 and len(outbox) == 1 and len(events) == 1
    (mail,) = outbox
    assert (mail.channel, mail.address) == ("email", "root@example.com")
    assert await number_of(bot, mail.complaint_id) == damaged[3]  # the newest at the time
    assert events[0].complaint_id == mail.complaint_id
    assert events[0].detail is not None and events[0].detail["told"] == ["email:root@example.com"]
    text = mail.payload["text"] if mail.payload else ""
    # the category as settings.toml names it, in the desk's language, not its key
    assert "category 'Delivery damage' has 4 complaints between 2026-03-02 00:00" in text
    assert "delivery_damage" not in text
    assert "baseline of 0 per window over the 3 windows before" in text
    assert f"Newest: {', '.join(reversed(damaged[:4]))}." in text

    # Tuesday: three billing complaints for Router X1 against a baseline of 2/3 a day are a
    # spot twice (category and product); three damaged parcels against 5/3 a day are not.
    clock.advance(timedelta(hours=6))
    billing = [await file(bot, BILLING, "Router X1") for _ in range(3)]
    for _ in range(3):
        await file(bot, DAMAGED)
    alerts = await hot_spots.sweep()
    assert sorted((a.dimension, a.value, a.count, a.baseline) for a in alerts) == [
        ("category", "billing", 3, 0.67),
        ("product", "Router X1", 3, 0.67),
    ]
    rows, outbox, events = await stored(bot)
    assert len(rows) == 3 and len(events) == 3
    assert [item.address for item in outbox] == ["root@example.com"] * 3
    for item in outbox[1:]:
        assert await number_of(bot, item.complaint_id) == billing[-1]
        assert f"Newest: {', '.join(reversed(billing))}." in (item.payload or {})["text"]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram(token=TOKEN)
    served = await serve(api.app())
    api.url = served.url  # type: ignore[attr-defined]
    yield api
    api.close()
    await served.stop()


async def test_an_admin_on_telegram_is_told_in_their_private_chat(
    start_bot: Any, telegram: FakeTelegram
) -> None:
    url = telegram.url  # type: ignore[attr-defined]
    settings = {
        **HOT_SPOTS,
        "telegram": {
            "enabled": True,
            "token": TOKEN,
            "base_url": f"{url}/bot",
            "base_file_url": f"{url}/file/bot",
            "poll_timeout": 5,
        },
    }
    bot = await start_bot(settings, ManualClock(START), background=False)
    await bot.app.state.services.accounts.create(
        "Root", "admin", (), email="root@example.com", telegram_user_id=777
    )
    for _ in range(3):
        await file(bot, DAMAGED, "Blender B2")

    assert len(await bot.app.state.services.hot_spots.sweep()) == 2  # the category and the product
    _, outbox, _ = await stored(bot)
    assert {(item.channel, item.address) for item in outbox} == {("telegram", "777")}
    await bot.app.state.services.dispatcher.dispatch_due()
    told = [sent for sent in telegram.sent if str(sent.get("chat_id")) == "777"]
    assert len(told) == 2
    assert any("product 'Blender B2' has 3 complaints" in sent["text"] for sent in told)


async def test_a_supervisor_reads_the_category_in_their_own_language(start_bot: Any) -> None:
    """An admin who is the spot's department supervisor is told in `supervisor_language`: the
    category's name too, not only the frame around it (the desk's language is English)."""
    settings = HOT_SPOTS | {
        "departments": {
            "logistics": {"supervisor": "email:boss@example.com", "supervisor_language": "es"}
        }
    }
    bot = await start_bot(settings, ManualClock(START), background=False)
    accounts, hot_spots = bot.app.state.services.accounts, bot.app.state.services.hot_spots
    await accounts.create("Boss", "admin", (), email="boss@example.com")
    await accounts.create("Root", "admin", (), email="root@example.com")
    for _ in range(4):
        await file(bot, DAMAGED)
    assert [a.value for a in await hot_spots.sweep()] == ["delivery_damage"]
    _, outbox, _ = await stored(bot)
    told = {item.address: (item.payload or {})["text"] for item in outbox}
    assert "Punto caliente: categoría 'Daños en el transporte' tiene 4" in told["boss@example.com"]
    assert "Hot spot: category 'Delivery damage' has 4" in told["root@example.com"]


async def test_an_alert_by_mail_says_in_its_subject_that_it_is_a_hot_spot(
    start_bot: Any, sink: Sink
) -> None:
    """The alert is about a category, not one complaint: its subject says so in the reader's
    language (the desk's English; Spanish at the spot's department supervisor), with no
    complaint number in brackets, and it answers no mail (no In-Reply-To or References). Its
    Message-ID stays the bot's signed one, for the complaint whose timeline holds the alert, so
    a bounce of it is still matched."""
    settings = HOT_SPOTS | {
        "email": {"relay": {"port": sink.port}},
        "departments": {
            "logistics": {"supervisor": "email:boss@example.com", "supervisor_language": "es"}
        },
    }
    bot = await start_bot(settings, ManualClock(START), background=False)
    services = bot.app.state.services
    await services.accounts.create("Boss", "admin", (), email="boss@example.com")
    await services.accounts.create("Root", "admin", (), email="root@example.com")
    damaged = [await file(bot, DAMAGED) for _ in range(4)]
    assert [a.value for a in await services.hot_spots.sweep()] == ["delivery_damage"]
    await services.dispatcher.dispatch_due()
    told = {}
    for _ in range(2):
        message = await sink.next()
        told[message["To"]] = message
    assert sink.messages.empty()
    subjects = {
        to: str(make_header(decode_header(message["Subject"]))) for to, message in told.items()
    }
    assert subjects == {
        "root@example.com": "Hot spot: 4 complaints about 'Delivery damage' (category) since "
        "2026-03-02 00:00 UTC",
        "boss@example.com": "Punto caliente: 4 reclamaciones sobre 'Daños en el transporte' "
        "(categoría) desde el 2026-03-02 00:00 UTC",
    }
    assert told["boss@example.com"]["Content-Language"] == "es"
    for message in told.values():
        assert "[C-" not in message["Subject"]
        assert message["In-Reply-To"] is None and message["References"] is None
        signed_by_bot = services.channels["email"].ids.verify(message["Message-ID"])
        assert signed_by_bot == (damaged[-1], True)
