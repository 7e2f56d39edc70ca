"""The outbox's settings: `[outbox]`, how the dispatcher retries a message that did not go;
and `Localized`, the form `[bot] company_name` takes: a name per language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from complaints.durations import PositiveDuration


class OutboxSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=10, ge=1)
    """Then the message is marked failed and an event is recorded."""
    retry_base: PositiveDuration = timedelta(seconds=5)
    """The first retry waits this long, each later one twice as long."""
    retry_max: PositiveDuration = timedelta(hours=1)
    """The longest wait between two attempts."""
    send_timeout: PositiveDuration = timedelta(seconds=10)
    lease: timedelta = Field(default=timedelta(seconds=30), ge=timedelta(seconds=1))
    """How long a claimed message is reserved for the instance sending it, renewed every third
    of it while the send runs: if that instance dies, another sends the message this long
    after the last renewal."""


class Localized(str):
    """A name the bot says in the reader's language (`[bot] company_name`): the string is its
    form in the default language, `in_language` gives the form of another. A plain string in
    settings.toml is the same in every language."""

    forms: Mapping[str, str]

    def __new__(cls, text: str, forms: Mapping[str, str] | None = None) -> Localized:
        made = super().__new__(cls, text)
        made.forms = dict(forms or {})
        return made

    def __getnewargs__(self) -> tuple[str, dict[str, str]]:  # type: ignore[override]
        return str(self), dict(self.forms)

    def in_language(self, language: str) -> str:
        return self.forms.get(language, str(self))


def in_language(text: str, language: str) -> str:
    """`text` in `language`: its form there when it is `Localized`, else as it is."""
    return text.in_language(language) if isinstance(text, Localized) else text


@dataclass(frozen=True)
class CustomerZones:
    """Where each language's customers read times (`[bot] customer_timezones`): `default`
    (`[bot] timezone`) for every language `by_language` does not name."""

    default: ZoneInfo
    by_language: Mapping[str, ZoneInfo] = field(default_factory=dict)

    def of(self, language: str) -> ZoneInfo:
        return self.by_language.get(language, self.default)
