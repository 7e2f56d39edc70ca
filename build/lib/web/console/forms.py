"""Form fields as the console's routes receive them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import AfterValidator


def _plain_lines(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF (HTML's form rules); the desk and the
    # customer's channel expect plain \n, as if the agent had written in any other client.
    return text.replace("\r\n", "\n")


Text = Annotated[str, AfterValidator(_plain_lines), Form()]
"""A text field of a form, line breaks as \\n."""
