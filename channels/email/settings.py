"""The e-mail channel's settings: `[email]` and its `smtp_server`, `relay` and `imap` tables.

Checks that involve two keys sit on the later key (pydantic validates fields in order and hands
a validator the ones before it), so an error names a key the reader can find in the file.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from complaints.languages import one_per_language

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SmtpServerSettings(BaseModel):
    """The SMTP server the bot runs, to which the company's mail server hands customer mail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=2525, ge=0, le=65535)
    tls_cert: str = ""
    tls_key: str = Field(default="", validate_default=True)
    """With tls_cert: offer STARTTLS."""
    auth_username: str = ""
    auth_password: str = Field(default="", repr=False, validate_default=True)
    """With auth_username: require SMTP AUTH."""

    @field_validator("tls_key")
    @classmethod
    def _tls_pair(cls, value: str, info: ValidationInfo) -> str:
        if bool(value) != bool(info.data.get("tls_cert")):
            raise ValueError("tls_cert and tls_key go together")
        return value

    @field_validator("auth_password")
    @classmethod
    def _auth_pair(cls, value: str, info: ValidationInfo) -> str:
        if bool(value) != bool(info.data.get("auth_username")):
            raise ValueError("auth_username and auth_password go together")
        return value


class RelaySettings(BaseModel):
    """The mail server the bot sends through."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    username: str = ""
    password: str = Field(default="", repr=False)


class ImapSettings(BaseModel):
    """A hosted mailbox the bot fetches customer mail from (instead of, or beside, SMTP)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = ""
    port: int = Field(default=993, ge=1, le=65535)
    ssl: bool = True
    username: str = ""
    password: str = Field(default="", repr=False)  # never in logs or tracebacks
    folder: str = "INBOX"
    processed_folder: str = ""
    """When set, handled mail is moved here instead of being flagged `\\Seen`."""
    poll_seconds: float = Field(default=60.0, ge=1)
    """Pause between passes when the server cannot IDLE (and before retrying a failed message)."""
    enabled: bool = Field(default=False, validate_default=True)
    """Last, so its check sees host, username and password."""

    @field_validator("enabled")
    @classmethod
    def _complete_when_enabled(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not all(info.data.get(key) for key in ("host", "username", "password")):
            raise ValueError("host, username and password are needed when [email.imap] is enabled")
        return value


class EmailSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str = "complaints@localhost.localdomain"
    """Customers write here; replies come from it. Kept lower-cased."""
    aliases: tuple[str, ...] = ()
    form_senders: tuple[str, ...] = ()
    """Addresses that relay other people's mail (a web form, a shop's system) without being
    no-reply by name: their mail's customer is its Reply-To (`channels.email.reply_to`), and
    nothing is ever sent to them. Kept lower-cased."""
    display_name: str | dict[str, str] = ""
    """The From's name: one for every language, or a table with one per language (a mail
    with no language takes the table's first). Unset: `[bot] company_name`, as the letters
    sign (`config` fills it in, the default language first)."""
    max_message_bytes: int = Field(default=25 << 20, ge=1024)
    max_replies_per_hour: int = Field(default=5, ge=1)
    """Against mail loops: answers to a sender's own mails (acknowledgements, confirmations)
    in an hour, at most; staff notices and the survey neither count nor are held back."""
    bounces_before_suppression: int = Field(default=3, ge=1)
    smtp_server: SmtpServerSettings = SmtpServerSettings()
    relay: RelaySettings = RelaySettings()
    imap: ImapSettings = ImapSettings()
    signing_secret: str = Field(default="", repr=False, validate_default=True)
    """Signs the bot's Message-IDs. After smtp_server and imap, so its check can see them."""

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return _checked_address(value)

    @field_validator("aliases", "form_senders")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_checked_address(alias) for alias in value)

    @field_validator("form_senders")
    @classmethod
    def _form_senders(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        own = {info.data.get("address"), *info.data.get("aliases", ())}
        if clash := sorted(own.intersection(value)):
            raise ValueError(f"{clash[0]!r} is the bot's own address, not a form sender")
        return value

    @field_validator("display_name", mode="before")
    @classmethod
    def _display_name(cls, value: object) -> str | dict[str, str]:
        return "" if value == "" else one_per_language(value)

    @field_validator("signing_secret")
    @classmethod
    def _signing_secret(cls, value: str, info: ValidationInfo) -> str:
        smtp, imap = info.data.get("smtp_server"), info.data.get("imap")
        receiving = (smtp is not None and smtp.enabled) or (imap is not None and imap.enabled)
        if receiving and len(value) < 16:
            raise ValueError(
                "must be at least 16 characters: it signs "
                "the bot's Message-IDs so replies thread safely"
            )
        return value

    def display_name_in(self, language: str) -> str:
        """The From's name in `language`."""
        name = self.display_name
        if isinstance(name, str):
            return name
        return name.get(language) or next(iter(name.values()))

    @property
    def imap_enabled(self) -> bool:
        return self.imap.enabled

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]

    @property
    def enabled(self) -> bool:
        return self.smtp_server.enabled or self.imap_enabled


def _checked_address(value: str) -> str:
    address = value.lower()
    if not _ADDRESS.match(address):
        raise ValueError(f"{address!r} is not an e-mail address")
    return address
