"""Edited messages: Telegram sends an edit as an update of its own (`edited_message`), with the
message's original id.

An edit must not pass for its original: the original's `chat:message_id` dedupe key would
swallow it silently, and a group command or reply would run a second time (a second letter to
the customer, a second note). So edits come here first, and nowhere else:

- a customer's edit is a new message of their open complaint, keyed by the edit's time and
  stored marked as edited (`edited_mark`); intake reads its text like any follow-up (a danger
  word in it raises the grade) and the customer is answered as for one;
- an agent's edit of a reply to the bot's post or of a command changes nothing: the customer
  already has the first version and it stands. The agent is told so, in their language, and
  to send a new reply or command. Other edits in a group (agents talking) are ignored.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ContextTypes

from channels.base import Inbound, OnInbound, Sender
from channels.telegram import NAME
from channels.telegram.ports import AgentCommands, CustomerChat
from complaints.clock import Clock
from complaints.languages import normalise_hint

Context = ContextTypes.DEFAULT_TYPE


class Edits:
    def __init__(
        self, chats: CustomerChat, agents: AgentCommands, on_inbound: OnInbound, clock: Clock
    ) -> None:
        self.chats = chats
        self.agents = agents
        self.on_inbound = on_inbound
        self.clock = clock

    async def handle(self, update: Update, context: Context) -> None:
        message = update.edited_message
        if message is None or message.from_user is None:
            return
        if message.chat.type == "private":
            await self._customer_edit(message)
        else:
            await self._agent_edit(message, context.bot.id)

    async def _customer_edit(self, message: Message) -> None:
        """More of the chat's open complaint, marked as the edit it is; files are not fetched
        again (the original brought them)."""
        assert message.from_user is not None
        text = message.text or message.caption or ""
        if not text.strip() or text.startswith("/"):
            return  # a caption removed, or a command edited: nothing new to record
        chat = message.chat
        chosen = await self.chats.chosen_language(chat.id)
        language = chosen or normalise_hint(message.from_user.language_code or "")
        edited_at = int((message.edit_date or message.date).timestamp())
        open_number = await self.chats.open_complaint(chat.id)
        inbound = Inbound(
            channel=NAME,
            external_id=f"{chat.id}:{message.message_id}:edited:{edited_at}",
            sender=Sender(NAME, str(chat.id), message.from_user.full_name),
            text=text,
            shown_text=self.chats.say(
                language or self.chats.default_language, "edited_mark", text=text
            ),
            received_at=self.clock.now(),
            language_hint=language,
            referenced_complaints=(open_number,) if open_number else (),
            source=NAME,
        )
        result = await self.on_inbound(inbound)
        if not result.duplicate:
            await self.chats.after_intake(chat.id, result.complaint, result.created)

    async def _agent_edit(self, message: Message, bot_id: int) -> None:
        assert message.from_user is not None
        replied = message.reply_to_message
        to_bot = replied is not None and replied.from_user is not None
        to_bot = to_bot and replied.from_user.id == bot_id  # type: ignore[union-attr]
        command = _command(message.text or "")
        if to_bot and not command:
            kind = "reply"
        elif command in self.agents.names:
            kind = "command"
        else:
            return  # agents talking among themselves
        await message.reply_text(await self.agents.edited(message.from_user.id, kind))


def _command(text: str) -> str:
    """The command a text starts with ("note" for "/note@bot C-…"), or ""."""
    if not text.startswith("/"):
        return ""
    return text.split()[0].lstrip("/").split("@")[0].lower()
