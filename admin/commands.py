"""The admin's command-line work: the first admin account (`python bot.py create-admin`)."""

from __future__ import annotations

import getpass
import sys
import warnings

from admin.account_fields import check_password_strength
from admin.accounts import Accounts
from complaints.errors import AccountError


def new_password(name: str, *, from_stdin: bool) -> str | None:
    """The new password, from standard input or typed twice; None, with the reason on stderr,
    when there is none: too short, the two typed differ, or there is no terminal to type it in
    (getpass would read standard input with only a warning that the password is echoed)."""
    password = sys.stdin.readline().rstrip("\n") if from_stdin else _typed_twice(name)
    if password is None:
        return None
    try:
        check_password_strength(password)
    except AccountError as error:
        _refused(str(error))
        return None
    return password


def _typed_twice(name: str) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", getpass.GetPassWarning)
            password = getpass.getpass(f"password for {name}: ")
            again = getpass.getpass("again: ")
    except getpass.GetPassWarning:
        _refused("there is no terminal to type the password in; pipe it in with --password-stdin")
        return None
    if again != password:
        _refused("the two passwords differ")
        return None
    return password


def create_admin(accounts: Accounts, name: str, email: str, password: str, *, token: bool) -> int:
    """Create an admin account (and print an API token for it when asked); the exit status."""
    try:
        agent = accounts.create_now(name, "admin", (), password, email)
    except AccountError as error:
        _refused(str(error))
        return 2
    print(f"admin {agent.name} created; log in at /console/login")  # noqa: T201
    if token:
        print(accounts.issue_token_now(agent.id or 0, "created with create-admin"))  # noqa: T201
    return 0


def _refused(reason: str) -> None:
    print(f"complaint bot: {reason}; nothing was created", file=sys.stderr)  # noqa: T201
