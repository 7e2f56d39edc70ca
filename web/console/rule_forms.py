"""Reading the rule edit form and its sample message: the form's fields become a `[[rules]]`
table (the rule book validates it) and a `TrialMessage`, and the values typed are shown again
with the result of trying them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from admin.rule_book import full_rule
from admin.rule_trials import TrialMessage
from web.console.forms import FormError

DEFAULT_LAST = 200
"""How many recent complaints a backtest replays unless the form says otherwise."""


def _lines(form: FormData, key: str, separator: str = "\n") -> list[str]:
    text = str(form.get(key, ""))
    return [part.strip() for part in text.split(separator) if part.strip()]


def whole_number(form: FormData, key: str) -> int | None:
    """The number in field `key`; a FormError naming the field (wording.LABELS["field"])."""
    text = str(form.get(key, "")).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise FormError(
            "%(field)s must be a whole number, not '%(text)s'", field=key, text=text
        ) from None


def rule_from_form(form: FormData) -> dict[str, Any]:
    """The [[rules]] table the edit form describes (validated later by the rule book)."""
    at_least_count = whole_number(form, "repeat_at_least")
    within_days = whole_number(form, "repeat_within_days")
    # Half a repeat is passed on as typed: the rule book's validation says what it needs.
    repeat = {
        key: value
        for key, value in (("at_least", at_least_count), ("within_days", within_days))
        if value is not None
    }
    attachment = str(form.get("has_attachment", ""))
    return {
        "name": str(form.get("name", "")).strip(),
        "enabled": form.get("enabled") == "true",
        "description": str(form.get("description", "")).strip(),
        "keywords": _lines(form, "keywords"),
        "pattern": str(form.get("pattern", "")),
        "unless": _lines(form, "unless"),
        "unless_negated": form.get("unless_negated") == "true",
        "fields": [str(value) for value in form.getlist("fields")],
        "channel": [str(value) for value in form.getlist("channel")],
        "language": [str(value) for value in form.getlist("language")],
        "tier": _lines(form, "tier", ","),
        "has_attachment": {"yes": True, "no": False}.get(attachment),
        "repeat": repeat or None,
        "category": str(form.get("category", "")),
        "department": str(form.get("department", "")),
        "grade": str(form.get("grade", "")),
        "min_grade": str(form.get("min_grade", "")),
        "raise_grade": form.get("raise_grade") == "true",
        "tags": _lines(form, "tags", ","),
    }


def message_from_form(form: FormData) -> TrialMessage:
    return TrialMessage(
        text=str(form.get("text", "")),
        subject=str(form.get("subject", "")),
        channel=str(form.get("channel_of_message", "webhook")),
        language=str(form.get("message_language", "")),
        tier=str(form.get("message_tier", "")).strip(),
        has_attachment=form.get("message_has_attachment") == "true",
        earlier_complaints=whole_number(form, "earlier_complaints") or 0,
    )


def blank_message() -> dict[str, Any]:
    return {
        "text": "",
        "subject": "",
        "channel_of_message": "webhook",
        "message_language": "",
        "message_tier": "",
        "message_has_attachment": False,
        "earlier_complaints": 0,
        "last": DEFAULT_LAST,
    }


def message_values(form: FormData) -> dict[str, Any]:
    """The sample message as sent, to show it again with the result."""
    shown = {key: form.get(key, value) for key, value in blank_message().items()}
    return shown | {"message_has_attachment": form.get("message_has_attachment") == "true"}


def form_values(original: str, position: int | None, rule: Mapping[str, Any]) -> dict[str, Any]:
    """What the edit form shows: the rule with every key, where it goes, a sample message."""
    return {"original": original, "position": position, "rule": full_rule(rule)} | blank_message()
