"""The e-mail channel's settings: `[email]` and its `smtp_server`, `relay` and `imap` tables."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SmtpServerSettings:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 2525
    tls_cert: str = ""
    tls_key: str = ""
    auth_username: str = ""
    auth_password: str = ""


@dataclass(frozen=True)
class RelaySettings:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    ssl: bool = True
    username: str = ""
    password: str = field(default="", repr=False)  # never in logs or tracebacks
    folder: str = "INBOX"
    processed_folder: str = ""
    """When set, handled mail is moved here instead of being flagged `\\Seen`."""
    poll_seconds: float = 60.0
    """Pause between passes when the server cannot IDLE (and before retrying a failed message)."""


@dataclass(frozen=True)
class EmailSettings:
    address: str
    aliases: tuple[str, ...]
    display_name: str
    signing_secret: str
    max_message_bytes: int
    max_replies_per_hour: int
    bounces_before_suppression: int
    smtp_server: SmtpServerSettings
    relay: RelaySettings
    imap_enabled: bool
    imap: ImapSettings

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]

    @property
    def enabled(self) -> bool:
        return self.smtp_server.enabled or self.imap_enabled
