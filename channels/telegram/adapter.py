"""The Telegram adapter: customers complain in a private chat; agents answer from their
department's group.

Updates are fetched by our own long-poll loop (or arrive at `POST /telegram/webhook`) and each
is handed to python-telegram-bot's `Application.process_update`; the offset moves past an
update only after its handlers returned without error, so an update whose intake failed is
fetched again (the chat and message id dedupe it). What an update means is the chat flow's
business (`chat_flow.py`, reaching intake and staff through `ports.py`); this module connects,
polls or serves the webhook, and delivers what the outbox sends (`send`).

With several instances, only the one that holds the poller's lock (`Leadership`) polls: Telegram
answers a second poller of the same bot with 409 Conflict. The others serve the webhook, send,
and take over when the holder dies; the new poller starts from the updates the old one had not
confirmed, which intake dedupes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import weakref
from datetime import UTC, timedelta, tzinfo

from fastapi import APIRouter, Request, Response

# Opt in to python-telegram-bot's durations as timedelta (RetryAfter.retry_after), which its
# older int form warns about on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from channels.base import Leadership, OnInbound, Outbound
from channels.leading import Leading
from channels.telegram import NAME
from channels.telegram.chat_flow import DOWNLOAD_LIMIT, ChatFlow
from channels.telegram.ports import AgentCommands, CustomerChat, SendLinkCode
from channels.telegram.settings import TelegramSettings
from complaints.clock import Clock
from complaints.errors import (
    ChannelError,
    PermanentDeliveryError,
    StoreUnavailable,
    TemporaryDeliveryError,
)

log = logging.getLogger(__name__)

__all__ = ["NAME", "TelegramChannel", "split"]

LIMIT = 4096
"""Telegram's longest message; longer texts are split at line or word boundaries."""
RETRY_LATER = 5.0


