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

from babel.dates import format_date, format_skeleton, get_datetime_format
from babel.numbers import format_percent

from complaints.money import written
from complaints.sizes import readable_size
from router import RuleSet
from router.names import name_of
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
    "solution": {
        "return": N_("return"),
        "exchange": N_("exchange"),
        "repair": N_("repair"),
        "refund": N_("refund"),
        "discount": N_("discount"),
        "compensation": N_("compensation"),
        "apology": N_("apology"),
    },
    "solution_status": {
        "awaiting_approval": N_("awaiting approval"),
        "proposed": N_("proposed"),
        # Not the complaint's "rejected" (not valid, 未受理): a supervisor turned it down.
        "rejected": N_("turned down"),
    },
    "form_field": {
        # The number fields of the rule edit form, named in a refusal of what was typed.
        "position": N_("Position"),
        "last": N_("Backtest over the last … complaints"),
        "repeat_at_least": N_("Repeat: at least N complaints"),
        "repeat_within_days": N_("… within D days"),
        "earlier_complaints": N_("Earlier complaints"),
    },
    "language": {
        "zh-Hans": N_("Simplified Chinese"),
        "zh-Hant": N_("Traditional Chinese"),
        "es": N_("Spanish"),
        "en": N_("English"),
    },
    "registration": {
        "subject": N_("Subject"),
        "product": N_("Product"),
        "model": N_("Model"),
        "serial_number": N_("Serial number"),
        "order_number": N_("Order number"),
        "purchase_date": N_("Purchase date"),
        "desired_outcome": N_("Desired outcome"),
    },
    "message": {
        # Customers' messages by what they were, the bot's by the text it sent (outbox/texts).
        "complaint": N_("complaint"),
        "follow-up": N_("follow-up"),
        "automated": N_("machine mail"),
        "reply": N_("reply"),
        "notification": N_("notification"),
        "acknowledgement": N_("acknowledgement"),
        "followup": N_("follow-up acknowledgement"),
        "question": N_("question"),
        "chat": N_("chat message"),
        "progress": N_("progress update"),
        "proposal_notice": N_("solution proposed"),
        "rejected_notice": N_("rejection notice"),
        "assigned_notice": N_("assignment notice"),
        "merged_notice": N_("merge notice"),
        "resolved": N_("resolved"),
        "reopened": N_("reopened"),
        "reopened_notice": N_("reopened"),
        "reopened_by_team": N_("reopened"),
        "reopened_by_desk": N_("reopened"),
        "survey": N_("survey"),
        "survey_thanks": N_("thanks"),
        "closed_thanks": N_("thanks"),
        # the deliveries' kinds of those notices (outbox.notify.NOTICES), in "reply queued"
        "assigned": N_("assignment notice"),
        "closed": N_("thanks"),
        "merged": N_("merge notice"),
        "proposed": N_("solution proposed"),
        "rejected": N_("rejection notice"),
    },
    "event": {
        "address_suppressed": N_("address suppressed"),
        "attachments_dropped": N_("attachments not kept"),
        "agent_replied": N_("agent replied"),
        "assigned": N_("assigned"),
        "corrected": N_("routing corrected"),
        "customer_erased": N_("customer's data erased"),
        "customer_linked": N_("customer linked"),
        "deadline_warning": N_("deadline warning"),
        "delivery_delayed": N_("delivery delayed"),
        "delivery_failed": N_("delivery failed"),
        "details_added": N_("details added"),
        "details_found": N_("details found"),
        "disputed": N_("rejection disputed"),
        "duplicate_suspected": N_("duplicate suspected"),
        "escalated": N_("escalated"),
        "fields_edited": N_("fields edited"),
        "grade_corrected": N_("grade corrected"),
        "handler_changed": N_("handler changed"),
        "handler_requested": N_("another handler requested"),
        "hot_spot": N_("hot spot"),
        "language_changed": N_("language changed by the customer"),
        "merged": N_("merged"),
        "merge_took_over": N_("routing taken from a merged case"),
        "message_received": N_("message received"),
        "note": N_("internal note"),
        "progress_sent": N_("progress update sent"),
        "regraded": N_("grade raised"),
        "reply_delivered": N_("reply delivered"),
        "reply_queued": N_("reply queued"),
        "reply_withheld": N_("reply withheld"),
        "routed": N_("routed"),
        "solution_approved": N_("solution approved"),
        "solution_awaiting_approval": N_("solution awaiting approval"),
        "solution_proposed": N_("solution proposed"),
        "solution_rejected": N_("solution rejected"),
        "status_changed": N_("status changed"),
        "supervisor_told": N_("supervisor told"),
        "survey_answered": N_("survey answered"),
        "survey_commented": N_("survey comment"),
        "survey_late": N_("late answer to an earlier survey, not counted"),
        "survey_sent": N_("survey sent"),
        "undelivered_told": N_("desk told of a failed delivery"),
    },
    "actor": {
        "customer": N_("customer"),
        "system": N_("system"),
        "router": N_("router"),
        "bot": N_("bot"),
        "scheduler": N_("scheduler"),
    },
    "detail": {
        "from": N_("from"),
        "to": N_("to"),
        "why": N_("why"),
        "text": N_("text"),
        "note": N_("note"),
        "into": N_("into"),
        "kind": N_("kind"),
        "amount": N_("amount"),
        "description": N_("description"),
        "solution": N_("solution"),
        "message": N_("message"),
        "told": N_("customer told"),
        "category": N_("category"),
        "department": N_("department"),
        "grade": N_("grade"),
        "channel": N_("channel"),
        "source": N_("source"),
        "attachments": N_("attachments"),
        "files": N_("files not kept"),
        "limit": N_("size limit per file"),
        "max_files": N_("most files per message"),
        "language": N_("language"),
        "status": N_("status"),
        "rule_set_version": N_("rule set version"),
        "attempts": N_("attempts"),
        "similarity": N_("similarity"),
        "of": N_("duplicate of"),
        "deadline": N_("deadline"),
        "missed": N_("missed deadline"),
        "level": N_("escalation level"),
        "grade_from": N_("grade before"),
        "grade_to": N_("grade after"),
        "reason": N_("reason"),
        "permanent": N_("permanent"),
        "bounces": N_("bounces"),
        "fields": N_("fields"),
        "via": N_("via"),
        "into_customer": N_("merged into customer"),
        "score": N_("score"),
        "automated": N_("machine mail"),
        "tags": N_("tags"),
        "rules": N_("rules"),
        "dimension": N_("dimension"),
        "value": N_("value"),
        "count": N_("count"),
        "baseline": N_("baseline"),
        "window_start": N_("window start"),
    },
    "dimension": {
        # store.queries.hot_spots.DIMENSIONS: what a hot spot counts complaints by
        "category": N_("category"),
        "product": N_("product"),
    },
    "period_field": {
        # a report's period (admin.report_period) as the reports form names its fields
        "since": N_("Since"),
        "until": N_("Until (not included)"),
    },
    "tag": {
        # the tags the bot itself writes (complaints.duplicates, intake, router.decide) and
        # those of the shipped rules; a tag an admin's rule adds shows as written
        "possible-duplicate": N_("possible duplicate"),
        "dispute": N_("disputed"),
        "handler-requested": N_("another handler requested"),
        "needs-triage": N_("needs triage"),
        "safety": N_("safety"),
        "privacy": N_("privacy"),
        "large-amount": N_("large amount"),
        "legal": N_("legal"),
        "regulator": N_("regulator"),
        "media": N_("media"),
    },
    "origin": {
        "settings": N_("settings"),
        "console": N_("console"),
        "import": N_("import"),
        "rollback": N_("rollback"),
    },
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
    return name_of(rules, kind, key, language)


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
    """An amount as the reader's language writes it, the one way of every text that shows
    one (complaints.money.written); "" for none."""
    return "" if cents is None else written(cents, currency, locale)


def percent(share: float, locale: str) -> str:
    """A share (0.857) as a percentage with one decimal, the locale's way."""
    return format_percent(share, format="#,##0.0%", locale=locale)


def size(count: int, locale: str) -> str:
    """A number of bytes as people read it, the locale's way: 8609771 → "8.2 MB" ("8,2 MB"),
    as everywhere (complaints.sizes), with a no-break space before the unit."""
    return readable_size(count, locale).replace(" ", "\N{NO-BREAK SPACE}")
