"""How the console names things and writes times and money in the reader's language.

Keys (`technical_service`, `awaiting_customer`) stay the values of forms and links; people
read names. Departments and categories are named by the rule set in force (settings.toml gives
each a name per language); statuses, grades, roles and channels by the console's catalogs, in
words for staff ("awaiting the customer"), not the customer's ("waiting for your answer") of
outbox/names.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from babel.dates import format_date, format_skeleton, get_datetime_format
from babel.numbers import format_currency, format_decimal

from router import RuleSet
from web.console.i18n import N_, Phrase

LABELS: Mapping[str, Mapping[str, Phrase]] = {
    "status": {
        "open": N_("all open"),
        "new": N_("new"),
        "acknowledged": N_("acknowledged"),
        "assigned": N_("assigned"),
        "investigating": N_("under investigation"),
        "solution_proposed": N_("solution proposed"),
        "awaiting_customer": N_("awaiting the customer"),
        "resolved": N_("resolved"),
        "closed": N_("closed"),
        "rejected": N_("rejected"),
        "reopened": N_("reopened"),
        "merged": N_("merged"),
    },
    "grade": {"general": N_("general"), "important": N_("important"), "urgent": N_("urgent")},
    "role": {"agent": N_("agent"), "supervisor": N_("supervisor"), "admin": N_("admin")},
    "channel": {"email": N_("e-mail"), "telegram": N_("Telegram"), "webhook": N_("webhook")},
    "letter": {
        "kept": N_("kept"),
        "reprocessing": N_("reprocessing"),
        "ignored": N_("ignored"),
        "reprocessed": N_("reprocessed"),
    },
}
"""What each key of a fixed set is called, by kind (`{{ key | label("grade") }}`)."""


def label(kind: str, key: str) -> Phrase | str:
    """The catalog text for `key`, or the key itself when it has none (a key added later)."""
    return LABELS[kind].get(key, key)


def named(rules: RuleSet, kind: str, key: str, language: str) -> str:
    """A department's or category's name in `language`, else in English, else its key."""
    table = rules.departments if kind == "department" else rules.categories
    found = table.get(key)
    if found is None:
        return key
    return found.names.get(language) or found.names.get("en") or key


def when(value: datetime | None, locale: str) -> str:
    """A moment in UTC (as the store and the API give it) in the locale's medium date and
    24-hour time, e.g. "Dec 6, 2026, 19:05 UTC" or "2026年12月6日 19:05 UTC"."""
    if value is None:
        return ""
    moment = value.astimezone(UTC)
    time = format_skeleton("Hm", moment, tzinfo=UTC, locale=locale)
    date = format_date(moment.date(), "medium", locale=locale)
    pattern = str(get_datetime_format("medium", locale=locale)).replace("'", "")
    return pattern.replace("{0}", time).replace("{1}", date) + " UTC"


def money(cents: int | None, currency: str, locale: str) -> str:
    if cents is None:
        return ""
    amount = Decimal(cents) / 100
    if not currency:
        return format_decimal(amount, format="#,##0.00", locale=locale)
    return format_currency(amount, currency, locale=locale)
