"""The files a customer's Telegram message carries: fetched through the Bot API, or left
where they are when over the size limit (the Bot API tells a file's size first).

Telegram gives a photo, a voice note or a video note no file name. Each gets one an agent
reads in the console's list and in a download folder: the kind and when the customer sent it,
in the desk's time zone (`[bot] timezone`), such as `photo-2026-12-08-17.05.07.jpg`; not the
chat's message number, which tells an agent nothing, and not the customer's name (personal
data in a file name travels further than the complaint). Only digits, letters, '-' and '.',
so it is safe on any disk. A document or audio file keeps the name the customer gave it
(without any directory part, `channels.base.safe_filename`).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from telegram import Message

from channels.base import Attachment, NotFetched, safe_filename


def sent_at_name(message: Message, kind: str, extension: str, zone: tzinfo) -> str:
    """`<kind>-<YYYY-MM-DD>-<HH.MM.SS><extension>`: when `message` was sent, in `zone`."""
    return f"{kind}-{message.date.astimezone(zone):%Y-%m-%d-%H.%M.%S}{extension}"


async def fetch(
    message: Message, limit: int, zone: tzinfo
) -> tuple[tuple[Attachment, ...], tuple[NotFetched, ...]]:
    """Photos (the largest size), documents, voice notes, videos, video notes and audio files,
    fetched through the Bot API; and the files over `limit` bytes, which are not fetched."""

    def named(kind: str, extension: str) -> str:
        return sent_at_name(message, kind, extension, zone)

    document, video, audio = message.document, message.video, message.audio
    found: list[tuple[Any, str, str]] = []
    if message.photo:
        found.append((message.photo[-1], named("photo", ".jpg"), "image/jpeg"))
    for item, default, kind in (
        (document, named("document", ""), "application/octet-stream"),
        (video, named("video", ".mp4"), "video/mp4"),
        (audio, named("audio", ".mp3"), "audio/mpeg"),
    ):
        if item is not None:
            name = safe_filename(item.file_name or "") or default
            found.append((item, name, item.mime_type or kind))
    if message.voice:
        voice = message.voice
        found.append((voice, named("voice", ".ogg"), voice.mime_type or "audio/ogg"))
    if message.video_note:
        found.append((message.video_note, named("video-note", ".mp4"), "video/mp4"))
    attachments, too_large = [], []
    for item, filename, content_type in found:
        if (item.file_size or 0) > limit:
            too_large.append(NotFetched(filename, item.file_size))
            continue
        file = await item.get_file()
        data = bytes(await file.download_as_bytearray())
        if len(data) > limit:  # Telegram did not say the size beforehand
            too_large.append(NotFetched(filename, len(data)))
            continue
        attachments.append(Attachment(filename, content_type, data))
    return tuple(attachments), tuple(too_large)
