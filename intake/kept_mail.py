"""What the sender of an e-mail kept as a dead letter is told: that it was not registered as
a complaint, why, and what to do, in the language of their mail (the text decides; the mail's
Content-Language only breaks a tie). An empty mail that replies on one of the sender's
complaints (`intake.threads.thread_of`, the rule that threads every message) is told instead
that nothing was added to that complaint, in the complaint's language: "not registered as a
complaint" would be wrong for a reply to one. The e-mail channel asks for it when it keeps a
human's mail (never machine mail) and sends it itself, since a dead letter belongs to no
complaint."""

from __future__ import annotations

from sqlmodel import Session

from channels.base import Inbound
from complaints.errors import ComplaintNotYours, UnknownComplaint
from complaints.sizes import readable_size
from intake.threads import follow_merge, thread_of
from outbox.texts import say
from router.language import detect_language
from store import queries
from store.database import Database
from store.queries.customers import identity_at


class KeptMailNotice:
    def __init__(
        self,
        database: Database,
        default_language: str,
        company: str,
        max_attachments: int,
        max_attachment_bytes: int,
    ) -> None:
        self.database = database
        self.default_language = default_language
        self.company = company
        self.max_attachments = max_attachments
        self.max_attachment_bytes = max_attachment_bytes

    async def __call__(self, problem: str, inbound: Inbound) -> tuple[str, str, str, str]:
        """(language, subject, text, complaint number or "") for the mail `inbound` kept
        because of `problem`: "empty" (no text and no attachment) or "attachments" (too many
        or too large). The number is the sender's complaint an empty mail replied on: the
        notice is about it, and stays in its conversation."""
        if problem == "empty":
            replied = await self.database.read(lambda session: replied_on(session, inbound))
            if replied is not None:
                number, language = replied
                text = say(language, "mail_kept.empty_reply", number=number)
                return language, say(language, "mail_kept_reply_subject"), text, number
        language = self.language(f"{inbound.subject}\n{inbound.text}", inbound.language_hint)
        key = "mail_kept.empty" if problem == "empty" else "mail_kept.attachments"
        body = say(
            language,
            key,
            company=self.company,
            count=self.max_attachments,
            limit=readable_size(self.max_attachment_bytes, language),
        )
        return language, say(language, "mail_kept_subject"), body, ""

    def language(self, text: str, hint: str) -> str:
        found, _ = detect_language(text, "", default="")
        if found:
            return found
        return detect_language("", hint, default=self.default_language)[0]


def replied_on(session: Session, inbound: Inbound) -> tuple[str, str] | None:
    """(number, language) of the sender's complaint that `inbound` would continue, or None:
    a sender never seen owns none, and another customer's complaint is never named."""
    sender = inbound.sender
    identity = identity_at(session, channel=sender.channel, address=sender.address)
    if identity is None or identity.id is None:
        return None
    party = queries.Party(identity.id, identity.customer_id, "", "", known=True)
    try:
        complaint = follow_merge(session, thread_of(session, inbound, party))
    except (UnknownComplaint, ComplaintNotYours):
        return None
    if complaint is None or not complaint.number:
        return None
    return complaint.number, complaint.language or ""
