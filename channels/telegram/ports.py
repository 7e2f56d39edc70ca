"""What the Telegram chat needs from the rest of the bot, as small Protocols.

The adapter only translates between Telegram and these ports; what a message or a command
means is decided behind them: the customer's private chat by intake (`intake.chat.ChatDesk`),
the agents' group commands by staff (`staff.chat_commands.ChatCommands`). `bot.py` hands the
implementations to the adapter, so this package imports neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Protocol

from complaints.addresses import Address

SendLinkCode = Callable[[str, str, str], Awaitable[None]]
"""`send_link_code(address, code, language)`: mail a /link code (through the e-mail channel)."""


class CustomerChat(Protocol):
    """A customer's private chat with the bot: its state, the guided questions, /status, /new,
    /handler, /link, the survey's buttons, and the texts the chat shows."""

    @property
    def default_language(self) -> str:
        """The language of a chat that neither chose one nor has a usable Telegram language."""
        ...

    def say(self, language: str, key: str, /, **values: object) -> str:
        """The chat's text `key` in `language` (welcome, new, link_sent…)."""
        ...

    def language_name(self, language: str) -> str:
        """A supported language's own name, for the /language keyboard."""
        ...

    async def chosen_language(self, chat_id: int) -> str:
        """The language the chat chose with /language, or ""."""
        ...

    async def set_language(self, chat_id: int, language: str) -> None: ...

    async def start_new(self, chat_id: int) -> None:
        """/new: the chat's next message opens a new complaint."""
        ...

    async def open_complaint(self, chat_id: int) -> str:
        """The number of the complaint a new message in the chat joins, or ""."""
        ...

    async def status(self, chat_id: int, app_language: str) -> str:
        """/status: the text listing the chat's complaints, in the language a status question
        typed as text would be answered in, minus the text; `app_language` is the user's
        Telegram app's (a supported language, or "")."""
        ...

    async def ask_other_handler(self, chat_id: int) -> str:
        """/handler: hand the chat's open complaint to someone else. Returns the key of the text
        to answer with, or "" when the customer is told through the outbox."""
        ...

    async def replied_complaint(self, chat_id: int, message_id: int) -> str:
        """The number of the complaint the chat's message `message_id` (the bot's, or the
        customer's own) was about, or "": a reply to it continues that complaint."""
        ...

    async def answer(self, chat_id: int, external_id: str, text: str, replied: str = "") -> bool:
        """Take `text` as the answer to a pending question; False when none is pending or the
        message is about another complaint (`replied`: the one whose message it replies to)."""
        ...

    async def skip(self, chat_id: int, field: str) -> None:
        """The customer tapped "skip" on the question about `field`."""
        ...

    async def after_intake(self, chat_id: int, number: str, created: bool) -> None:
        """A message of the chat was recorded in complaint `number`."""
        ...

    async def start_link(self, chat_id: int, email: str) -> str:
        """/link: remember a fresh code for `email` and return it, to be mailed there; ""
        when too many codes were asked for this chat or address lately."""
        ...

    def link_wait(self, chat_id: int, email: str) -> timedelta:
        """How long until /link may mail another code for this chat and address."""
        ...

    async def link_pending(self, chat_id: int) -> bool: ...

    async def verify_link(self, chat_id: int, code: str) -> str:
        """The address linked by `code`, or "" (wrong or expired code)."""
        ...

    async def survey_answer(
        self, chat_id: int, number: str, score: int, message_id: int | None = None
    ) -> str:
        """Record a survey score from a button under the survey message `message_id`;
        returns the key of the text to answer with ("survey_thanks", "survey_done",
        "survey_stale"), or "survey_reopened": the outbox's reopening notice answers."""
        ...


class AgentCommands(Protocol):
    """What agents do from their department's group: commands and replies to the bot's posts.
    Every method returns the one line to answer the agent with."""

    @property
    def names(self) -> Sequence[str]:
        """The group commands (without "/") the chat offers."""
        ...

    async def run(
        self, telegram_user: int, command: str, args: Sequence[str], where: Address
    ) -> str:
        """`/command args…` written by Telegram user `telegram_user` in the chat `where`, which
        reads the answer (a notice the command would post there is in the answer instead)."""
        ...

    async def reply(self, telegram_user: int, replied_to: str, text: str) -> str:
        """`text` written in reply to the bot's post `replied_to`; "" when that post is about no
        complaint (nothing to answer)."""
        ...

    async def edited(self, telegram_user: int, kind: str) -> str:
        """The agent edited a `kind` ("reply" or "command") they had sent: the line telling
        them the edit is not delivered nor run, and to send a new one."""
        ...

    async def help(self, telegram_user: int, known: bool) -> str:
        """/help in a group (`known`): the commands and how to answer a customer; else the
        pointer to /help for a command the group does not know."""
        ...

    async def file_reply(self, telegram_user: int) -> str:
        """The agent replied to the bot's post with a photo, file or location, which is not
        sent to the customer: the line saying so and what to do instead."""
        ...
