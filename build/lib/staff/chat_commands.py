"""Agents' commands from a chat group (Telegram): what `/grade C-… urgent` means and who may
do it.

The chat adapter hands over who wrote what (`channels.telegram.ports.AgentCommands`); this
module finds the registered agent, reads the command and runs it on the `AgentDesk`, and
returns the one line the group sees.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from complaints import numbers
from complaints.errors import ComplaintBotError
from staff.actions import AgentDesk, Done
from store.models import Agent

NOT_AN_AGENT = "Sorry, only registered agents can act on complaints here."

Action = Callable[[Agent], Awaitable[Done]]


class ChatCommands:
    """`AgentCommands` on top of the agent desk."""

    names = ("take", "note", "resolve", "grade", "reject", "propose", "ask")

    def __init__(self, agents: AgentDesk) -> None:
        self.agents = agents

    async def run(self, telegram_user: int, command: str, args: Sequence[str]) -> str:
        """`/command C-… text`: the number first, then the note, summary, grade…"""
        if command not in self.names or not args or not numbers.IN_TEXT.fullmatch(args[0]):
            return f"Usage: /{command} C-2026-000123 …"
        return await self._as_agent(telegram_user, self._action(command, args[0], args[1:]))

    async def reply(self, telegram_user: int, replied_to: str, text: str) -> str:
        """A reply to the bot's post about a complaint goes to the customer."""
        number = numbers.IN_TEXT.search(replied_to)
        if number is None:
            return ""
        found = number.group(0)
        return await self._as_agent(
            telegram_user, lambda agent: self.agents.reply(found, agent, text)
        )

    def _action(self, command: str, number: str, words: Sequence[str]) -> Action:
        rest = " ".join(words)
        desk = self.agents
        actions: dict[str, Action] = {
            "take": lambda agent: desk.take(number, agent),
            "note": lambda agent: desk.note(number, agent, rest),
            "resolve": lambda agent: desk.resolve(number, agent, rest),
            "grade": lambda agent: desk.grade(number, agent, rest.strip().lower()),
            "reject": lambda agent: desk.reject(number, agent, rest),
            "propose": lambda agent: desk.propose(number, agent, rest),
            "ask": lambda agent: desk.reply(number, agent, rest, wait_for_customer=True),
        }
        return actions[command]

    async def _as_agent(self, telegram_user: int, action: Action) -> str:
        agent = await self.agents.agent_for_telegram(telegram_user)
        if agent is None:
            return NOT_AN_AGENT
        try:
            done = await action(agent)
        except ComplaintBotError as error:  # not allowed, cannot reach, bad input…
            return f"Not done: {error}"
        return f"{done.number}: {done.summary}"
