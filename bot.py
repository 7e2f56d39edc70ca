"""Runs the complaint bot: reads settings.toml, wires the store, the services, the channels, the
outbox dispatcher, the scheduler and the HTTP app, and serves them on one asyncio loop until
SIGINT or SIGTERM.

    python bot.py [--config settings.toml] [run | create-admin NAME | dead-letters]

It wires and holds no business logic; `build_app` is what tests start too.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, FastAPI
from fastapi.telemetry import TelemetryConfig

import web.app as web
from admin.accounts import Accounts
from admin.rule_book import RuleBook
from admin.startup import open_store
from admin.triage import Triage
from admin.triage_data import labelled_directory, shipped_examples
from channels.base import Channel, Leadership
from channels.email.channel import EmailChannel
from channels.webhook.adapter import WebhookChannel
from complaints.addresses import EMAIL
from complaints.clock import Clock, SystemClock
from complaints.errors import Said
from config import Settings, shipped_secrets
from intake.bounces import record_bounce
from intake.chat import ChatDesk
from intake.chat_link import link_code_mailer
from intake.dead_letters import DeadLetters
from intake.kept_mail import KeptMailNotice
from intake.receive import Intake, IntakePolicy
from observe.metrics import Metrics
from outbox.dispatcher import Dispatcher
from outbox.notify import Notifier
from outbox.reply_limit import ReplyLimit
from outbox.templates import Replies
from outbox.undelivered import tell_desk
from router import RuleSet
from router.model import keep_trained
from scheduler.due import DueTimes
from scheduler.hot_spots import HotSpots
from scheduler.jobs import periodic
from scheduler.sweeps import Sweeps
from staff.actions import AgentDesk
from staff.canned_replies import CannedReplies
from staff.chat_commands import ChatCommands
from staff.lost_answers import both, take_back_first_response
from staff.merge import Duplicates
from staff.solutions import Solutions
from store.database import Database
from store.leadership import leadership_for
from web import probes
from web.console.i18n import catalogs
from web.console.phrasing import phrased
from web.services import Services

log = logging.getLogger("bot")

NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's own OpenTelemetry hooks, off: the bot exports Prometheus metrics (observe/), and
with the hooks on FastAPI asks OpenTelemetry for its providers on every request even when
nothing is configured (about 8 µs a request)."""


def open_settings_store(settings: Settings, clock: Clock) -> tuple[Database, RuleBook]:
    """The store of `settings`, upgraded, with its rule book: all that the bot and the commands
    working on the store alone (`create-admin`) open first."""
    return open_store(
        url=settings.store_url,
        busy_timeout=settings.busy_timeout,
        synchronous=settings.synchronous,
        rules=settings.rules,
        rules_text=settings.rules_text,
        agents=settings.agents,
        clock=clock,
    )


def build_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    dispatch_in_background: bool = True,
    sweep_in_background: bool = True,
    serving: bool = False,
) -> FastAPI:
    """The whole bot as an ASGI app; its lifespan starts the channels, the dispatcher and the
    sweeps. Tests that move an injected clock turn the background work off and call
    `app.state.services.dispatcher.dispatch_due()` and `.sweeps.run_all()` themselves.
    `serving`: the serving command's (`run`): its start-up heap is frozen once ready (see the
    lifespan) and the process keeps one triage training (`router.model.keep_trained`)."""
    clock = clock or SystemClock()
    # Templates are checked before the store is opened: a broken one stops start-up at once.
    _replies(settings, lambda: settings.rules).check(clock.now())
    database, rule_book = open_settings_store(settings, clock)
    for warning in shipped_secrets(settings):
        log.warning("%s", warning)
    shipped = shipped_examples(labelled_directory(), rule_book.current.categories)
    if serving:
        keep_trained(1)
    triage = Triage(database, clock, shipped, settings.triage)
    triage.start()
    # several instances on PostgreSQL: one runs each poller, another takes over when it dies
    leadership = leadership_for(database, settings.takeover_every)
    services, channels, routes = _services(settings, clock, rule_book, triage, leadership)

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
                # agents' corrections (on any instance) teach the triage model
                model = {"triage": services.triage.refresh}
                stack.enter_context(periodic(model, settings.triage.retrain_every))
            # before the scheduler stops (the stack unwinds backwards): a retraining under way ends
            # at once, its child process with it, and its job returns rather than being cancelled
            stack.push_async_callback(services.triage.stop)
            if dispatch_in_background:
                task = asyncio.create_task(services.dispatcher.run(), name="outbox-dispatcher")
                stack.push_async_callback(_cancel, task)
            log.info(
                "complaint bot ready: store %s, rule set version %d, channels %s",
                # where, not who: the database user may be a person's name
                database.writer.url._replace(username=None, password=None).render_as_string(),
                rule_book.current.version,
                ", ".join(channels),
            )
            if serving:
                # Everything built so far lives as long as the process (the rule set, the
                # triage model's training rows): out of the cyclic collector's reach, whose
                # full passes over it paused every request for ~100 ms (the webhook's p99).
                # Start-up's own garbage goes first, so none of it is kept for ever.
                gc.collect()
                gc.freeze()
            app.state.ready.set()
            yield
        log.info("complaint bot stopped")

    # web.install serves the docs pages from local files instead of FastAPI's CDN-loaded ones
    app = FastAPI(
        title="Complaint bot",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        telemetry=NO_TELEMETRY,
    )
    app.state.ready = asyncio.Event()
    """Set once the channels listen; tests await it instead of polling."""
    app.state.services = services
    """The services the routes reach through `web.deps`; tests use them too."""
    for route in routes:
        app.include_router(route)
    web.install(app)

    app.include_router(probes.router)  # after web's: the docs list them last
    return app


