"""The Telegram channel: the adapter (polling or webhook mode, sending), the chat flow and the
ports it reaches intake and staff through, and its settings."""

NAME = "telegram"
"""The channel's name in addresses (`telegram:<chat id>`) and in the store."""
