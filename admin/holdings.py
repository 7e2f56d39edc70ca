"""What belongs to one customer, for an export or an erasure: their identities, complaints and
messages (their own messages on other complaints too, e.g. after a merge), and what hangs off
those."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from complaints.addresses import TELEGRAM
from store.models import (
    ChatState,
    Complaint,
    Event,
    Identity,
    Message,
    OutboxItem,
    Solution,
    Suppression,
)
from store.queries.chat import chats
from store.queries.complaints import complaints_of_customer
from store.queries.customers import identities_of
from store.queries.events import events_of_complaints
from store.queries.messages import messages_of
from store.queries.outbox import deliveries_concerning
from store.queries.solutions import solutions_of
from store.queries.suppressions import suppressions_of


@dataclass
class Holdings:
    """One customer's rows, loaded once; the id lists and addresses find what hangs off them."""

    identities: list[Identity]
    complaints: list[Complaint]
    messages: list[Message]
    identity_ids: list[int] = field(init=False)
    complaint_ids: list[int] = field(init=False)
    message_ids: list[int] = field(init=False)
    addresses: list[tuple[str, str]] = field(init=False)
    """Their identities' addresses, then the other addresses they had answers sent to."""
    answered_at: dict[tuple[str, str], int] = field(init=False)
    """The addresses their messages asked answers to go to (an e-mail's Reply-To), with the
    identity that asked."""

    def __post_init__(self) -> None:
        self.identity_ids = [identity.id or 0 for identity in self.identities]
        self.complaint_ids = [complaint.id or 0 for complaint in self.complaints]
        self.message_ids = [message.id or 0 for message in self.messages]
        self.addresses = [(identity.channel, identity.address) for identity in self.identities]
        self.answered_at = {
            (message.channel, message.reply_to): message.identity_id or 0
            for message in self.messages
            if message.reply_to and message.direction == "in"
        }
        # where they asked answers to go (Reply-To) is theirs too
        self.addresses += [key for key in self.answered_at if key not in self.addresses]

    @classmethod
    def of(cls, session: Session, customer_id: int) -> Holdings:
        identities = identities_of(session, customer_id=customer_id)
        complaints = complaints_of_customer(session, customer_id=customer_id)
        messages = messages_of(
            session,
            complaint_ids=[c.id or 0 for c in complaints],
            identity_ids=[i.id or 0 for i in identities],
        )
        return cls(identities, complaints, messages)

    def events(self, session: Session) -> list[Event]:
        return events_of_complaints(session, complaint_ids=self.complaint_ids)

    def solutions(self, session: Session) -> list[Solution]:
        return solutions_of(session, complaint_ids=self.complaint_ids)

    def deliveries(self, session: Session) -> list[OutboxItem]:
        """Deliveries addressed to the customer, and any about their complaints or messages."""
        return deliveries_concerning(
            session,
            addresses=self.addresses,
            complaint_ids=self.complaint_ids,
            message_ids=self.message_ids,
        )

    def chat_ids(self) -> list[int]:
        return [
            int(address)
            for channel, address in self.addresses
            if channel == TELEGRAM and address.lstrip("-").isdigit()
        ]

    def chats(self, session: Session) -> list[ChatState]:
        return chats(session, chat_ids=self.chat_ids())

    def suppressions(self, session: Session) -> list[Suppression]:
        return suppressions_of(session, addresses=self.addresses)
