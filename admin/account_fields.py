"""What an account's fields may hold: a role, known departments, a password of 10+ characters,
an e-mail address, a console language. Every field is checked, so a refusal names all the wrong
ones at once (README "The API": one entry per wrong field)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from complaints.access import ROLES
from complaints.addresses import account_email
from complaints.errors import AccountError
from complaints.languages import SUPPORTED


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise AccountError("a password needs at least 10 characters")


def wrong_fields(
    role: str,
    departments: Sequence[str],
    known: Sequence[str],
    password: str | None,
    email: str | None,
    language: str | None,
) -> dict[str, AccountError]:
    """Each wrong field with its refusal (none: empty); `None` leaves a field unchecked (not
    being changed). `known`: the departments of the rule set in force."""
    checks: dict[str, Callable[[], object]] = {
        "role": lambda: _check_role(role),
        "departments": lambda: _check_departments(role, departments, known),
        "password": lambda: password is not None and _checked_password(password),
        "email": lambda: email is not None and account_email(email),
        "language": lambda: _check_language(language or ""),
    }
    wrong = {}
    for name, check in checks.items():
        try:
            check()
        except AccountError as error:
            wrong[name] = error
    return wrong


def _checked_password(password: str) -> bool:
    check_password_strength(password)
    return True


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError("role must be one of %(roles)s", roles=", ".join(ROLES))


def _check_departments(role: str, departments: Sequence[str], known: Sequence[str]) -> None:
    unknown = sorted(set(departments) - set(known))
    if unknown:
        # `departments` (the known ones) are named in the reader's language where shown
        listed = {"unknown": ", ".join(unknown), "departments": ", ".join(known)}
        raise AccountError(
            "unknown department(s) %(unknown)s; departments: %(departments)s", **listed
        )
    if role != "admin" and not departments:
        raise AccountError("an agent or supervisor needs at least one department")


def _check_language(language: str) -> None:
    if language and language not in SUPPORTED:
        languages = ", ".join(SUPPORTED)
        raise AccountError("language must be one of %(languages)s, or empty", languages=languages)
