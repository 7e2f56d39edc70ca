"""Agents' commands from a chat group (Telegram): what `/grade C-… urgent` means and who may
do it.

The chat adapter hands over who wrote what (`channels.telegram.ports.AgentCommands`); this
module finds the registered agent, reads the command and runs it on the `AgentDesk`, and
returns the one line the group sees, in the agent's language: their account's, else the
bot's default (also for a Telegram user who is no agent). Every line is a `Said`, an English
text of the console's catalogs with its values; `bot.py` injects the translation, as staff/
may not reach the console's catalogs itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from complaints import numbers
from complaints.addresses import Address
from complaints.errors import ComplaintBotError, Said, said
from complaints.languages import SUPPORTED
from router import GRADES
from staff.actions import AgentDesk, Done
from store.models import Agent

NOT_AN_AGENT = said("Sorry, only registered agents can act on complaints here.")
EDITED = {
    "reply": said(
        "Edits are not delivered: the customer already has your first reply. To correct it, "
        "send a new reply to the post."
    ),
    "command": said(
        "Edited commands are not run again: the first one stands. To change it, send the "
        "command again."
    ),
}
HELP = said(
    "Reply to a post of mine to answer the customer. Commands:\n"
    "/take C-… - take the complaint\n"
    "/note C-… text - an internal note\n"
    "/ask C-… question - ask the customer and wait for the answer\n"
    "/propose C-… solution - propose a solution\n"
    "/resolve C-… summary - resolve it\n"
    "/reject C-… explanation - reject it, politely\n"
    "/reopen C-… reason - reopen a finished one (the reason stays with the desk)\n"
    "/grade C-… %(grades)s - change the grade",
    grades=", ".join(GRADES),
)
UNKNOWN = said("I do not know this command. Send /help to see the commands.")
FILE_REPLY = said(
    "Files are not sent to the customer from here: the customer did not get this. Write your "
    "reply as text in reply to the post."
)

Action = Callable[[Agent], Awaitable[Done]]
Translate = Callable[[str, Said], str]
"""`say(language, text)`: the text in one of complaints.languages.SUPPORTED."""


def english(language: str, text: Said) -> str:
    """The English text whatever the language: for a desk run without the catalogs."""
    return str(text)


class ChatCommands:
    """`AgentCommands` on top of the agent desk."""

    names = ("take", "note", "resolve", "grade", "reject", "propose", "ask", "reopen")

    def __init__(
        self, agents: AgentDesk, default_language: str = "en", say: Translate = english
    ) -> None:
        self.agents = agents
        self.default_language = default_language
        self.say = say

    async def run(
        self, telegram_user: int, command: str, args: Sequence[str], where: Address
    ) -> str:
        """`/command C-… text`: the number first, then the note, summary, grade… typed in the
        chat `where`, which reads the answer (`/reopen` tells the department there no more)."""
        agent = await self.agents.agent_for_telegram(telegram_user)
        number = args[0].upper() if args else ""  # "c-2026-000008" as typed on a phone
        if command not in self.names or not numbers.IN_TEXT.fullmatch(number):
            usage = said("Usage: /%(command)s C-2026-000123 …", command=command)
            return self.say(self._language(agent), usage)
        return await self._as_agent(agent, self._action(command, number, args[1:], where))

    async def reply(self, telegram_user: int, replied_to: str, text: str) -> str:
        """A reply to the bot's post about a complaint goes to the customer."""
        number = numbers.IN_TEXT.search(replied_to)
        if number is None:
            return ""
        found = number.group(0)
        agent = await self.agents.agent_for_telegram(telegram_user)
        return await self._as_agent(agent, lambda agent: self.agents.reply(found, agent, text))

    async def edited(self, telegram_user: int, kind: str) -> str:
        """An edited reply or command changes nothing (channels.telegram.edits): say so."""
        agent = await self.agents.agent_for_telegram(telegram_user)
        return self.say(self._language(agent), EDITED[kind])

    async def help(self, telegram_user: int, known: bool) -> str:
        """/help (`known`), or the pointer to it for a command nobody here knows."""
        language = self._language(await self.agents.agent_for_telegram(telegram_user))
        return self.say(language, HELP if known else UNKNOWN)

    async def file_reply(self, telegram_user: int) -> str:
        """A photo or file in reply to a post: no channel carries an agent's files yet."""
        agent = await self.agents.agent_for_telegram(telegram_user)
        return self.say(self._language(agent), FILE_REPLY)

    def _action(self, command: str, number: str, words: Sequence[str], where: Address) -> Action:
        rest = " ".join(words)
        desk = self.agents
        actions: dict[str, Action] = {
            "take": lambda agent: desk.take(number, agent),
            "note": lambda agent: desk.note(number, agent, rest),
            "resolve": lambda agent: desk.resolve(number, agent, rest),
            "grade": lambda agent: desk.grade(number, agent, self._grade(rest)),
            "reject": lambda agent: _reject(desk, number, agent, rest),
            "propose": lambda agent: desk.propose(number, agent, rest),
            "ask": lambda agent: desk.reply(number, agent, rest, wait_for_customer=True),
            "reopen": lambda agent: desk.reopen(number, agent, rest, answered_at=where),
        }
        return actions[command]

    def _grade(self, word: str) -> str:
        """The grade key `word` names in any of the languages ("紧急", "urgente" → "urgent");
        `word` itself, lower-cased, when it names none (the desk refuses it, listing them)."""
        word = word.strip().lower()
        for key in GRADES:
            named = Said("%(grade)s", {"grade": key})  # the console's name of the grade
            if word in {key, *(self.say(language, named).lower() for language in SUPPORTED)}:
                return key
        return word

    def _language(self, agent: Agent | None) -> str:
        if agent is not None and agent.language in SUPPORTED:
            return agent.language
        return self.default_language

    async def _as_agent(self, agent: Agent | None, action: Action) -> str:
        language = self._language(agent)
        if agent is None:
            return self.say(language, NOT_AN_AGENT)
        try:
            done = await action(agent)
        except ComplaintBotError as error:  # not allowed, cannot reach, bad input…
            reason = self.say(language, error.said)
            return self.say(language, said("Not done: %(error)s", error=reason))
        summary = self.say(language, done.summary)
        line = self.say(
            language, said("%(number)s: %(summary)s", number=done.number, summary=summary)
        )
        return f"{line}\n{self.say(language, done.detail)}" if done.detail else line


async def _reject(desk: AgentDesk, number: str, agent: Agent, explanation: str) -> Done:
    """`/reject` with no explanation is told the command's syntax; the desk's own refusal
    speaks of the console's and the API's explanation field."""
    if not explanation.strip():
        raise ComplaintBotError("say why, politely: /reject C-… explanation")
    return await desk.reject(number, agent, explanation)
