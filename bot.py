"""Runs the complaint bot: reads settings.toml, wires the store, router, channels, outbox
dispatcher and HTTP app, and serves them on one asyncio loop until SIGINT or SIGTERM.

    python bot.py [--config settings.toml]

It wires and holds no business logic; `build_app` is what tests start too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import uvicorn
from fastapi import FastAPI

import web.app as web
from admin.accounts import Accounts
from admin.rule_book import RuleBook, choose_at_start, rule_set_from_text
from channels.base import Channel, Outbound
from channels.email.channel import NAME as EMAIL
from channels.email.channel import EmailChannel
from channels.telegram.adapter import TelegramChannel
from channels.webhook.adapter import WebhookChannel
from complaints.clock import Clock, SystemClock
from complaints.errors import AccountError, SettingsError, StoreUnavailable, TemplateProblem
from config import Settings, load_settings
from intake.bounces import record_bounce
from intake.chat import ChatDesk
from intake.dead_letters import DeadLetters
from intake.receive import Intake, IntakePolicy
from outbox.dispatcher import Dispatcher
from outbox.notify import Notifier
from outbox.templates import Replies
from outbox.texts import say
from router import RuleSet
from scheduler.due import DueTimes
from scheduler.hot_spots import HotSpots
from scheduler.jobs import periodic
from scheduler.sweeps import Sweeps
from staff.actions import AgentDesk
from staff.canned_replies import CannedReplies
from staff.chat_commands import ChatCommands
from staff.merge import Duplicates
from staff.solutions import Solutions
from store import queries
from store.database import Database
from web.services import Services

log = logging.getLogger("bot")
SHIPPED_PLACEHOLDER_SECRET = "change-me-to-a-long-random-secret"  # noqa: S105 (it is a warning)
SHIPPED_SIGNING_SECRET = "change-me-to-another-long-random-secret"  # noqa: S105


def open_store(settings: Settings, clock: Clock) -> tuple[Database, RuleSet, int]:
    """Upgrade the schema, record settings.toml's rule set, departments and agents; return
    the active rules (settings.toml's, or a newer version published from the console) and
    the version settings.toml holds."""
    database = Database(settings.store_url, settings.busy_timeout)
    database.upgrade()
    stored, settings_version = database.write_now(
        lambda s: choose_at_start(s, settings.rules_text, clock.now())
    )
    if stored.version == settings_version:
        rules = replace(settings.rules, version=settings_version)
    else:
        rules = rule_set_from_text(stored.source, stored.version or 0)
        log.warning(
            "routing rules: version %d, published from the console, is active; "
            "settings.toml's rules (version %d) are not used until they change",
            rules.version,
            settings_version,
        )
    database.write_now(
        lambda s: queries.sync_departments(
            s, {key: d.names for key, d in rules.departments.items()}
        )
    )
    database.write_now(lambda s: queries.sync_agents(s, settings.agents))
    return database, rules, settings_version


def build_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    dispatch_in_background: bool = True,
    sweep_in_background: bool = True,
) -> FastAPI:
    """The whole bot as an ASGI app; its lifespan starts the channels and the dispatcher.

    Tests that move an injected clock turn the background dispatcher off and call
    `app.state.services.dispatcher.dispatch_due()` themselves.
    """
    clock = clock or SystemClock()
    # Templates are checked before the store is opened: a broken one stops start-up at once.
    _replies(settings, lambda: settings.rules).check(clock.now())
    database, rules, settings_version = open_store(settings, clock)
    channels: dict[str, Channel] = {}
    dispatcher = Dispatcher(database, channels, settings.outbox, clock)
    rule_book = RuleBook(database, clock, rules, settings_version)
    replies = _replies(settings, lambda: rule_book.current)

    def can_send(channel: str, address: str) -> bool:
        return channel in channels and channels[channel].can_send(address)

    notifier = Notifier(can_send, lambda: rule_book.current)
    due = DueTimes(
        settings.service_levels,
        warn_before=settings.escalation.warn_before,
        survey_delay=settings.survey.delay,
        close_after=settings.survey.close_after,
    )
    intake = Intake(
        database,
        IntakePolicy(
            settings.default_language,
            settings.max_attachments,
            settings.max_attachment_bytes,
            replies_per_hour={EMAIL: settings.email.max_replies_per_hour},
            reopen_at_or_below=settings.survey.reopen_at_or_below,
            duplicates=settings.duplicates,
        ),
        replies,
        clock,
        channels,
        notifier,
        due,
        rules=lambda: rule_book.current,
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

    accounts = Accounts(database, clock, lambda: tuple(rule_book.current.departments))
    agents = AgentDesk(
        database,
        clock,
        notifier,
        due,
        rules=lambda: rule_book.current,
        on_queued=dispatcher.wake,
    )
    sweeps = Sweeps(
        database,
        clock,
        notifier,
        due,
        replies,
        escalation=settings.escalation,
        batch=settings.scheduler.batch,
        on_queued=dispatcher.wake,
    )
    hot_spots = HotSpots(
        database,
        clock,
        settings.hot_spots,
        can_send,
        settings.telegram.enabled,
        on_queued=dispatcher.wake,
    )
    telegram = None
    chats: ChatDesk | None = None
    if settings.telegram.enabled:
        chats = ChatDesk(
            database,
            clock,
            lambda: rule_book.current,
            replies,
            settings.default_language,
            settings.company_name,
            on_queued=dispatcher.wake,
            reopen_at_or_below=settings.survey.reopen_at_or_below,
            notifier=notifier,
            due=due,
        )
        telegram = TelegramChannel(
            settings.telegram,
            intake.receive,
            chats,
            ChatCommands(agents),
            clock,
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
                jobs = {"sweeps": sweeps.run_all, "hot_spots": hot_spots.sweep}
                stack.enter_context(periodic(jobs, settings.scheduler.sweep_every))
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
    app.state.services = Services(
        settings=settings,
        clock=clock,
        database=database,
        rule_book=rule_book,
        accounts=accounts,
        agents=agents,
        solutions=Solutions(
            database,
            clock,
            notifier,
            settings.console.approval_above_cents,
            settings.console.currency,
            on_queued=dispatcher.wake,
        ),
        canned=CannedReplies(database, clock, settings.company_name),
        duplicates=Duplicates(database, clock, notifier, on_queued=dispatcher.wake),
        replies=replies,
        intake=intake,
        dispatcher=dispatcher,
        sweeps=sweeps,
        hot_spots=hot_spots,
        dead_letters=dead_letters,
        reprocessors=reprocessors,
        can_send=can_send,
        channels=channels,
    )
    """The services the routes reach through `web.deps`; tests use them too."""
    app.include_router(webhook.routes())
    web.install(app)
    if telegram is not None:
        app.include_router(telegram.routes())

    @app.get("/health", summary="Liveness: answers when the bot is serving")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _replies(settings: Settings, rules: Callable[[], RuleSet]) -> Replies:
    return Replies(settings.templates_dir, rules, settings.timezone, settings.company_name)


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
    admin = commands.add_parser(
        "create-admin",
        help="create an admin account for the console and API (asks for its password)",
    )
    admin.add_argument("name", help="the name to log in with")
    admin.add_argument("--email", default="", help="where hot-spot alerts reach this admin")
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of asking twice",
    )
    admin.add_argument(
        "--token", action="store_true", help="also print a new API token for this admin"
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
    if args.command == "create-admin":
        return _create_admin(app, args)
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


def _create_admin(app: FastAPI, args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("complaint bot: the two passwords differ; nothing was created", file=sys.stderr)  # noqa: T201
            return 2
    services: Services = app.state.services
    accounts = services.accounts
    try:
        agent = accounts.create_now(args.name, "admin", (), password, args.email)
        print(f"admin {agent.name} created; log in at /console/login")  # noqa: T201
        if args.token:
            print(accounts.issue_token_now(agent.id or 0, "created with create-admin"))  # noqa: T201
    except AccountError as error:
        print(f"complaint bot: {error}; nothing was created", file=sys.stderr)  # noqa: T201
        return 2
    finally:
        services.database.close()
    return 0


async def _dead_letters(app: FastAPI, reprocess: list[int] | None) -> int:
    """List dead letters, or reprocess kept ones through their channel; exit 1 if any fails.

    Replies that reprocessing queues are sent by the running bot's dispatcher."""
    services: Services = app.state.services
    letters = services.dead_letters
    try:
        if reprocess is None:
            for letter in await letters.listing():
                print(  # noqa: T201 (a command-line listing)
                    f"{letter.id}\t{letter.status}\t{letter.channel}\t"
                    f"{letter.received_at:%Y-%m-%d %H:%M}\t{len(letter.raw)} bytes\t{letter.reason}"
                )
            return 0
        results = await letters.reprocess(dict(services.reprocessors), reprocess or None)
        for result in results:
            print(f"{result.letter}\t{'ok' if result.ok else 'failed'}\t{result.outcome}")  # noqa: T201
        return 0 if all(result.ok for result in results) else 1
    finally:
        services.database.close()


if __name__ == "__main__":
    sys.exit(main())
