"""The log set-up every run shares: personal data and secrets kept out of every line, whichever
library writes it."""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")
_BOT_TOKEN = re.compile(r"/bot[^/\s\"]+/")


class _RedactUrls(logging.Filter):
    """Rewrites a record's URLs: a query string (`?q=ana@example.org`) is dropped and the
    Telegram bot token in `/bot<token>/` is masked, so neither reaches any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _BOT_TOKEN.sub("/bot***/", _QUERY.sub("", message))
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def protect_logs() -> None:
    """Keep personal data and secrets out of the log at every --log-level. uvicorn's access
    log and httpx's request log write whole URLs (searches by address, the bot token);
    aiosmtpd logs every envelope address at INFO; python-telegram-bot and httpcore log whole
    requests at DEBUG (message texts, the token). SQLAlchemy's parameters are hidden by the
    engines themselves (store/database.py)."""
    for name in ("uvicorn.access", "httpx"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrls) for f in logger.filters):
            logger.addFilter(_RedactUrls())
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    for name in ("telegram", "httpcore"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))
