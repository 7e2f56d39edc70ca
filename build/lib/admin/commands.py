"""The admin's command-line work: the first admin account (`python bot.py create-admin`)."""

from __future__ import annotations

import getpass
import sys

from admin.accounts import Accounts
from complaints.errors import AccountError


def read_password(name: str, *, from_stdin: bool) -> str | None:
    """The new password, from standard input or typed twice; None when the two differ."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {name}: ")
    return password if getpass.getpass("again: ") == password else None


def create_admin(accounts: Accounts, name: str, email: str, *, stdin: bool, token: bool) -> int:
    """Create an admin account (and print an API token for it when asked); the exit status."""
    password = read_password(name, from_stdin=stdin)
    if password is None:
        print("complaint bot: the two passwords differ; nothing was created", file=sys.stderr)  # noqa: T201
        return 2
    try:
        agent = accounts.create_now(name, "admin", (), password, email)
    except AccountError as error:
        print(f"complaint bot: {error}; nothing was created", file=sys.stderr)  # noqa: T201
        return 2
    print(f"admin {agent.name} created; log in at /console/login")  # noqa: T201
    if token:
        print(accounts.issue_token_now(agent.id or 0, "created with create-admin"))  # noqa: T201
    return 0
