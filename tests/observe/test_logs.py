"""The log as operators read it: JSON lines (`[log] format = "json"`) from the real bot and from
bot.py as a process, each line an object carrying the complaint number and no personal data;
APScheduler silent at INFO; a delivery retry named with its reason and its complaint, the
peer's quote of the customer's address masked; `[log]` mistakes refused with the reason."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import signal
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from complaints.clock import ManualClock
from complaints.errors import PermanentDeliveryError, SettingsError, TemporaryDeliveryError
from config import load_settings
from observe.logs import safe_reason, set_up_logs
from observe.settings import LogSettings
from scheduler.jobs import periodic
from store.database import Database
from tests.conftest import SECRET, START, CallbackReceiver, Served, signed, write_settings
from tests.mailpeers import Sink, mail, send
from tests.test_bot import free_port, read_until, run_bot
from tests.web.conftest import desk

__all__ = ["desk"]  # the fixture

ADDRESS = "ana.private@example.org"
PHONE = "+34 612 345 678"
NAME = "Ana Quintana-Whitfield"
TEXT = "my neighbour broke the blender I bought at your Calle Mayor shop"
PERSONAL = (ADDRESS, "ana.private", PHONE, "612 345", "Quintana", "Calle Mayor")
PROTECTED = (
    "uvicorn.access",
    "uvicorn.error",
    "httpx",
    "mail.log",
    "telegram",
    "httpcore",
    "imapclient",
)


def customer_complaint(id_: str) -> dict[str, Any]:
    person = {"id": "c-1", "name": NAME, "email": ADDRESS, "phone": PHONE}
    return {"id": id_, "customer": person, "text": TEXT}


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The log set up as `cli.main` does with `[log] format = "json"`, written to the returned
    buffer; the earlier set-up is put back afterwards."""
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    loggers = [logging.getLogger(name) for name in PROTECTED]
    levels = [(logger.level, list(logger.filters)) for logger in loggers]
    buffer = io.StringIO()
    set_up_logs(LogSettings(format="json"), "INFO", stream=buffer)
    yield buffer
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for logger, (level, filters) in zip(loggers, levels, strict=True):
        logger.setLevel(level)
        logger.filters[:] = filters


async def test_json_lines_carry_the_complaint_number_and_no_personal_data(
    start_bot: Any, callback_receiver: tuple[CallbackReceiver, Served], json_log: io.StringIO
) -> None:
    _, served = callback_receiver
    source = {"secret": SECRET, "callback_url": f"{served.url}/callback"}
    clock = ManualClock(START)
    bot = await start_bot({"webhook": {"sources": {"shop": source}}}, clock, background=False)
    logging.getLogger("uvicorn.access").setLevel(logging.INFO)  # tests serve at WARNING
    raw, headers = signed(customer_complaint("m-1"))
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        response = await client.post("/webhook/shop", content=raw, headers=headers)
        assert response.status_code == 202, response.text
        searched = await client.get("/api/customers", params={"q": ADDRESS})
        assert searched.status_code == 401
    number = response.json()["complaint"]
    await bot.app.state.services.dispatcher.dispatch_due()  # the acknowledgement's callback

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
        assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)
    about = {line["logger"]: line["message"] for line in lines if line.get("complaint") == number}
    assert about["intake.receive"] == f"new {number} via webhook"
    assert about["outbox.dispatcher"].startswith("delivered message")
    access = [line["message"] for line in lines if line["logger"] == "uvicorn.access"]
    assert any("/api/customers" in message for message in access)  # searched, and redacted
    written = json_log.getvalue()
    for personal in PERSONAL:
        assert personal not in written


async def test_a_callback_with_a_password_is_delivered_in_one_line_that_shows_no_secret(
    start_bot: Any, callback_receiver: tuple[CallbackReceiver, Served], json_log: io.StringIO
) -> None:
    """The callback URL's user:password and the token in its path reach no log line: httpx's
    own request line is not written (the dispatcher's line says the delivery once)."""
    receiver, served = callback_receiver
    with_secrets = served.url.replace("://", "://cbuser:cb-pass-SECRET1@") + "/callback"
    source = {"secret": SECRET, "callback_url": with_secrets}
    bot = await start_bot(
        {"webhook": {"sources": {"shop": source}}}, ManualClock(START), background=False
    )
    raw, headers = signed(customer_complaint("m-1"))
    async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
        response = await client.post("/webhook/shop", content=raw, headers=headers)
    assert response.status_code == 202, response.text
    await bot.app.state.services.dispatcher.dispatch_due()
    assert len(receiver.received) == 1  # delivered, with the password
    assert receiver.received[0][0]["authorization"].startswith("Basic ")

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    delivered = [line for line in lines if line["message"].startswith("delivered message")]
    assert len(delivered) == 1 and delivered[0]["logger"] == "outbox.dispatcher"
    assert not [line for line in lines if line["logger"] == "httpx"]
    assert "cb-pass" not in json_log.getvalue() and "cbuser" not in json_log.getvalue()