class TelegramChannel:
    name = NAME
    answers_in_response = False

    def __init__(
        self,
        settings: TelegramSettings,
        on_inbound: OnInbound,
        chats: CustomerChat,
        agents: AgentCommands,
        clock: Clock,
        send_link_code: SendLinkCode | None = None,
        max_attachment_bytes: int = DOWNLOAD_LIMIT,
        leadership: Leadership | None = None,
        timezone: tzinfo = UTC,
    ) -> None:
        """`chats` and `agents` decide what the customers' and the agents' messages mean;
        `send_link_code(address, code, language)` mails a /link code (the e-mail channel);
        without it /link is unavailable. Files over `max_attachment_bytes` are refused with
        a reply (intake's `[intake] max_attachment_bytes`). With `leadership`, polling runs
        only while this instance holds the bot's poller lock. `timezone`: the desk's, which
        dates the names of files sent without one (`files.py`)."""
        self.settings = settings
        self.application = (
            Application.builder()
            .token(settings.token)
            .base_url(settings.base_url)
            .base_file_url(settings.base_file_url)
            .updater(None)
            .build()
        )
        self.flow = ChatFlow(
            chats, agents, on_inbound, clock, send_link_code, max_attachment_bytes, timezone
        )
        self.flow.register(self.application)
        self.application.add_error_handler(self._error)
        self._failed: set[int] = set()
        self._connecting: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        bot_id = settings.token.partition(":")[0]  # the public part of the token
        self.leading = (
            Leading(
                leadership, f"Telegram poller of bot {bot_id}", self._poll_start, self._poll_stop
            )
            if leadership is not None
            else None
        )
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self.offset = 0

    @property
    def bot(self) -> Bot:
        return self.application.bot

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to the Bot API. A wrong token stops start-up; an unreachable Telegram does
        not: the rest of the bot serves and this channel keeps trying in the background."""
        try:
            await self._connect()
        except NetworkError as error:
            log.warning(
                "Telegram unreachable at start (%s); retrying in the background",
                type(error).__name__,
            )
            self._connecting = asyncio.create_task(self._connect_later(), name="telegram-connect")

    async def _connect(self) -> None:
        try:
            await self.application.initialize()
        except InvalidToken:
            await self.bot.shutdown()  # Application.shutdown() skips a failed initialize
            raise ChannelError(
                "Telegram refused [telegram] token: check the token @BotFather gave (and base_url)"
            ) from None
        except TelegramError:
            await self.bot.shutdown()
            raise
        await self.application.start()
        try:
            await self.flow.set_menu(self.bot)
        except TelegramError as error:  # NetworkError included: the menu is no reason to wait
            log.warning("Telegram refused the command menu (%s)", type(error).__name__)
        if self.settings.mode == "webhook":
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        elif self.leading is not None:
            await self.leading.start()
        else:
            await self._poll_start()
        log.info("Telegram bot @%s ready (%s)", self.bot.username, self.settings.mode)

    async def _connect_later(self) -> None:
        delay = 1.0
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect()
                return
            except NetworkError as error:
                log.warning("Telegram still unreachable (%s)", type(error).__name__)
                delay = min(delay * 2, 300.0)

    async def stop(self) -> None:
        await _cancel(self._connecting)
        if self.leading is not None:
            await self.leading.stop()
        await self._poll_stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _poll_start(self) -> None:
        await self.bot.delete_webhook()
        self._poller = asyncio.create_task(self._poll(), name="telegram-poller")

    async def _poll_stop(self) -> None:
        """Stop polling; an update being handled is handled again by the next poller (its
        offset was not confirmed), and intake dedupes it."""
        poller, self._poller = self._poller, None
        await _cancel(poller)

    async def _poll(self) -> None:
        """Long-poll getUpdates; confirm (advance the offset past) an update only once it was
        processed, so nothing is lost when intake fails or the bot stops in between."""
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset,
                    timeout=self.settings.poll_timeout,
                    allowed_updates=Update.ALL_TYPES,
                )
            except TelegramError as error:
                log.warning("Telegram getUpdates failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(RETRY_LATER)
                continue
            for update in updates:
                if not await self.process(update):
                    await asyncio.sleep(RETRY_LATER)  # the store is down: same update again
                    break
                self.offset = update.update_id + 1

    async def process(self, update: Update) -> bool:
        """Run the handlers for one update; False when it must be delivered again."""
        self._failed.discard(update.update_id)
        await self.application.process_update(update)
        return update.update_id not in self._failed

    def routes(self) -> APIRouter:
        # Held weakly, as the webhook channel's route (channels/webhook/adapter.py): FastAPI's
        # module-level caches of endpoints would keep a stopped bot alive through a bound method.
        channel = weakref.ref(self)

        async def webhook(request: Request) -> Response:
            alive = channel()
            assert alive is not None  # the app that routes here holds it
            return await alive.webhook(request)

        router = APIRouter()
        router.add_api_route(
            "/telegram/webhook", webhook, methods=["POST"], include_in_schema=False
        )
        return router

    async def webhook(self, request: Request) -> Response:
        """Telegram's webhook: 200 only after processing, so a failure is delivered again."""
        secret = request.headers.get("x-telegram-bot-api-secret-token", "")
        if self.settings.mode != "webhook" or not hmac.compare_digest(
            secret, self.settings.webhook_secret
        ):
            return Response("wrong or missing secret token", status_code=401)
        try:
            update = Update.de_json(await request.json(), self.bot)
        except ValueError:
            return Response("not a Telegram update", status_code=400)
        if update is None or not await self.process(update):
            return Response("try again later", status_code=503)
        return Response(status_code=200)

    # ---- failures ----------------------------------------------------------------------------

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        retry = isinstance(context.error, StoreUnavailable | NetworkError)
        if isinstance(update, Update) and retry:
            self._failed.add(update.update_id)  # delivered again later
            return
        log.error(
            "Telegram update failed: %s", type(context.error).__name__, exc_info=context.error
        )

    # ---- out -------------------------------------------------------------------------------------

    def can_send(self, address: str) -> bool:
        return address.lstrip("-").isdigit()

    async def send(self, address: str, outbound: Outbound) -> str:
        """Deliver in order per chat; split at Telegram's limit; buttons on the last part.
        Returns every part's message id, space-separated: a customer's reply to any part
        continues the complaint (`intake.chat_threads`)."""
        chat_id = int(address)
        lock = self._chat_locks.setdefault(address, asyncio.Lock())
        async with lock:
            parts = split(outbound.text)
            markup = _markup(outbound)
            sent_ids = []
            try:
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    sent = await self.bot.send_message(
                        chat_id, part, reply_markup=markup if last else None
                    )
                    sent_ids.append(sent.message_id)
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                raise TemporaryDeliveryError(
                    f"Telegram asked to wait {seconds:.0f} s", retry_after=seconds
                ) from None
            except NetworkError as error:  # the log line names the class, not Telegram's text
                raise TemporaryDeliveryError(
                    f"Telegram unreachable: {error.message}",
                    logged=f"Telegram unreachable: {type(error).__name__}",
                ) from None
            except TelegramError as error:  # Forbidden (blocked, left) and the rest
                raise PermanentDeliveryError(
                    f"Telegram refused: {error.message}",
                    logged=f"Telegram refused: {type(error).__name__}",
                ) from None
        return " ".join(map(str, sent_ids))


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _markup(outbound: Outbound) -> InlineKeyboardMarkup | None:
    if outbound.kind == "survey":
        number = outbound.complaint_number
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(str(score), callback_data=f"survey:{number}:{score}")
                    for score in range(1, 6)
                ]
            ]
        )
    rows = outbound.extra.get("buttons")
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button["text"], callback_data=button["data"]) for button in row]
            for row in rows
        ]
    )


def split(text: str, limit: int = LIMIT) -> list[str]:
    """Cut `text` into parts of at most `limit` characters, at a line break or space when
    there is one in the second half of the part."""
    parts = []
    while len(text) > limit:
        cut = max(text.rfind("\n", limit // 2, limit), text.rfind(" ", limit // 2, limit))
        cut = cut if cut > 0 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text] if text or not parts else parts
