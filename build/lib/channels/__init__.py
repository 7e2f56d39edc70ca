"""Channel adapters: each turns its transport's input into an `Inbound` and delivers `Outbound`s.

An adapter knows nothing of grades, departments or SQL; see `channels.base` for the shared types.
"""
