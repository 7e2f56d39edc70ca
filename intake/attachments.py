"""Which attachments a message keeps: the one rule for `[intake] max_attachments` and
`max_attachment_bytes`, whatever the channel.

A message keeps its text and the attachments that fit (each within the size limit, in the
order sent, up to the count); the others are dropped, recorded as an event and named to the
customer in the answer. Only a message left with nothing usable (no text, no attachment that
fits) is refused: losing a whole complaint over a video too large would be worse than losing
the video. Telegram applies the same size limit before it downloads a file (the Bot API tells
the size first) and tells the customer itself; what reaches intake from it already fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from channels.base import Attachment
from complaints.errors import InvalidMessage
from complaints.sizes import readable_size
from intake.case import event
from outbox.texts import say


@dataclass(frozen=True)
class AttachmentLimits:
    max_count: int
    max_bytes: int


def fit(
    attachments: tuple[Attachment, ...], limits: AttachmentLimits
) -> tuple[tuple[Attachment, ...], tuple[Attachment, ...]]:
    """(kept, dropped): each file within the size limit is kept, in order, up to the count."""
    kept: list[Attachment] = []
    dropped: list[Attachment] = []
    for attachment in attachments:
        fits = attachment.size <= limits.max_bytes and len(kept) < limits.max_count
        (kept if fits else dropped).append(attachment)
    return tuple(kept), tuple(dropped)


def dropped_event(
    complaint_id: int, now: datetime, dropped: tuple[Attachment, ...], limits: AttachmentLimits
) -> dict[str, Any]:
    """The timeline's record of the files not kept, with their sizes and the limits."""
    detail = {
        "files": [f"{a.filename} ({readable_size(a.size)})" for a in dropped],
        "limit": readable_size(limits.max_bytes),
        "max_files": limits.max_count,
    }
    return event(complaint_id, now, "system", "attachments_dropped", detail)


def not_kept_notice(
    language: str, dropped: tuple[Attachment, ...], limits: AttachmentLimits
) -> str:
    """The sentence that tells the customer, in their language, which files were not kept."""
    return say(
        language,
        "attachments_not_kept",
        files=", ".join(a.filename for a in dropped),
        count=limits.max_count,
        limit=readable_size(limits.max_bytes, language),
    )


def too_large(attachment: Attachment, limits: AttachmentLimits) -> InvalidMessage:
    """The refusal of a file over the size limit, in sizes a person reads (the webhook caller's
    422, a dead letter's reason): "attachment 'clip.mp4' is 12.4 MB; the limit is 10 MB". The
    size is rounded up, so a file just over the limit never reads as the limit."""
    return InvalidMessage(
        "attachment '%(name)s' is %(size)s; the limit is %(limit)s",
        name=attachment.filename,
        size=readable_size(attachment.size, up=True),
        limit=readable_size(limits.max_bytes),
    )