def _services(
    settings: Settings,
    clock: Clock,
    rule_book: RuleBook,
    triage: Triage,
    leadership: Leadership,
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

    metrics = Metrics()
    dispatcher = Dispatcher(database, channels, settings.outbox, clock, metrics=metrics)
    wake = dispatcher.wake
    replies = _replies(settings, rules)
    notifier = Notifier(
        can_send,
        rules,
        settings.default_language,
        settings.escalation.levels,
        company=settings.company_name,
    )
    due = DueTimes(
        settings.service_levels,
        warn_before=settings.escalation.warn_before,
        survey_delay=settings.survey.delay,
        close_after=settings.survey.close_after,
    )
    # the notifier needs the dispatcher's channels; a lost answer is no first response
    dispatcher.given_up = both(tell_desk(notifier), take_back_first_response(due))
    policy = IntakePolicy(
        settings.default_language,
        settings.max_attachments,
        settings.max_attachment_bytes,
        replies_per_hour={EMAIL: settings.email.max_replies_per_hour},
        reopen_at_or_below=settings.survey.reopen_at_or_below,
        duplicates=settings.duplicates,
    )
    intake = Intake(
        database,
        policy,
        replies,
        clock,
        channels,
        notifier,
        due,
        rules=rules,
        model=lambda: triage.current,
        on_queued=wake,
        metrics=metrics,
    )
    agents = AgentDesk(
        database, clock, notifier, due, rules=rules, format_due=replies.format_due, on_queued=wake
    )
    dead_letters = DeadLetters(database, clock, metrics)
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
    commands = ChatCommands(agents, settings.default_language, say=_in_language)
    routes = _channels(settings, clock, channels, intake, dead_letters, chats, commands, leadership)
    email = channels.get(EMAIL)
    services = Services(
        settings=settings,
        clock=clock,
        database=database,
        rule_book=rule_book,
        triage=triage,
        accounts=Accounts(
            database, clock, lambda: tuple(rule_book.current.departments), metrics=metrics
        ),
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
        duplicates=Duplicates(database, clock, notifier, due, on_queued=wake),
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
            metrics=metrics,
            reply_limit=ReplyLimit(policy.replies_per_hour),
        ),
        hot_spots=HotSpots(database, clock, settings.hot_spots, notifier, on_queued=wake),
        dead_letters=dead_letters,
        reprocessors={EMAIL: email.reprocess} if isinstance(email, EmailChannel) else {},
        can_send=can_send,
        metrics=metrics,
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
    leadership: Leadership,
) -> list[APIRouter]:
    """Add the enabled channels to `channels`, each handing what it receives to intake; their
    HTTP routes. The pollers (Telegram, IMAP) run while this instance holds their locks."""
    webhook = WebhookChannel(
        settings.webhook_sources,
        intake.receive,
        clock,
        settings.webhook_max_body_bytes,
        settings.max_attachments,
        send_timeout=settings.outbox.send_timeout.total_seconds(),
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
                intake.database,
                settings.default_language,
                settings.company_name,
                settings.max_attachments,
                settings.max_attachment_bytes,
            ),
            leadership=leadership,
        )
    if settings.telegram.enabled:
        # Imported only when enabled: python-telegram-bot, with httpx and cryptography under
        # it, holds about 18 MB of the process (measured with bench/memory.py).
        from channels.telegram.adapter import TelegramChannel

        mail_code = link_code_mailer(channels[EMAIL]) if EMAIL in channels else None
        telegram = TelegramChannel(
            settings.telegram,
            intake.receive,
            chats,
            commands,
            clock,
            send_link_code=mail_code,
            max_attachment_bytes=settings.max_attachment_bytes,
            leadership=leadership,
            timezone=settings.timezone,
        )
        channels[telegram.name] = telegram
        routes.append(telegram.routes())
    return routes


def _in_language(language: str, text: Said) -> str:
    """A service's text as the console shows it, for the agents' chat commands."""
    return phrased(text).translated(catalogs()[language])


def _replies(settings: Settings, rules: Callable[[], RuleSet]) -> Replies:
    return Replies(settings.templates_dir, rules, settings.customer_zones, settings.company_name)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


if __name__ == "__main__":
    from cli import main

    sys.exit(main())
