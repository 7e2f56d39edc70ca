"""Password guessing on the console login, over HTTP against the real bot: failures lock the
account for a short, growing while and the guessing address for longer; the real user is back
in within minutes; the lockouts are logged without the name or the address."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import httpx
import pytest

from tests.web.conftest import Desk, console_login

PASSWORD = "correct horse battery"


async def attempt(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    form = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return await client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf_token": token[1], "next": "/console/"},
    )


async def test_guessing_a_password_locks_the_account_briefly_and_the_right_one_waits(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    await desk.account("Marta", password=PASSWORD)
    attacker = desk.client()
    caplog.set_level(logging.WARNING)
    for guess in range(5):
        wrong = await attempt(attacker, "Marta", f"guess-{guess}")
        assert wrong.status_code == 200
        assert "Wrong name or password." in wrong.text
    # The 6th wrong one locks the account: even the right password is refused for now.
    assert (await attempt(attacker, "Marta", "guess-5")).status_code == 200
    locked = await attempt(attacker, "Marta", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert "try again in 30 seconds" in locked.text
    assert locked.headers["Retry-After"] == "30"
    assert "session" not in "".join(locked.headers.get_list("set-cookie"))
    # Refused tries while locked do not extend the lock.
    desk.clock.advance(timedelta(seconds=20))
    assert (await attempt(attacker, "Marta", PASSWORD)).status_code == 429
    desk.clock.advance(timedelta(seconds=11))
    # Another failure now doubles the lock; it grows, but never beyond 5 minutes.
    assert "Wrong name" in (await attempt(attacker, "Marta", "guess-6")).text
    assert "try again in 60 seconds" in (await attempt(attacker, "Marta", PASSWORD)).text
    for guess in range(7, 12):
        desk.clock.advance(timedelta(minutes=6))
        await attempt(attacker, "Marta", f"guess-{guess}")
    assert "try again in 5 minutes" in (await attempt(attacker, "Marta", PASSWORD)).text
    # The real user is back in once the lock runs out (the shared test address has failed
    # 12 times: under its own limit).
    desk.clock.advance(timedelta(minutes=5, seconds=1))
    await console_login(desk, "Marta", PASSWORD)
    lockouts = [r.getMessage() for r in caplog.records if "console login locked" in r.getMessage()]
    assert lockouts and all("Marta" not in line and "127.0.0.1" not in line for line in lockouts)
    assert "console login locked for one account for 30 s after 6 failed attempts" in lockouts


async def test_a_success_clears_the_account_count(desk: Desk) -> None:
    await desk.account("Marta", password=PASSWORD)
    client = desk.client()
    for guess in range(5):
        await attempt(client, "Marta", f"typo-{guess}")
    assert (await attempt(client, "Marta", PASSWORD)).status_code == 303
    for guess in range(5):
        assert (await attempt(desk.client(), "Marta", f"typo-{guess}")).status_code == 200
    assert (await attempt(desk.client(), "Marta", PASSWORD)).status_code == 303


async def test_one_address_guessing_many_names_is_locked_out_for_longer(desk: Desk) -> None:
    await desk.account("Marta", password=PASSWORD)
    attacker = desk.client()
    # Four tries on each of five names (unknown names count like known ones): no account is
    # locked, but the address has failed 20 times.
    for name in ("ana", "bea", "carla", "dora", "eva"):
        for guess in range(4):
            assert (await attempt(attacker, name, f"guess-{guess}")).status_code == 200
    assert (await attempt(attacker, "fina", "guess")).status_code == 200
    # The test clients all share 127.0.0.1, so every login from it now waits a minute.
    refused = await attempt(desk.client(), "Marta", PASSWORD)
    assert refused.status_code == 429
    assert "try again in 60 seconds" in refused.text
    desk.clock.advance(timedelta(minutes=1, seconds=1))
    await console_login(desk, "Marta", PASSWORD)