def test_a_url_with_a_password_is_masked_in_any_protected_line(
    json_log: io.StringIO,
) -> None:
    logging.getLogger("httpx").warning(
        "HTTP Request: POST %s failed", "https://cbuser:cb-pass-SECRET1@example.com/cb?key=x"
    )
    written = json_log.getvalue()
    assert "https://***@example.com/cb failed" in written
    assert "cb-pass" not in written and "key=x" not in written


async def test_a_sweep_run_by_the_scheduler_leaves_no_apscheduler_info_lines(
    desk: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await desk.complain("The shop assistant was rude to me.")
    desk.clock.advance(timedelta(hours=25))  # the first response deadline is missed
    caplog.set_level(logging.INFO)
    runs: asyncio.Queue[dict[str, int]] = asyncio.Queue()

    async def sweep() -> None:
        await runs.put(await desk.app.state.services.sweeps.run_all())

    with periodic({"sweeps": sweep}, timedelta(milliseconds=20)):
        async with asyncio.timeout(10):
            first, second = await runs.get(), await runs.get()  # the first ran to its end
    assert first["escalations"] == 1 and not any(second.values())
    swept = [r.getMessage() for r in caplog.records if r.name == "scheduler.sweeps"]
    assert len(swept) == 1 and "'escalations': 1" in swept[0]  # INFO lines are captured
    chatter = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("apscheduler") and r.levelno < logging.WARNING
    ]
    assert chatter == []  # its warnings (a run skipped or missed, a job that raised) still show


def test_at_debug_the_imap_protocol_lines_are_not_written(json_log: io.StringIO) -> None:
    """imapclient logs every protocol line at DEBUG: the mails it fetches, the login's user."""
    stream = io.StringIO()
    set_up_logs(LogSettings(), "DEBUG", stream)  # the fixture puts the INFO set-up back
    logging.getLogger("imapclient.imaplib").debug("< b'* 1 FETCH (BODY[] {%s}'", NAME)
    logging.getLogger("imapclient.imapclient").debug("Logged in as %s", ADDRESS)
    logging.getLogger("imapclient.imapclient").info("Connection closed")
    assert NAME not in stream.getvalue() and ADDRESS not in stream.getvalue()
    assert "Connection closed" in stream.getvalue()


def test_an_upgrade_of_the_store_is_one_line_and_a_start_on_a_current_one_none(
    tmp_path: Path,
) -> None:
    stream = io.StringIO()
    set_up_logs(LogSettings(), "INFO", stream)
    for _ in range(2):  # a first start, then a start on a store already current
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
        database.upgrade()
        database.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert re.search(r"store schema upgraded from an empty store to \d{4}$", lines[0])


@pytest.mark.parametrize(
    ("reply", "logged"),
    [
        (
            f"452 4.2.2 Mailbox of {ADDRESS} is full, Zyxwq Markerson busy, call {PHONE}",
            "attempt 1: TemporaryDeliveryError: relay answered 452 4.2.2), retrying at",
        ),
        (
            f"550 5.1.1 <{ADDRESS}> unknown user MARKERTEXT",
            "after 1 attempt(s): PermanentDeliveryError: relay answered 550 5.1.1",
        ),
    ],
)
async def test_a_failed_delivery_logs_the_relay_codes_and_the_complaint_not_the_peer_text(
    start_bot: Any, sink: Sink, caplog: pytest.LogCaptureFixture, reply: str, logged: str
) -> None:
    """The relay's free text may quote the customer's address, name or number: the log line
    keeps the SMTP code and enhanced status; the complaint's timeline keeps the whole answer."""
    sink.reply = reply
    overrides = {"email": {"relay": {"port": sink.port}}}
    bot = await start_bot(overrides, ManualClock(START), background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("My fridge is not cooling.", sender=ADDRESS, name=NAME), sender=ADDRESS)
    caplog.set_level(logging.INFO)
    await bot.app.state.services.dispatcher.dispatch_due()

    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        number = connection.execute(sa.text("SELECT number FROM complaints")).scalar_one()
        kept = connection.execute(sa.text("SELECT last_error FROM outbox")).scalar_one()
    engine.dispose()
    lines = [r for r in caplog.records if r.name == "outbox.dispatcher"]
    assert [r.levelname for r in lines] == ["WARNING" if reply[0] == "4" else "ERROR"]
    message = lines[0].getMessage()
    assert f" of {number} via email failed " in message and logged in message
    assert lines[0].complaint == number  # type: ignore[attr-defined]
    for private in (*PERSONAL, "Zyxwq", "Markerson", "MARKERTEXT", "Mailbox", "unknown user"):
        assert private not in message
    assert kept == f"relay answered {reply}"  # the timeline keeps the peer's whole answer


