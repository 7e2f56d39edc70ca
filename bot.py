"""Runs the complaint bot: reads settings.toml, wires the store, router, channels, outbox
dispatcher and HTTP app, and serves them on one asyncio loop until SIGINT or SIGTERM.

    python bot.py [--config settings.toml]

It wires and holds no business logic; `build_app` is what tests start too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI

from channels.base import Channel, Outbound
from channels.email import NAME as EMAIL
from channels.email import EmailChannel
from channels.telegram import NAME as TELEGRAM
from channels.telegram import TelegramChannel
from channels.webhook import WebhookChannel
from desk.agent_desk import AgentDesk
from desk.bounces import record_bounce
from desk.chat_texts import say
from desk.clock import Clock, SystemClock
from desk.conversation import ChatDesk
from desk.dead_letters import DeadLetters
from desk.dispatcher import Dispatcher
from desk.intake import Intake, IntakePolicy
from desk.replies import Replies, TemplateProblem
from desk.settings import Settings, SettingsError, load_settings
from desk.sweeps import Sweeps
from router import RuleSet
from store import queries
from store.database import Database, StoreUnavailable

log = logging.getLogger("bot")
SHIPPED_PLACEHOLDER_SECRET = "change-me-to-a-long-random-secret"  # noqa: S105 (it is a warning)
SHIPPED_SIGNING_SECRET = "change-me-to-another-long-random-secret"  # noqa: S105


def open_store(settings: Settings, clock: Clock) -> tuple[Database, RuleSet]:
    """Upgrade the schema, record the rule set and departments; return the versioned rules."""
    database = Database(settings.store_url, settings.busy_timeout)
    database.upgrade()
    version = database.write_now(
        lambda s: queries.record_rule_set(s, settings.rules_text, clock.now())
    )
    database.write_now(
        lambda s: queries.sync_departments(
            s, {key: d.names for key, d in settings.rules.departments.items()}
        )
    )
    database.write_now(lambda s: queries.sync_agents(s, settings.agents))
    return database, replace(settings.rules, version=version)


def build_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    dispatch_in_background: bool = True,
    sweep_in_background: bool = True,
) -> FastAPI:
    """The whole bot as an ASGI app; its lifespan starts the channels and the dispatcher.

    Tests that move an injected clock turn the background dispatcher off and call
    `app.state.dispatcher.dispatch_due()` themselves.
    """
    clock = clock or SystemClock()
    replies = Replies(
        settings.templates_dir, settings.rules, settings.timezone, settings.company_name
    )
    replies.check(clock.now())
    database, rules = open_store(settings, clock)
    channels: dict[str, Channel] = {}
    dispatcher = Dispatcher(database, channels, settings.outbox, clock)
    intake = Intake(
        database,
        IntakePolicy(
            rules,
            settings.service_levels,
            settings.default_language,
            settings.max_attachments,
            settings.max_attachment_bytes,
            replies_per_hour={EMAIL: settings.email.max_replies_per_hour},
            reopen_at_or_below=settings.survey.reopen_at_or_below,
            warn_before=settings.escalation.warn_before,
            notify={
                key: (TELEGRAM, str(department.telegram_chat_id))
                for key, department in rules.departments.items()
                if settings.telegram.enabled and department.telegram_chat_id is not None
            },
        ),
        replies,
        clock,
        channels,
        on_queued=dispatcher.wake,
    )
    if settings.email.enabled and settings.email.signing_secret == SHIPPED_SIGNING_SECRET:
        log.warning(
            "[email] signing_secret is still the example from settings.toml; set a "
            "long random one so nobody can forge the bot's Message-IDs"
        )
    for source in settings.webhook_sources.values():
        if source.secret == SHIPPED_PLACEHOLDER_SECRET:
            log.warning(
                "webhook source %r still uses the example secret from settings.toml; "
                "set a long random one before exposing the bot",
                source.name,
            )
    webhook = WebhookChannel(
        settings.webhook_sources, intake.receive, clock, settings.webhook_max_body_bytes
    )
    channels[webhook.name] = webhook
    dead_letters = DeadLetters(database, clock)
    reprocessors = {}
    if settings.email.enabled:
        email = EmailChannel(
            settings.email,
            intake.receive,
            on_bounce=lambda bounce: record_bounce(
                database, clock, bounce, settings.email.bounces_before_suppression
            ),
            keep_dead_letter=lambda raw, reason, status: dead_letters.keep(
                EMAIL, raw, reason, status
            ),
            clock=clock,
        )
        channels[email.name] = email
        reprocessors[email.name] = email.process

    def can_send(channel: str, address: str) -> bool:
        return channel in channels and channels[channel].can_send(address)

    agents = AgentDesk(
        database,
        clock,
        settings.service_levels,
        can_send=can_send,
        on_queued=dispatcher.wake,
        survey_delay=settings.survey.delay,
        warn_before=settings.escalation.warn_before,
    )
    sweeps = Sweeps(
        database,
        clock,
        settings.service_levels,
        settings.survey,
        replies,
        can_send,
        on_queued=dispatcher.wake,
        batch=settings.scheduler.batch,
        escalation=settings.escalation,
        rules=rules,
    )
    telegram = None
    if settings.telegram.enabled:
        telegram = TelegramChannel(
            settings.telegram,
            intake.receive,
            ChatDesk(
                database,
                clock,
                rules,
                replies,
                settings.default_language,
                settings.company_name,
                on_queued=dispatcher.wake,
                reopen_at_or_below=settings.survey.reopen_at_or_below,
            ),
            agents,
            clock,
            settings.company_name,
            settings.default_language,
            send_link_code=_link_code_sender(channels[EMAIL]) if EMAIL in channels else None,
        )
        channels[telegram.name] = telegram

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(database.close)
            for channel in channels.values():
                await channel.start()
                stack.push_async_callback(channel.stop)
            if sweep_in_background:
                scheduler = AsyncIOScheduler(timezone=UTC)
                # One periodic job runs every sweep; the database decides what is due, so a
                # missed run is simply caught up by the next (misfire_grace_time=None).
                scheduler.add_job(
                    sweeps.run_all,
                    "interval",
                    seconds=settings.scheduler.sweep_every.total_seconds(),
                    next_run_time=datetime.now(UTC),
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                    id="sweeps",
                )
                scheduler.start()
                stack.callback(scheduler.shutdown, wait=False)
            if dispatch_in_background:
                task = asyncio.create_task(dispatcher.run(), name="outbox-dispatcher")
                stack.push_async_callback(_cancel, task)
            log.info(
                "complaint bot ready: store %s, rule set version %d, channels %s",
                database.writer.url.render_as_string(hide_password=True),
                rules.version,
                ", ".join(channels),
            )
            app.state.ready.set()
            yield
        log.info("complaint bot stopped")

    app = FastAPI(title="Complaint bot", lifespan=lifespan)
    app.state.ready = asyncio.Event()
    """Set once the channels listen; tests await it instead of polling."""
    app.state.database = database
    app.state.dispatcher = dispatcher
    app.state.intake = intake
    app.state.channels = channels
    app.state.dead_letters = dead_letters
    app.state.reprocessors = reprocessors
    app.state.agents = agents
    app.state.sweeps = sweeps
    app.include_router(webhook.routes())
    if telegram is not None:
        app.include_router(telegram.routes())

    @app.get("/health", summary="Liveness: answers when the bot is serving")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _link_code_sender(email: Channel) -> Callable[[str, str, str], Awaitable[None]]:
    """How /link mails its one-time code: straight through the e-mail channel, not the outbox,
    because the code is short-lived and belongs to no complaint; a failure is told to the user
    at once (they can ask again)."""

    async def send(address: str, code: str, language: str) -> None:
        await email.send(
            address,
            Outbound(
                message_id=f"link-{secrets.token_hex(8)}",
                complaint_number="",
                kind="notification",
                text=say(language, "link_mail", code=code),
                language=language,
            ),
        )

    return send


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the complaint bot.")
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("settings.toml"),
        help="settings file (default: settings.toml)",
    )
    parser.add_argument("--log-level", default="INFO")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="serve the bot (the default)")
    letters = commands.add_parser(
        "dead-letters", help="list input kept as dead letters, or reprocess it"
    )
    letters.add_argument(
        "--reprocess",
        nargs="*",
        type=int,
        metavar="ID",
        help="reprocess these kept letters (all kept ones when no ID is given)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiosmtpd logs every envelope address at INFO; addresses are personal data.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
        app = build_app(settings)
    except (SettingsError, TemplateProblem) as error:
        parser.exit(2, f"complaint bot: {error}\n")
    except StoreUnavailable as error:
        parser.exit(2, f"complaint bot: cannot open the store {settings.store_url}: {error}\n")
    if args.command == "dead-letters":
        return asyncio.run(_dead_letters(app, args.reprocess))
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=30,
        )
    )
    # uvicorn stops gracefully on SIGINT or SIGTERM (in-flight requests finish), then raises
    # the signal again; after a graceful stop that is a normal exit, not a crash.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


async def _dead_letters(app: FastAPI, reprocess: list[int] | None) -> int:
    """List dead letters, or reprocess kept ones through their channel; exit 1 if any fails.

    Replies that reprocessing queues are sent by the running bot's dispatcher."""
    letters: DeadLetters = app.state.dead_letters
    try:
        if reprocess is None:
            for letter in await letters.listing():
                print(  # noqa: T201 (a command-line listing)
                    f"{letter.id}\t{letter.status}\t{letter.channel}\t"
                    f"{letter.received_at:%Y-%m-%d %H:%M}\t{len(letter.raw)} bytes\t{letter.reason}"
                )
            return 0
        results = await letters.reprocess(app.state.reprocessors, reprocess or None)
        for result in results:
            print(f"{result.letter}\t{'ok' if result.ok else 'failed'}\t{result.outcome}")  # noqa: T201
        return 0 if all(result.ok for result in results) else 1
    finally:
        app.state.database.close()


if __name__ == "__main__":
    sys.exit(main())
