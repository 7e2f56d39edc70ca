"""What the sender of an e-mail kept as a dead letter is told: that it was not registered as
a complaint, why, and what to do, in the language of their mail (the text decides; the mail's
Content-Language only breaks a tie). The e-mail channel asks for it when it keeps a human's
mail (never machine mail) and sends it itself, since a dead letter belongs to no complaint."""

from __future__ import annotations

from complaints.sizes import readable_size
from outbox.texts import say
from router.language import detect_language


class KeptMailNotice:
    def __init__(
        self, default_language: str, company: str, max_attachments: int, max_attachment_bytes: int
    ) -> None:
        self.default_language = default_language
        self.company = company
        self.max_attachments = max_attachments
        self.max_attachment_bytes = max_attachment_bytes

    def __call__(self, problem: str, text: str, hint: str) -> tuple[str, str, str]:
        """(language, subject, text) for a mail kept because of `problem`: "empty" (no text
        and no attachment) or "attachments" (too many or too large)."""
        language = self.language(text, hint)
        key = "mail_kept.empty" if problem == "empty" else "mail_kept.attachments"
        body = say(
            language,
            key,
            company=self.company,
            count=self.max_attachments,
            limit=readable_size(self.max_attachment_bytes, language),
        )
        return language, say(language, "mail_kept_subject"), body

    def language(self, text: str, hint: str) -> str:
        found, _ = detect_language(text, "", default="")
        if found:
            return found
        return detect_language("", hint, default=self.default_language)[0]
