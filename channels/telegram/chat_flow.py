"""The Telegram chat flow: which update goes where.

A customer's private chat: /start, /status, /new, /language, /link, /handler, /help, the
buttons (skip a question, choose a language, rate the solution), answers to guided questions and
/link codes, and every text or file as a complaint message handed to intake as an `Inbound`;
what cannot be kept (a sticker, a location…) and unknown commands are answered, never dropped.
An agents' group: the commands `AgentCommands.names`, /help, and replies to the bot's posts.
Edited messages go to `edits.py` before anything else.

What each of these means is decided behind the ports (`ports.py`); this module only reads the
update, calls the port, and answers with the text it returns. Answers to commands are replies
to the command itself; everything the bot says about a complaint leaves through the outbox.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, tzinfo
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from channels.base import Inbound, OnInbound, Sender
from channels.telegram import NAME
from channels.telegram.edits import Edits
from channels.telegram.files import fetch
from channels.telegram.ports import AgentCommands, CustomerChat, SendLinkCode
from complaints.addresses import Address
from complaints.clock import Clock
from complaints.languages import SUPPORTED, normalise_hint
from complaints.names import addressee
from complaints.sizes import readable_size

DOWNLOAD_LIMIT = 20 << 20
"""The largest file the Bot API lets a bot download (getFile)."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE = re.compile(r"^\s*(\d{6})\s*$")

MEDIA = filters.VIDEO | filters.VIDEO_NOTE | filters.AUDIO
"""Kept as attachments too (within the size limit), besides photos, documents and voice."""

MENU = ("status", "new", "language", "link", "handler", "help")
"""The private chat's commands in Telegram's "/" menu (texts "menu.<command>")."""
MENU_LANGUAGES = (("en", "en"), ("es", "es"), ("zh", "zh-Hans"))
"""A menu per Telegram language_code (two letters), in our language for it."""

Context = ContextTypes.DEFAULT_TYPE


