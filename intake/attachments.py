"""Which attachments a message keeps: the one rule for `[intake] max_attachments` and
`max_attachment_bytes`, whatever the channel.

A message keeps its text and the attachments that fit (each within the size limit, in the
order sent, up to the count); the others are dropped, recorded as an event and named to the
customer in the answer. Only a message left with nothing usable (no text, no attachment that
fits) is refused: losing a whole complaint over a video too large would be worse than losing
the video. Telegram applies the same size limit before it downloads a file (the Bot API tells
the size first) and hands intake the name and size of a file it left (`Inbound.not_fetched`):
it is dropped like the others, so the acknowledgement itself names it, after the number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from channels.base import Attachment, Inbound, NotFetched
from complaints.cleaning import is_blank
from complaints.errors import InvalidMessage
from complaints.sizes import readable_size
from intake.case import event
from outbox.texts import say

Dropped = Attachment | NotFetched
"""A file not kept: one intake dropped, or one the channel did not fetch."""


@dataclass(frozen=True)
class AttachmentLimits:
    max_count: int
    max_bytes: int


def fit(
    attachments: tuple[Attachment, ...],
    limits: AttachmentLimits,
    not_fetched: tuple[NotFetched, ...] = (),
) -> tuple[tuple[Attachment, ...], tuple[Dropped, ...]]:
    """(kept, dropped): each file within the size limit is kept, in order, up to the count;
    the files the channel did not fetch are dropped too."""
    kept: list[Attachment] = []
    dropped: list[Dropped] = []
    for attachment in attachments:
        fits = attachment.size <= limits.max_bytes and len(kept) < limits.max_count
        (kept if fits else dropped).append(attachment)
    return tuple(kept), (*dropped, *not_fetched)


def within_limits(
    inbound: Inbound, limits: AttachmentLimits, *, answers_at_once: bool
) -> tuple[Inbound, tuple[Dropped, ...]]:
    """The message with the attachments that fit, and those dropped (`fit`).

    Refused only when nothing usable is left, or when an attachment breaks a limit on a
    channel that answers in its response (`answers_at_once`, the webhook): its caller is told
    at once and can send again, so nothing is quietly dropped there."""
    kept, dropped = fit(inbound.attachments, limits, inbound.not_fetched)
    usable = not is_blank(inbound.text) or kept or inbound.automated
    if not dropped and not usable:
        raise InvalidMessage("the message has no text and no attachment")
    if dropped and (not usable or answers_at_once):
        if len(inbound.attachments) > limits.max_count:
            raise InvalidMessage(
                "at most %(count)s attachments are accepted", count=limits.max_count
            )
        raise too_large(dropped[0], limits)
    return (replace(inbound, attachments=kept) if dropped else inbound), dropped


def dropped_event(
    complaint_id: int, now: datetime, dropped: tuple[Dropped, ...], limits: AttachmentLimits
) -> dict[str, Any]:
    """The timeline's record of the files not kept, with their sizes and the limits."""
    detail = {
        "files": [f"{a.filename} ({readable_size(a.size)})" for a in dropped],
        "limit": readable_size(limits.max_bytes),
        "max_files": limits.max_count,
    }
    return event(complaint_id, now, "system", "attachments_dropped", detail)


def not_kept_notice(language: str, dropped: tuple[Dropped, ...], limits: AttachmentLimits) -> str:
    """The sentence that tells the customer, in their language, which files were not kept."""
    return say(
        language,
        "attachments_not_kept",
        files=", ".join(a.filename for a in dropped),
        count=limits.max_count,
        limit=readable_size(limits.max_bytes, language),
    )


def too_large(attachment: Dropped, limits: AttachmentLimits) -> InvalidMessage:
    """The refusal of a file over the size limit, in sizes a person reads (the webhook caller's
    422, a dead letter's reason): "attachment 'clip.mp4' is 12.4 MB; the limit is 10 MB". The
    size is rounded up, so a file just over the limit never reads as the limit."""
    return InvalidMessage(
        "attachment '%(name)s' is %(size)s; the limit is %(limit)s",
        name=attachment.filename,
        size=readable_size(attachment.size, up=True),
        limit=readable_size(limits.max_bytes),
    )
