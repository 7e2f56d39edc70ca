"""Form fields as the console's routes receive them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import AfterValidator

from complaints.errors import ComplaintBotError
from web.console.i18n import Phrase, Value


def _plain_lines(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF (HTML's form rules); the desk and the
    # customer's channel expect plain \n, as if the agent had written in any other client.
    return text.replace("\r\n", "\n")


Text = Annotated[str, AfterValidator(_plain_lines), Form()]
"""A text field of a form, line breaks as \\n."""


class FormError(ComplaintBotError):
    """A form field the console itself refuses, with the reason in words it can translate."""

    def __init__(self, phrase: Phrase) -> None:
        super().__init__(phrase.msgid % phrase.values)
        self.phrase = phrase


def reason(error: ComplaintBotError) -> Value:
    """Why something was refused, for a flash: the console's own reasons are translated; those
    of the services (`AccountError` and the like) are shown in their English words."""
    return error.phrase if isinstance(error, FormError) else str(error)