async def test_bot_py_writes_json_lines_when_told_to(tmp_path: Path) -> None:
    port = free_port()
    overrides = {
        "http": {"port": port},
        "email": {"smtp_server": {"port": free_port()}},
        "log": {"format": "json"},
    }
    process = await run_bot("--config", str(write_settings(tmp_path, overrides)))
    assert process.stderr is not None
    startup = await read_until(process.stderr, "Application startup complete")
    raw, headers = signed(customer_complaint("proc-1"))
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://127.0.0.1:{port}/webhook/shop", content=raw, headers=headers
        )
    assert response.status_code == 202
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(60):  # both pipes read to the end and closed
        _, err = await process.communicate()
    rest = err.decode()
    assert process.returncode == 0
    lines = [json.loads(line) for line in (startup + rest).splitlines()]
    number = response.json()["complaint"]
    assert {"logger": "intake.receive", "complaint": number} in [
        {key: line.get(key) for key in ("logger", "complaint")} for line in lines
    ]
    assert any(line["message"] == "complaint bot stopped" for line in lines)
    for personal in PERSONAL:
        assert personal not in startup + rest


@pytest.mark.parametrize(
    ("section", "reason"),
    [
        ({"format": "xml"}, "[log] format: must be 'text' or 'json'"),
        ({"level": "loud"}, "[log] level: must be one of DEBUG, INFO, WARNING, ERROR"),
        ({"colour": True}, "[log] colour: unknown key"),
        ({"token": 12}, "[metrics] token: must be a string, not an integer"),
    ],
)
def test_log_and_metrics_settings_are_checked(
    tmp_path: Path, section: dict[str, Any], reason: str
) -> None:
    table = "metrics" if "token" in section else "log"
    with pytest.raises(SettingsError, match=f"^{tmp_path}/settings.toml: ") as refused:
        load_settings(write_settings(tmp_path, {table: section}))
    assert reason in str(refused.value)


def test_log_settings_default_to_text_at_info_and_take_any_case() -> None:
    assert LogSettings() == LogSettings(format="text", level="INFO")
    assert LogSettings(level="debug").level == "DEBUG"


def test_a_delivery_error_is_logged_by_the_part_its_channel_said_is_safe() -> None:
    said = f"Telegram refused: Forbidden: bot was blocked by {NAME}"
    error = PermanentDeliveryError(said, logged="Telegram refused: Forbidden")
    assert safe_reason(error) == "PermanentDeliveryError: Telegram refused: Forbidden"
    assert str(error) == said  # what the timeline keeps
    assert safe_reason(TemporaryDeliveryError("callback answered 503")) == (
        "TemporaryDeliveryError: callback answered 503"
    )


def test_a_reason_for_the_log_masks_addresses_and_numbers_and_keeps_the_rest() -> None:
    error = RuntimeError(f"550 5.1.1 <{ADDRESS}> unknown; chat 123456789 gone; 127.0.0.1:25")
    said = safe_reason(error)
    assert said == ("RuntimeError: 550 5.1.1 <<address>> unknown; chat <number> gone; 127.0.0.1:25")
    assert safe_reason(TimeoutError()) == "TimeoutError"
    assert len(safe_reason(ValueError("x" * 1000))) < 230


async def test_a_run_skipped_while_the_last_one_still_goes_is_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A triage refresh fitting for minutes made APScheduler warn once a minute that the job's
    next run was skipped: `max_instances=1` as meant. Its other warnings still show."""
    caplog.set_level(logging.INFO)
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    with periodic({"refresh": job}, timedelta(hours=1)):
        async with asyncio.timeout(10):
            await ran.wait()
        scheduler = logging.getLogger("apscheduler.scheduler")
        skipped = 'Execution of job "%s" skipped: maximum number of running instances reached (%d)'
        scheduler.warning(skipped, "Triage.refresh", 1)  # APScheduler's words, as it logs them
        scheduler.warning('Run time of job "%s" was missed by %s', "sweeps", "0:01:00")
    warned = [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")]
    assert warned == ['Run time of job "sweeps" was missed by 0:01:00']
