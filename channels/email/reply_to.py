"""Who a mail's customer is and where answers to it go: From, or Reply-To (RFC 5322 §3.6.2).

A person's mail is their From's; its Reply-To, when it has one, only says where answers go
(a work address asking for answers at home). A web form's or a shop's system mail comes from a
no-reply address (`noreply@`, `do-not-reply@`, `mailer-daemon@`…) or from a relay listed in
`[email] form_senders`, and names the person who wrote in Reply-To: that person is the
customer, and two forms are two customers. Nothing is ever sent to such a sender
(`unanswerable`): a form's mail without a usable Reply-To is kept as a complaint and answered
by nobody, the desk seeing why.

A Reply-To is disregarded when answering it could loop or spam: the bot's own address or an
alias (the bot would answer itself), a list (the address List-Post names, a `-request`,
`-owner` or `-bounces` address, a `lists.` domain: the whole list would get the answer), or a
no-reply address; the From's own checks (auto-replies, bounces, the hourly limit) apply to
the mail as before.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from channels.email.parse import ParsedMail

_NO_REPLY = re.compile(
    r"(?:no-?reply|do-?not-?reply|dont-?reply|mailer-?daemon|postmaster|bounces?)(?:[-+].*)?",
    re.I,
)
"""Local parts that nobody reads (separators "_" and "." count as "-")."""
_LIST = re.compile(
    r"(?:.+-(?:request|owner|bounces?|admin)|owner-.+|listserv|majordomo|mailman|sympa)", re.I
)
_LIST_DOMAINS = ("lists.", "list.")
_LIST_HOSTS = ("googlegroups.com",)


@dataclass(frozen=True, slots=True)
class Addressee:
    """The customer of a mail and where answers go."""

    address: str
    """The customer's e-mail identity."""
    name: str
    answer_to: str
    """Where answers go when not to `address` (a person's Reply-To), else ""."""
    form: bool
    """The From relays another person's mail (a no-reply or configured form sender)."""


def no_reply(address: str) -> bool:
    """Whether `address` is read by nobody (by its local part)."""
    local = address.rpartition("@")[0].split("+")[0]
    return _NO_REPLY.fullmatch(local.replace("_", "-").replace(".", "-")) is not None


def addressee(mail: ParsedMail, own: Collection[str], form_senders: Collection[str]) -> Addressee:
    """The customer of `mail` and where answers go; `own`: the bot's addresses,
    `form_senders`: `[email] form_senders` (both lower-cased)."""
    form = mail.from_address in form_senders or no_reply(mail.from_address)
    reply = mail.reply_to_address
    usable = bool(reply) and reply != mail.from_address and not _could_loop(mail, reply, own)
    if form:
        if usable:
            return Addressee(reply, mail.reply_to_name, "", form=True)
        return Addressee(mail.from_address, mail.from_name, "", form=True)
    return Addressee(mail.from_address, mail.from_name, reply if usable else "", form=False)


def _could_loop(mail: ParsedMail, address: str, own: Collection[str]) -> bool:
    """Whether answering `address` would write to the bot itself, a list, or nobody."""
    local, _, domain = address.rpartition("@")
    return (
        address in own
        or address == mail.list_post
        or no_reply(address)
        or _LIST.fullmatch(local.split("+")[0]) is not None
        or domain.startswith(_LIST_DOMAINS)
        or domain in _LIST_HOSTS
    )