class ChatFlow:
    def __init__(
        self,
        chats: CustomerChat,
        agents: AgentCommands,
        on_inbound: OnInbound,
        clock: Clock,
        send_link_code: SendLinkCode | None = None,
        max_attachment_bytes: int = DOWNLOAD_LIMIT,
        timezone: tzinfo = UTC,
    ) -> None:
        """Without `send_link_code` (no e-mail channel) /link is unavailable; `timezone` (the
        desk's) dates the names of files Telegram sends without one. A file over
        `max_attachment_bytes` (at most what the Bot API lets a bot download) is not fetched:
        with a caption the complaint is registered and its acknowledgement says the file was
        not kept and why; alone, the customer is told at once."""
        self.chats = chats
        self.agents = agents
        self.on_inbound = on_inbound
        self.clock = clock
        self.send_link_code = send_link_code
        self.max_attachment_bytes = min(max_attachment_bytes, DOWNLOAD_LIMIT)
        self.timezone = timezone

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the handlers to `application`; within its group the first match wins."""
        private = filters.ChatType.PRIVATE
        groups = filters.ChatType.GROUPS
        add = application.add_handler
        edits = Edits(self.chats, self.agents, self.on_inbound, self.clock)
        add(MessageHandler(filters.UpdateType.EDITED_MESSAGE, edits.handle))  # before all others
        add(CommandHandler("start", self._start, filters=private))
        add(CommandHandler("status", self._status, filters=private))
        add(CommandHandler("new", self._new, filters=private))
        add(CommandHandler("language", self._language, filters=private))
        add(CommandHandler("link", self._link, filters=private))
        add(CommandHandler("handler", self._other_handler, filters=private))
        for command in self.agents.names:
            add(CommandHandler(command, self._agent_command, filters=groups))
        add(CommandHandler(["help", "ayuda"], self._help, filters=private))
        add(CommandHandler(["help", "ayuda"], self._agent_help, filters=groups))
        add(MessageHandler(filters.COMMAND, self._unknown_command))
        content = filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VOICE | MEDIA
        add(MessageHandler(private & content & ~filters.COMMAND, self._customer_message))
        add(MessageHandler(private & ~filters.StatusUpdate.ALL, self._cannot_take))
        reply = groups & filters.REPLY & ~filters.COMMAND
        add(MessageHandler(reply & filters.TEXT, self._agent_reply))
        add(MessageHandler(reply & filters.ATTACHMENT, self._agent_file))
        add(CallbackQueryHandler(self._button))

    async def set_menu(self, bot: Bot) -> None:
        """Telegram's "/" menu of the private chats, in each language: Telegram knows languages
        by two letters only, so "zh" shows simplified Chinese; other apps see the default."""
        commands = [name for name in MENU if self._offers(name)]
        scope = BotCommandScopeAllPrivateChats()
        for code, language in (("", self.chats.default_language), *MENU_LANGUAGES):
            menu = [BotCommand(name, self.chats.say(language, f"menu.{name}")) for name in commands]
            await bot.set_my_commands(menu, scope=scope, language_code=code or None)

    # ---- a customer's private chat -------------------------------------------------------------

    async def _language_of(self, update: Update) -> str:
        """The chat's chosen language, else the user's Telegram language, else "" (then the
        text decides, or the default)."""
        chat = update.effective_chat
        chosen = await self.chats.chosen_language(chat.id) if chat else ""
        if chosen:
            return chosen
        user = update.effective_user
        return normalise_hint(user.language_code or "") if user else ""

    async def _reply_language(self, update: Update) -> str:
        return await self._language_of(update) or self.chats.default_language

    async def _start(self, update: Update, context: Context) -> None:
        language = await self._reply_language(update)
        name = addressee(_first_name(update))
        hello = (
            self.chats.say(language, "welcome.hello", name=name)
            if name
            else self.chats.say(language, "welcome.hello_nameless")
        )
        await _reply(update, self.chats.say(language, "welcome", hello=hello))

    async def _status(self, update: Update, context: Context) -> None:
        """/status, in the language the customer's typed "any news?" would be answered in
        (the port decides, as intake does for the text); the app's language is one input."""
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        app_language = normalise_hint(user.language_code or "") if user else ""
        await _reply(update, await self.chats.status(chat.id, app_language))

    async def _new(self, update: Update, context: Context) -> None:
        language = await self._reply_language(update)
        assert update.effective_chat is not None
        await self.chats.start_new(update.effective_chat.id)
        await _reply(update, self.chats.say(language, "new"))

    async def _language(self, update: Update, context: Context) -> None:
        language = await self._reply_language(update)
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(self.chats.language_name(code), callback_data=f"lang:{code}")]
                for code in SUPPORTED
            ]
        )
        message = update.effective_message
        assert message is not None
        await message.reply_text(self.chats.say(language, "choose_language"), reply_markup=keyboard)

    async def _other_handler(self, update: Update, context: Context) -> None:
        language = await self._reply_language(update)
        assert update.effective_chat is not None
        key = await self.chats.ask_other_handler(update.effective_chat.id)
        if key:
            await _reply(update, self.chats.say(language, key))

    async def _link(self, update: Update, context: Context) -> None:
        language = await self._reply_language(update)
        chat = update.effective_chat
        assert chat is not None
        if self.send_link_code is None:
            await _reply(update, self.chats.say(language, "link_unavailable"))
            return
        address = (context.args or [""])[0].strip().lower()
        if not EMAIL.match(address):
            await _reply(update, self.chats.say(language, "link_usage"))
            return
        code = await self.chats.start_link(chat.id, address)
        if not code:
            minutes = math.ceil(self.chats.link_wait(chat.id, address).total_seconds() / 60)
            await _reply(update, self.chats.say(language, "link_too_many", minutes=max(1, minutes)))
            return
        await self.send_link_code(address, code, language)
        await _reply(update, self.chats.say(language, "link_sent", email=address))

    def _offers(self, command: str) -> bool:
        """Whether a customer may use `command` here: /link needs the e-mail channel to mail
        its code. The "/" menu and /help leave out the rest alike."""
        return command != "link" or self.send_link_code is not None

    async def _help(self, update: Update, context: Context) -> None:
        """/help's text without the lines of commands this chat does not offer."""
        text = self.chats.say(await self._reply_language(update), "help")
        lines = text.split("\n")
        offered = [
            line for line in lines if not line.startswith("/") or self._offers(line[1:].split()[0])
        ]
        await _reply(update, "\n".join(offered))

    async def _cannot_take(self, update: Update, context: Context) -> None:
        """A sticker, a location, a contact, a poll…: nothing intake can keep; say so."""
        await _reply(update, self.chats.say(await self._reply_language(update), "cannot_take"))

    async def _unknown_command(self, update: Update, context: Context) -> None:
        """A command nobody here knows: point to /help (in a group, only when it is ours)."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        if message.chat.type == "private":
            said = self.chats.say(await self._reply_language(update), "unknown_command")
        else:
            addressed = (message.text or "").split()[0].partition("@")[2]
            if addressed and addressed.lower() != (context.bot.username or "").lower():
                return  # another bot's command
            said = await self.agents.help(user.id, known=False)
        await _reply(update, said)

    async def _customer_message(self, update: Update, context: Context) -> None:
        """A /link code, an answer to a guided question, or else a message for intake. A reply
        to a message about a complaint continues that complaint (a customer with two open
        ones answers the older one's question so); the chat's open complaint is the fallback."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        assert message is not None and chat is not None and user is not None
        external_id = f"{chat.id}:{message.message_id}"
        language = await self._language_of(update)
        quoted = message.reply_to_message
        replied = await self.chats.replied_complaint(chat.id, quoted.message_id) if quoted else ""
        if message.text:
            code = CODE.match(message.text)
            if code and await self.chats.link_pending(chat.id):
                linked = await self.chats.verify_link(chat.id, code.group(1))
                key = "link_done" if linked else "link_wrong"
                language = language or self.chats.default_language
                await _reply(update, self.chats.say(language, key, email=linked))
                return
            if await self.chats.answer(chat.id, external_id, message.text, replied):
                return
        text = message.text or message.caption or ""
        attachments, too_large = await fetch(message, self.max_attachment_bytes, self.timezone)
        if too_large and not text.strip() and not attachments:  # nothing to register
            language = language or self.chats.default_language
            limit = readable_size(self.max_attachment_bytes, language)
            name = too_large[0].filename
            await _reply(update, self.chats.say(language, "file_too_large", name=name, limit=limit))
            return
        open_number = await self.chats.open_complaint(chat.id)
        inbound = Inbound(
            channel=NAME,
            external_id=external_id,
            sender=Sender(NAME, str(chat.id), user.full_name),
            text=text,
            received_at=self.clock.now(),
            language_hint=language,
            chosen_language=await self.chats.chosen_language(chat.id),
            attachments=attachments,
            not_fetched=too_large,  # the acknowledgement names them, after the number
            referenced_complaints=(replied,) if replied else (),
            current_complaint=open_number,
            source=NAME,
        )
        result = await self.on_inbound(inbound)
        if result.duplicate:
            return
        await self.chats.after_intake(chat.id, result.complaint, result.created)

    async def _button(self, update: Update, context: Context) -> None:
        """Buttons: "skip:<field>", "lang:<language>", "survey:<number>:<score>"."""
        query = update.callback_query
        chat = update.effective_chat
        assert query is not None and chat is not None
        kind, _, value = (query.data or "").partition(":")
        language = await self._reply_language(update)
        if kind == "skip":
            await self.chats.skip(chat.id, value)
            await query.answer()
        elif kind == "lang" and value in SUPPORTED:
            await self.chats.set_language(chat.id, value)
            await query.answer()
            await context.bot.send_message(chat.id, self.chats.say(value, "language_set"))
        elif kind == "survey":
            number, _, score = value.rpartition(":")
            tapped = query.message.message_id if query.message else None
            key = await self.chats.survey_answer(
                chat.id, number, int(score) if score.isdigit() else 0, tapped
            )
            if key == "survey_thanks":
                await query.answer(self.chats.say(language, "survey_done"))
                await context.bot.send_message(chat.id, self.chats.say(language, key))
            elif key == "survey_reopened":  # the reopening notice (outbox) is the one answer
                await query.answer()
            else:  # answered already, or an earlier round's button: say so plainly
                await query.answer(self.chats.say(language, key), show_alert=key != "survey_done")
        else:
            await query.answer()

    # ---- agents in groups ------------------------------------------------------------------------

    async def _agent_reply(self, update: Update, context: Context) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return  # agents talking among themselves
        answer = await self.agents.reply(
            user.id, replied.text or replied.caption or "", message.text or ""
        )
        if answer:
            await _reply(update, answer)

    async def _agent_file(self, update: Update, context: Context) -> None:
        """A photo, file or location in reply to the bot's post: nothing reaches the customer
        (no channel carries an agent's files), so the agent is told to write the reply."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return  # agents talking among themselves
        await _reply(update, await self.agents.file_reply(user.id))

    async def _agent_help(self, update: Update, context: Context) -> None:
        assert update.effective_user is not None
        await _reply(update, await self.agents.help(update.effective_user.id, known=True))

    async def _agent_command(self, update: Update, context: Context) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        command = (message.text or "").split()[0].lstrip("/").split("@")[0]
        where = Address(NAME, str(message.chat.id))  # the group reads the answer
        await _reply(update, await self.agents.run(user.id, command, context.args or [], where))


def _first_name(update: Update) -> str:
    """The user's first name as Telegram gives it, whatever they typed there (a greeting says
    it only as complaints.names.addressee reads it)."""
    user = update.effective_user
    return user.first_name if user else ""


async def _reply(update: Update, text: str) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text)
