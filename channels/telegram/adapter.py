"""The Telegram channel: customers complain in a private chat; agents answer from their
department's group.

Updates are fetched by our own long-poll loop (or arrive at `POST /telegram/webhook`) and each
is handed to python-telegram-bot's `Application.process_update`; the offset moves past an
update only after its handlers returned without error, so an update whose intake failed is
fetched again (the chat and message id dedupe it). Everything the bot says about a complaint
leaves through the outbox (`send`); answers to commands (/status, /language…) are replies to
the command itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from complaints import numbers

# Opt in to python-telegram-bot's durations as timedelta (RetryAfter.retry_after), which its
# older int form warns about on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from channels.base import Attachment, Inbound, OnInbound, Outbound, Sender
from channels.telegram.settings import TelegramSettings
from complaints.clock import Clock
from complaints.errors import (
    ChannelError,
    ComplaintBotError,
    PermanentDeliveryError,
    StoreUnavailable,
    TemporaryDeliveryError,
)
from intake.chat import ChatDesk
from outbox.texts import LANGUAGE_NAMES, say
from router.language import SUPPORTED, normalise_hint
from staff.actions import AgentDesk

log = logging.getLogger(__name__)

NAME = "telegram"
LIMIT = 4096
"""Telegram's longest message; longer texts are split at line or word boundaries."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE = re.compile(r"^\s*(\d{6})\s*$")
RETRY_LATER = 5.0


