"""The log set-up every run shares: text or JSON lines, and personal data and secrets kept out
of every line, whichever library writes it.

A record about one complaint carries its number as `extra={"complaint": number}`; the JSON
lines give it a field of its own, so a log collector can show one complaint's story."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import IO

from observe.settings import LogSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_QUERY = re.compile(r"\?[^\s\"]*")
_BOT_TOKEN = re.compile(r"/bot[^/\s\"]+/")
_USER_INFO = re.compile(r"(?<=://)[^/\s\"@]+@")
"""A URL's `user:password@` (a webhook source's callback may carry one)."""


class _RedactUrls(logging.Filter):
    """Rewrites a record's URLs: a query string (`?q=ana@example.org`) is dropped, and the
    Telegram bot token in `/bot<token>/` and a `user:password@` are masked, so none of them
    reaches any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _USER_INFO.sub("***@", _BOT_TOKEN.sub("/bot***/", _QUERY.sub("", message)))
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class _WithoutClientWords(logging.Filter):
    """Keeps the event of an aiosmtpd line and drops what the client wrote: its warnings
    ("unrecognised: %s", "over limit for %s") quote the first word of a line, and after a
    refused RCPT a pipelining client's body lines arrive as commands (addresses, phone numbers,
    words of the complaint). Its only other argument, the peer's (host, port), stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if any(isinstance(arg, str | bytes) for arg in args):
            record.args = tuple("<text>" if isinstance(a, str | bytes) else a for a in args)
        return True


def protect_logs() -> None:
    """Keep personal data and secrets out of the log at every --log-level. uvicorn's access
    log and httpx's request log write whole URLs (searches by address, the bot token, a
    callback's password or the token in its path); aiosmtpd logs every envelope address at
    INFO and words of the client's lines at WARNING; python-telegram-bot and httpcore log
    whole requests at DEBUG (message texts, the token), imapclient every IMAP protocol line
    (the mails fetched, the login's user). SQLAlchemy's parameters are hidden by
    the engines themselves (store/database.py).

    httpx's INFO line per request is not written at all: the dispatcher logs every delivery
    itself (one line, with the complaint), and a callback's path may hold its secret."""
    for name in ("uvicorn.access", "httpx"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrls) for f in logger.filters):
            logger.addFilter(_RedactUrls())
    for name in ("mail.log", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    mail = logging.getLogger("mail.log")
    if not any(isinstance(f, _WithoutClientWords) for f in mail.filters):
        mail.addFilter(_WithoutClientWords())
    for name in ("telegram", "httpcore", "imapclient"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))


def set_up_logs(settings: LogSettings, level: str = "", stream: IO[str] | None = None) -> None:
    """Send every record to `stream` (stderr) as `[log] format` says, at `level` (the command
    line's) or `[log] level`, with the protection of `protect_logs`. Replaces any earlier set-up,
    so it can run again once settings.toml is read."""
    handler = logging.StreamHandler(stream)
    json_lines = settings.format == "json"
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=(level or settings.level).upper(), handlers=[handler], force=True)
    protect_logs()


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and `complaint`
    and `exception` when the record has them. The message is the one `protect_logs` left."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        complaint = getattr(record, "complaint", None)
        if complaint:
            line["complaint"] = str(complaint)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


_EMAIL = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+")
_PHONE = re.compile(r"\+?\d[\d ()-]{5,}\d")
"""Seven digits or more, spaces, hyphens and brackets between: phone numbers and chat ids (IP
addresses, with their dots, stay readable)."""


def safe_reason(error: BaseException, limit: int = 200, *, for_log: bool = True) -> str:
    """An error for a log line: its class and its message, shortened. A delivery error gives
    only the part its channel marked safe (`logged`: the relay's SMTP code and enhanced status,
    the callback's HTTP status, Telegram's error class), since a peer's refusal often quotes
    the recipient ("550 <ana@example.org>: no such user", a name, a number); the full text stays
    in the store, where the complaint's timeline shows it to staff. In any message, e-mail
    addresses, phone numbers and chat ids are masked. `for_log=False` keeps the peer's text
    (masked so) for the desk's notice of an undelivered message ("bot was blocked by the
    user" tells staff what to do)."""
    said = getattr(error, "logged", None) if for_log else None
    text = _PHONE.sub("<number>", _EMAIL.sub("<address>", str(error if said is None else said)))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
