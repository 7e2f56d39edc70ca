"""Form fields as the console's routes receive them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import AfterValidator

from complaints.errors import ComplaintBotError, WrongFields
from web.console.i18n import N_, Phrase
from web.console.phrasing import phrased


def _plain_lines(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF (HTML's form rules); the desk and the
    # customer's channel expect plain \n, as if the agent had written in any other client.
    return text.replace("\r\n", "\n")


Text = Annotated[str, AfterValidator(_plain_lines), Form()]
"""A text field of a form, line breaks as \\n."""


class FormError(ComplaintBotError):
    """A form field the console itself refuses: `FormError("%(text)s is not a number",
    text=...)`, an English text with values that `pybabel extract` finds and the console
    translates, like every refusal of the services."""


def reason(error: ComplaintBotError) -> Phrase:
    """Why something was refused, for a flash or a page, in the reader's language; every wrong
    field of a form at once ("…: the role …; the e-mail …"), as the API's 422 lists them."""
    if not isinstance(error, WrongFields) or len(error.fields) < 2:
        return phrased(error.said)
    said = [phrased(field.said) for field in error.fields.values()]
    whole = said[0]
    for more in said[1:]:
        whole = N_("%(said)s; %(more)s", said=whole, more=more)
    return whole
