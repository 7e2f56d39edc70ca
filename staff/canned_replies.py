"""Canned replies, the desk's standard scripts (seed 004): one text per key and language,
managed by admins, filled in for one complaint when an agent uses it.

Placeholders: {number}, {customer}, {agent}, {product}, {company}. Anything else in braces is
refused when the script is saved, so a typo never reaches a customer. {customer} is the name as
a letter's greeting says it (complaints.names.addressee), else "customer" in the script's
language, so "Estimada {customer}:" never reads "Estimada ana.martinez:".
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from sqlmodel import Session

from complaints.clock import Clock
from complaints.errors import ComplaintBotError, UnknownComplaint
from complaints.languages import SUPPORTED
from complaints.names import addressee
from outbox.texts import say
from staff.views import viewable
from store.database import Database
from store.models import Agent, CannedReply
from store.queries.canned_replies import (
    canned_replies,
    canned_reply,
    canned_reply_versions,
    delete_canned_reply,
    save_canned_reply,
)
from store.queries.customers import customer

PLACEHOLDERS = ("number", "customer", "agent", "product", "company")
MAX_KEY = 80
"""Characters of a key (as the API's `CannedIn` allows): keys are ids shown in lists and
pickers, and a longer one stretched the console's pages."""
MAX_TITLE = 200
"""Characters of a title, as the API allows."""


@dataclass(frozen=True)
class CannedText:
    """A script filled in for one complaint, in the complaint's language when one exists."""

    text: str
    language: str


def check_text(text: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise ComplaintBotError(
            "the text has an unbalanced brace (%(error)s); write {{ or }} for a literal one",
            error=str(error),
        ) from None
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise ComplaintBotError(
            "unknown placeholder(s) %(unknown)s; available: %(available)s",
            unknown=", ".join("{" + n + "}" for n in unknown),
            available=", ".join("{" + n + "}" for n in PLACEHOLDERS),
        )


class CannedReplies:
    def __init__(self, database: Database, clock: Clock, company: str) -> None:
        self.database = database
        self.clock = clock
        self.company = company

    async def listing(self, language: str | None = None) -> list[CannedReply]:
        return await self.database.read(lambda s: canned_replies(s, language=language))

    async def save(
        self,
        key: str,
        language: str,
        title: str,
        text: str,
        author: Agent,
        reply_id: int | None = None,
    ) -> CannedReply:
        """Create a script, or change the one with `reply_id`."""
        key, title = key.strip(), title.strip()
        if not key or not title or not text.strip():
            raise ComplaintBotError("a canned reply needs a key, a title and a text")
        if language not in SUPPORTED:
            raise ComplaintBotError(
                "language must be one of %(languages)s", languages=", ".join(SUPPORTED)
            )
        if len(key) > MAX_KEY:
            raise ComplaintBotError(
                "a canned reply's key is at most %(limit)s characters", limit=MAX_KEY
            )
        if len(title) > MAX_TITLE:
            raise ComplaintBotError(
                "a canned reply's title is at most %(limit)s characters", limit=MAX_TITLE
            )
        check_text(text)

        def work(session: Session) -> CannedReply:
            if reply_id is None:
                reply = CannedReply(key=key, language=language, title=title, text=text)
            else:
                found = canned_reply(session, reply_id=reply_id)
                if found is None:
                    raise UnknownComplaint("there is no canned reply %(id)s", id=reply_id)
                reply = found
                reply.key, reply.language, reply.title, reply.text = key, language, title, text
            reply.updated_at, reply.updated_by = self.clock.now(), author.name
            return save_canned_reply(session, reply=reply)

        return await self.database.write(work)

    async def delete(self, reply_id: int) -> None:
        def work(session: Session) -> None:
            if not delete_canned_reply(session, reply_id=reply_id):
                raise UnknownComplaint("there is no canned reply %(id)s", id=reply_id)

        await self.database.write(work)

    async def render(self, key: str, number: str, agent: Agent) -> CannedText:
        """The script `key` filled in for complaint `number`, in the complaint's language, or
        in English when the script has no version in that language."""

        def work(session: Session) -> CannedText:
            complaint = viewable(session, agent, number)
            versions = canned_reply_versions(session, key=key)
            reply = versions.get(complaint.language) or versions.get("en")
            if reply is None and complaint.language == "en":
                raise UnknownComplaint("there is no canned reply '%(key)s'", key=key)
            if reply is None:
                raise UnknownComplaint(
                    "there is no canned reply '%(key)s' in %(language)s or en",
                    key=key,
                    language=complaint.language,
                )
            person = customer(session, customer_id=complaint.customer_id)
            text = reply.text.format(
                number=complaint.number or "",
                customer=addressee(person.name if person else "")
                or say(reply.language, "greeting_name"),
                agent=agent.name,
                product=complaint.product,
                company=self.company,
            )
            return CannedText(text, reply.language)

        return await self.database.read(work)
