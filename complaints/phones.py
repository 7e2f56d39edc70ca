"""A phone number the customer wrote next to its label ("Tel.", "Móvil:", "电话13912345678",
"手機：0912 345 678"): one pattern for an e-mail signature's lines and a chat's first message,
so both read the same numbers."""

from __future__ import annotations

import re

NUMBER = r"(\+?\(?\d[\d ().-]{5,18}\d)"
"""A phone number as people write it: digits with spaces, dots, dashes and brackets."""
LABELLED = re.compile(
    r"(?<![A-Za-z])(?:tel(?:[eé]fono)?|tfno|m[oó]vil|phone|mobile|mob|cell(?:phone)?|celular"
    r"|电话|手机|联系电话|電話|手機|聯絡電話)(?:\s*(?:号码|號碼|号|號|number|no|n[úu]mero))?"
    r"\.?\s*[:：.]?\s*(?:(?:is|es|是|为|為)\s*)?" + NUMBER,
    re.I,
)
"""A label, then the number (group 1)."""


def plausible(number: str) -> bool:
    """Whether `number` has as many digits as a phone number can (7 to 15, as E.164)."""
    return 7 <= sum(char.isdigit() for char in number) <= 15


def labelled_phone(text: str) -> str:
    """The one phone number `text` gives after a label; "" when there is none, or two
    different ones (which is the customer's is unclear)."""
    found = {match[1] for match in LABELLED.finditer(text) if plausible(match[1])}
    return found.pop() if len(found) == 1 else ""