class TelegramChannel:
    name = NAME
    answers_in_response = False

    def __init__(
        self,
        settings: TelegramSettings,
        on_inbound: OnInbound,
        chats: ChatDesk,
        agents: AgentDesk,
        clock: Clock,
        company: str,
        default_language: str,
        send_link_code: Callable[[str, str, str], Awaitable[None]] | None = None,
    ) -> None:
        """`send_link_code(address, code, language)` mails a /link code (the e-mail channel);
        without it /link is unavailable."""
        self.settings = settings
        self.on_inbound = on_inbound
        self.chats = chats
        self.agents = agents
        self.clock = clock
        self.company = company
        self.default_language = default_language
        self.send_link_code = send_link_code
        self.application = (
            Application.builder()
            .token(settings.token)
            .base_url(settings.base_url)
            .base_file_url(settings.base_file_url)
            .updater(None)
            .build()
        )
        self._register_handlers()
        self._failed: set[int] = set()
        self._poller: asyncio.Task[None] | None = None
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
            self._poller = asyncio.create_task(self._connect_later(), name="telegram-connect")

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
        if self.settings.mode == "webhook":
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll(), name="telegram-poller")
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
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

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
        router = APIRouter()
        router.add_api_route(
            "/telegram/webhook", self.webhook, methods=["POST"], include_in_schema=False
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

    # ---- handlers ----------------------------------------------------------------------------

    def _register_handlers(self) -> None:
        private = filters.ChatType.PRIVATE
        groups = filters.ChatType.GROUPS
        add = self.application.add_handler
        add(CommandHandler("start", self._start, filters=private))
        add(CommandHandler("status", self._status, filters=private))
        add(CommandHandler("new", self._new, filters=private))
        add(CommandHandler("language", self._language, filters=private))
        add(CommandHandler("link", self._link, filters=private))
        add(CommandHandler("handler", self._change_handler, filters=private))
        for command in ("take", "note", "resolve", "grade", "reject", "propose"):
            add(CommandHandler(command, self._agent_command, filters=groups))
        content = filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VOICE
        add(MessageHandler(private & content & ~filters.COMMAND, self._customer_message))
        add(
            MessageHandler(
                groups & filters.REPLY & filters.TEXT & ~filters.COMMAND, self._agent_reply
            )
        )
        add(CallbackQueryHandler(self._button))
        self.application.add_error_handler(self._error)

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        retry = isinstance(context.error, StoreUnavailable | NetworkError)
        if isinstance(update, Update) and retry:
            self._failed.add(update.update_id)  # delivered again later
            return
        log.error(
            "Telegram update failed: %s", type(context.error).__name__, exc_info=context.error
        )

    async def _language_of(self, update: Update) -> str:
        """The chat's chosen language, else the user's Telegram language, else "" (then the
        text decides, or the default)."""
        chat = update.effective_chat
        state = await self.chats.state(chat.id) if chat else None
        if state is not None and state.language:
            return state.language
        user = update.effective_user
        return normalise_hint(user.language_code or "") if user else ""

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = await self._language_of(update) or self.default_language
        user = update.effective_user
        await _reply(
            update,
            say(language, "welcome", name=user.first_name if user else "", company=self.company),
        )

    async def _status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = await self._language_of(update) or self.default_language
        assert update.effective_chat is not None
        await _reply(update, await self.chats.status(update.effective_chat.id, language))

    async def _new(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = await self._language_of(update) or self.default_language
        assert update.effective_chat is not None
        await self.chats.start_new(update.effective_chat.id)
        await _reply(update, say(language, "new"))

    async def _language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = await self._language_of(update) or self.default_language
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")]
                for code in SUPPORTED
            ]
        )
        message = update.effective_message
        assert message is not None
        await message.reply_text(say(language, "choose_language"), reply_markup=keyboard)

    async def _change_handler(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = await self._language_of(update) or self.default_language
        assert update.effective_chat is not None
        number = await self.chats.open_complaint(update.effective_chat.id)
        if not number:
            await _reply(update, say(language, "no_complaints"))
            return
        try:
            await self.agents.change_handler(number, self.chats.rules)
        except ComplaintBotError:
            await _reply(update, say(language, "handler_unavailable"))

    async def _link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = await self._language_of(update) or self.default_language
        chat = update.effective_chat
        assert chat is not None
        if self.send_link_code is None:
            await _reply(update, say(language, "link_unavailable"))
            return
        address = (context.args or [""])[0].strip().lower()
        if not EMAIL.match(address):
            await _reply(update, say(language, "link_usage"))
            return
        code = await self.chats.start_link(chat.id, address)
        await self.send_link_code(address, code, language)
        await _reply(update, say(language, "link_sent", email=address))

    async def _customer_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        assert message is not None and chat is not None and user is not None
        external_id = f"{chat.id}:{message.message_id}"
        language = await self._language_of(update)
        if message.text:
            code = CODE.match(message.text)
            if code and await self.chats.link_pending(chat.id):
                linked = await self.chats.verify_link(chat.id, code.group(1))
                reply = say(
                    language or self.default_language,
                    "link_done" if linked else "link_wrong",
                    email=linked,
                )
                await _reply(update, reply)
                return
            if await self.chats.answer(chat.id, external_id, message.text):
                return
        open_number = await self.chats.open_complaint(chat.id)
        inbound = Inbound(
            channel=NAME,
            external_id=external_id,
            sender=Sender(NAME, str(chat.id), user.full_name),
            text=message.text or message.caption or "",
            received_at=self.clock.now(),
            language_hint=language,
            attachments=await self._attachments(message),
            referenced_complaints=(open_number,) if open_number else (),
            source=NAME,
        )
        result = await self.on_inbound(inbound)
        if not result.duplicate:
            await self.chats.after_intake(chat.id, result.complaint, result.created)

    async def _attachments(self, message: Message) -> tuple[Attachment, ...]:
        """Photos (the largest size), documents and voice notes, fetched through the Bot API."""
        found: list[tuple[Any, str, str]] = []
        if message.photo:
            found.append((message.photo[-1], f"photo-{message.message_id}.jpg", "image/jpeg"))
        if message.document:
            document = message.document
            found.append(
                (
                    document,
                    document.file_name or f"document-{message.message_id}",
                    document.mime_type or "application/octet-stream",
                )
            )
        if message.voice:
            found.append(
                (
                    message.voice,
                    f"voice-{message.message_id}.ogg",
                    message.voice.mime_type or "audio/ogg",
                )
            )
        attachments = []
        for item, filename, content_type in found:
            file = await item.get_file()
            data = bytes(await file.download_as_bytearray())
            attachments.append(Attachment(filename, content_type, data))
        return tuple(attachments)

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        assert query is not None and chat is not None
        kind, _, value = (query.data or "").partition(":")
        language = await self._language_of(update) or self.default_language
        if kind == "skip":
            await self.chats.skip(chat.id, value)
            await query.answer()
        elif kind == "lang" and value in SUPPORTED:
            await self.chats.set_language(chat.id, value)
            await query.answer()
            await self.bot.send_message(chat.id, say(value, "language_set"))
        elif kind == "survey":
            number, _, score = value.rpartition(":")
            key = await self.chats.survey_answer(chat.id, number, int(score or 0))
            await query.answer(say(language, "survey_done"))
            if key == "survey_thanks":
                await self.bot.send_message(chat.id, say(language, key))
        else:
            await query.answer()

    # ---- agents in groups ----------------------------------------------------------------------

    async def _agent_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != self.bot.id:
            return  # agents talking among themselves
        number = numbers.IN_TEXT.search(replied.text or replied.caption or "")
        if number is None:
            return
        await self._as_agent(
            update,
            user.id,
            lambda agent: self.agents.reply(number.group(0), agent, message.text or ""),
        )

    async def _agent_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        args = context.args or []
        command = (message.text or "").split()[0].lstrip("/").split("@")[0]
        if not args or not numbers.IN_TEXT.fullmatch(args[0]):
            await _reply(update, f"Usage: /{command} C-2026-000123 …")
            return
        number, rest = args[0], " ".join(args[1:])
        actions: dict[str, Callable[[Any], Awaitable[Any]]] = {
            "take": lambda agent: self.agents.take(number, agent),
            "note": lambda agent: self.agents.note(number, agent, rest),
            "resolve": lambda agent: self.agents.resolve(number, agent, rest),
            "grade": lambda agent: self.agents.grade(number, agent, rest.strip().lower()),
            "reject": lambda agent: self.agents.reject(number, agent, rest),
            "propose": lambda agent: self.agents.propose(number, agent, rest),
        }
        await self._as_agent(update, user.id, actions[command])

    async def _as_agent(
        self, update: Update, user_id: int, action: Callable[[Any], Awaitable[Any]]
    ) -> None:
        agent = await self.agents.agent_for_telegram(user_id)
        if agent is None:
            await _reply(update, "Sorry, only registered agents can act on complaints here.")
            return
        try:
            done = await action(agent)
        except ComplaintBotError as error:  # not allowed, cannot reach, bad input…
            await _reply(update, f"Not done: {error}")
            return
        await _reply(update, f"{done.number}: {done.summary}")

    # ---- out -------------------------------------------------------------------------------------

    def can_send(self, address: str) -> bool:
        return address.lstrip("-").isdigit()

    async def send(self, address: str, outbound: Outbound) -> str:
        """Deliver in order per chat; split at Telegram's limit; buttons on the last part."""
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
            except Forbidden as error:
                raise PermanentDeliveryError(f"Telegram refused: {error.message}") from None
            except NetworkError as error:
                raise TemporaryDeliveryError(f"Telegram unreachable: {error.message}") from None
            except TelegramError as error:
                raise PermanentDeliveryError(f"Telegram refused: {error.message}") from None
        return str(sent_ids[0])


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


async def _reply(update: Update, text: str) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text)
