"""The Telegram channel: the adapter (polling or webhook mode, sending) and its settings."""
