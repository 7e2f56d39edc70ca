"""Runs the complaint bot: reads settings.toml, wires the store, the services, the channels, the
outbox dispatcher, the scheduler and the HTTP app, and serves them on one asyncio loop until
SIGINT or SIGTERM.

    python bot.py [--config settings.toml] [run | create-admin NAME | dead-letters]

It wires and holds no business logic; `build_app` is what tests start too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

import web.app as web
from admin.accounts import Accounts
from admin.commands import create_admin
from admin.rule_book import RuleBook
from admin.startup import open_store
from channels.base import Channel
from channels.email.channel import EmailChannel
from channels.telegram.adapter import TelegramChannel
from channels.webhook.adapter import WebhookChannel
from complaints.addresses import EMAIL
from complaints.clock import Clock, SystemClock
from complaints.errors import SettingsError, StoreUnavailable
from config import Settings, load_settings, shipped_secrets
from intake.bounces import record_bounce
from intake.chat import ChatDesk
from intake.chat_link import link_code_mailer
from intake.dead_letters import DeadLetters, dead_letters_command
from intake.kept_mail import KeptMailNotice
from intake.receive import Intake, IntakePolicy
from outbox.dispatcher import Dispatcher
from outbox.notify import Notifier
from outbox.templates import Replies
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
from web.services import Services

log = logging.getLogger("bot")


def build_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    dispatch_in_background: bool = True,
    sweep_in_background: bool = True,
) -> FastAPI:
    """The whole bot as an ASGI app; its lifespan starts the channels, the dispatcher and the
    sweeps. Tests that move an injected clock turn the background work off and call
    `app.state.services.dispatcher.dispatch_due()` and `.sweeps.run_all()` themselves."""
    clock = clock or SystemClock()
    # Templates are checked before the store is opened: a broken one stops start-up at once.
    _replies(settings, lambda: settings.rules).check(clock.now())
    database, rule_book = open_store(
        url=settings.store_url,
        busy_timeout=settings.busy_timeout,
        rules=settings.rules,
        rules_text=settings.rules_text,
        agents=settings.agents,
        clock=clock,
    )
    for warning in shipped_secrets(settings):
        log.warning("%s", warning)
    services, channels, routes = _services(settings, clock, rule_book)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(database.close)
            for channel in channels.values():
                await channel.start()
                stack.push_async_callback(channel.stop)
            if sweep_in_background:
                jobs = {"sweeps": services.sweeps.run_all, "hot_spots": services.hot_spots.sweep}
                stack.enter_context(periodic(jobs, settings.scheduler.sweep_every))
                # another instance may publish rules: route with them within seconds
                rules = {"rules": rule_book.refresh}
                stack.enter_context(periodic(rules, RuleBook.REFRESH_EVERY))
            if dispatch_in_background:
                task = asyncio.create_task(services.dispatcher.run(), name="outbox-dispatcher")
                stack.push_async_callback(_cancel, task)
            log.info(
                "complaint bot ready: store %s, rule set version %d, channels %s",
                database.writer.url.render_as_string(hide_password=True),
                rule_book.current.version,
                ", ".join(channels),
            )
            app.state.ready.set()
            yield
        log.info("complaint bot stopped")

    app = FastAPI(title="Complaint bot", lifespan=lifespan)
    app.state.ready = asyncio.Event()
    """Set once the channels listen; tests await it instead of polling."""
    app.state.services = services
    """The services the routes reach through `web.deps`; tests use them too."""
    for route in routes:
        app.include_router(route)
    web.install(app)

    @app.get("/health", summary="Liveness: answers when the bot is serving")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/ready",
        summary="Readiness: the store takes a write within a second",
        responses={503: {"description": "The store is locked or unreachable; the reason"}},
    )
    async def ready() -> JSONResponse:
        reason = await database.unready()
        if reason is None:
            return JSONResponse({"status": "ready"})
        return JSONResponse(
            {"status": "unavailable", "reason": reason},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    return app


def _services(
    settings: Settings, clock: Clock, rule_book: RuleBook
) -> tuple[Services, dict[str, Channel], list[APIRouter]]:
    """Every service and channel, each handed the parts it uses, and the channels' HTTP routes;
    `rules()` everywhere is the rule book's current set, so a version an admin publishes
    reaches every consumer at once."""
    database = rule_book.database

    def rules() -> RuleSet:
        return rule_book.current

    channels: dict[str, Channel] = {}

    def can_send(channel: str, address: str) -> bool:
        return channel in channels and channels[channel].can_send(address)

    dispatcher = Dispatcher(database, channels, settings.outbox, clock)
    wake = dispatcher.wake
    replies = _replies(settings, rules)
    notifier = Notifier(can_send, rules, settings.default_language)
    due = DueTimes(
        settings.service_levels,
        warn_before=settings.escalation.warn_before,
        survey_delay=settings.survey.delay,
        close_after=settings.survey.close_after,
    )
    policy = IntakePolicy(
        settings.default_language,
        settings.max_attachments,
        settings.max_attachment_bytes,
        replies_per_hour={EMAIL: settings.email.max_replies_per_hour},
        reopen_at_or_below=settings.survey.reopen_at_or_below,
        duplicates=settings.duplicates,
    )
    intake = Intake(
        database, policy, replies, clock, channels, notifier, due, rules=rules, on_queued=wake
    )
    agents = AgentDesk(database, clock, notifier, due, rules=rules, on_queued=wake)
    dead_letters = DeadLetters(database, clock)
    chats = ChatDesk(
        database,
        clock,
        rules,
        replies,
        settings.default_language,
        settings.company_name,
        on_queued=wake,
        reopen_at_or_below=settings.survey.reopen_at_or_below,
        notifier=notifier,
        due=due,
    )
    routes = _channels(settings, clock, channels, intake, dead_letters, chats, ChatCommands(agents))
    email = channels.get(EMAIL)
    services = Services(
        settings=settings,
        clock=clock,
        database=database,
        rule_book=rule_book,
        accounts=Accounts(database, clock, lambda: tuple(rule_book.current.departments)),
        agents=agents,
        solutions=Solutions(
            database,
            clock,
            notifier,
            due,
            settings.console.approval_above_cents,
            settings.console.currency,
            on_queued=wake,
        ),
        canned=CannedReplies(database, clock, settings.company_name),
        duplicates=Duplicates(database, clock, notifier, on_queued=wake),
        replies=replies,
        intake=intake,
        dispatcher=dispatcher,
        sweeps=Sweeps(
            database,
            clock,
            notifier,
            due,
            replies,
            escalation=settings.escalation,
            batch=settings.scheduler.batch,
            on_queued=wake,
        ),
        hot_spots=HotSpots(database, clock, settings.hot_spots, notifier, on_queued=wake),
        dead_letters=dead_letters,
        reprocessors={EMAIL: email.process} if isinstance(email, EmailChannel) else {},
        can_send=can_send,
        channels=channels,
    )
    return services, channels, routes


def _channels(
    settings: Settings,
    clock: Clock,
    channels: dict[str, Channel],
    intake: Intake,
    dead_letters: DeadLetters,
    chats: ChatDesk,
    commands: ChatCommands,
) -> list[APIRouter]:
    """Add the enabled channels to `channels`, each handing what it receives to intake; their
    HTTP routes."""
    webhook = WebhookChannel(
        settings.webhook_sources, intake.receive, clock, settings.webhook_max_body_bytes
    )
    channels[webhook.name] = webhook
    routes = [webhook.routes()]
    if settings.email.enabled:
        channels[EMAIL] = EmailChannel(
            settings.email,
            intake.receive,
            on_bounce=lambda bounce: record_bounce(
                dead_letters.database, clock, bounce, settings.email.bounces_before_suppression
            ),
            keep_dead_letter=lambda raw, why, status: dead_letters.keep(EMAIL, raw, why, status),
            clock=clock,
            kept_notice=KeptMailNotice(
                settings.default_language,
                settings.company_name,
                settings.max_attachments,
                settings.max_attachment_bytes,
            ),
        )
    if settings.telegram.enabled:
        mail_code = link_code_mailer(channels[EMAIL]) if EMAIL in channels else None
        telegram = TelegramChannel(
            settings.telegram,
            intake.receive,
            chats,
            commands,
            clock,
            send_link_code=mail_code,
            max_attachment_bytes=settings.max_attachment_bytes,
        )
        channels[telegram.name] = telegram
        routes.append(telegram.routes())
    return routes


def _replies(settings: Settings, rules: Callable[[], RuleSet]) -> Replies:
    return Replies(settings.templates_dir, rules, settings.timezone, settings.company_name)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _arguments(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(description="Run the complaint bot.")
    parser.add_argument("--config", type=Path, default=Path("settings.toml"), help="settings file")
    parser.add_argument("--log-level", default="INFO")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="serve the bot (the default)")
    letters = commands.add_parser("dead-letters", help="list kept dead letters, or reprocess them")
    letters.add_argument(
        "--reprocess",
        nargs="*",
        type=int,
        metavar="ID",
        help="reprocess these kept letters (all kept ones when no ID is given)",
    )
    admin = commands.add_parser("create-admin", help="create an admin account (asks a password)")
    admin.add_argument("name", help="the name to log in with")
    admin.add_argument("--email", default="", help="where hot-spot alerts reach this admin")
    admin.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    admin.add_argument("--token", action="store_true", help="also print a new API token")
    return parser, parser.parse_args(argv)


_QUERY = re.compile(r"\?[^\s\"]*")
_BOT_TOKEN = re.compile(r"/bot[^/\s\"]+/")


class _RedactUrls(logging.Filter):
    """Rewrites a record's URLs: a query string (`?q=ana@example.org`) is dropped and the
    Telegram bot token in `/bot<token>/` is masked, so neither reaches any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _BOT_TOKEN.sub("/bot***/", _QUERY.sub("", message))
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def protect_logs() -> None:
    """Keep personal data and secrets out of the log at every --log-level. uvicorn's access
    log and httpx's request log write whole URLs (searches by address, the bot token);
    aiosmtpd logs every envelope address at INFO; python-telegram-bot and httpcore log whole
    requests at DEBUG (message texts, the token). SQLAlchemy's parameters are hidden by the
    engines themselves (store/database.py)."""
    for name in ("uvicorn.access", "httpx"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrls) for f in logger.filters):
            logger.addFilter(_RedactUrls())
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    for name in ("telegram", "httpcore"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))


def main(argv: list[str] | None = None) -> int:
    parser, args = _arguments(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    protect_logs()
    try:
        settings = load_settings(args.config)
        app = build_app(settings)
    except SettingsError as error:
        parser.exit(2, f"complaint bot: {error}\n")
    except StoreUnavailable as error:
        parser.exit(2, f"complaint bot: cannot open the store {settings.store_url}: {error}\n")
    services: Services = app.state.services
    if args.command in ("create-admin", "dead-letters"):
        with contextlib.closing(services.database):
            if args.command == "create-admin":
                return create_admin(
                    services.accounts,
                    args.name,
                    args.email,
                    stdin=args.password_stdin,
                    token=args.token,
                )
            return asyncio.run(
                dead_letters_command(services.dead_letters, services.reprocessors, args.reprocess)
            )
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    server = uvicorn.Server(config)
    # uvicorn stops gracefully on SIGINT or SIGTERM (in-flight requests finish), then raises
    # the signal again; after a graceful stop that is a normal exit, not a crash.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
