"""The languages the bot speaks, and how a transport's language tag maps onto them.

Kept in the kernel because channels need it too (Telegram's `language_code`, the /language
keyboard) and channels may not import the router, which detects a language from the text.
"""

from __future__ import annotations

SUPPORTED = ("zh-Hans", "zh-Hant", "es", "en")


def one_per_language(value: object) -> str | dict[str, str]:
    """A setting said in the reader's language (`[bot] company_name`, `[email] display_name`):
    one non-empty string for every language, or a table with a form for each. Raises
    ValueError with the reason, for the settings loader to name the key."""
    languages = ", ".join(SUPPORTED)
    if isinstance(value, str) and value.strip():
        return value
    if not isinstance(value, dict):
        raise ValueError(
            f"must be a string or a table of one name per language ({languages}), not {value!r}"
        )
    unknown = sorted(set(value) - set(SUPPORTED))
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}; languages: {languages}")
    missing = [language for language in SUPPORTED if language not in value]
    if missing:
        raise ValueError(
            f"names no form for {', '.join(missing)}; a table names each of {languages}"
        )
    if not all(isinstance(name, str) and name.strip() for name in value.values()):
        raise ValueError("each language's name must be a non-empty string")
    return dict(value)


def normalise_hint(hint: str) -> str:
    """Map a transport's language tag (BCP 47, Telegram's `language_code`) to a supported one.

    Returns "" when the tag names no supported language. "zh" alone is simplified Chinese, as
    browsers and the console read it (the text still decides when it tells its script).
    """
    tag = hint.strip().replace("_", "-").lower()
    if not tag:
        return ""
    if tag.startswith("zh"):
        # the script subtag, when there is one, decides: "zh-Hans-HK" is simplified Chinese
        subtags = set(tag.split("-")[1:])
        if "hant" in subtags:
            return "zh-Hant"
        if "hans" in subtags:
            return "zh-Hans"
        if subtags & {"tw", "hk", "mo"}:
            return "zh-Hant"
        return "zh-Hans"  # zh-CN, zh-SG, zh-MY, and "zh" alone
    primary = tag.split("-")[0]
    return primary if primary in ("es", "en") else ""
