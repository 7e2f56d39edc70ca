"""Accounts, tokens and roles over the real HTTP API, and the create-admin command."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, write_settings
from tests.web.conftest import Desk

PASSWORD = "a long enough password"


async def test_every_account_route_needs_authentication(desk: Desk) -> None:
    anonymous = desk.client()
    for method, path in [
        ("GET", "/api/me"),
        ("GET", "/api/accounts"),
        ("POST", "/api/accounts"),
        ("PATCH", "/api/accounts/1"),
        ("GET", "/api/accounts/1/tokens"),
        ("POST", "/api/accounts/1/tokens"),
        ("DELETE", "/api/accounts/1/tokens/1"),
    ]:
        response = await anonymous.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"
    wrong = desk.client({"Authorization": "Bearer cbt_not-a-token"})
    assert (await wrong.get("/api/me")).status_code == 401
    basic = desk.client({"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert (await basic.get("/api/me")).status_code == 401


async def test_admin_creates_accounts_and_tokens_others_cannot(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    agent = await desk.account("Ana", role="agent", departments=("billing",))
    supervisor = await desk.account("Sam", role="supervisor", departments=("billing",))

    me = (await agent.get("/api/me")).json()
    assert me["name"] == "Ana" and me["role"] == "agent" and me["departments"] == ["billing"]

    for client in (agent, supervisor):
        assert (await client.get("/api/accounts")).status_code == 403
        refused = await client.post("/api/accounts", json={"name": "X", "departments": ["billing"]})
        assert refused.status_code == 403
        assert "admin" in refused.json()["detail"]
        assert (await client.post("/api/accounts/1/tokens", json={})).status_code == 403

    created = await admin.post(
        "/api/accounts",
        json={"name": "Li Wei", "role": "agent", "departments": ["network"], "password": PASSWORD},
    )
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["can_log_in"] is True and "password" not in account
    assert "password_hash" not in created.text

    issued = await admin.post(f"/api/accounts/{account['id']}/tokens", json={"name": "script"})
    assert issued.status_code == 201
    li = desk.client({"Authorization": f"Bearer {issued.json()['token']}"})
    assert (await li.get("/api/me")).json()["name"] == "Li Wei"

    listed = (await admin.get(f"/api/accounts/{account['id']}/tokens")).json()
    assert [t["name"] for t in listed] == ["script"] and "token" not in listed[0]

    revoked = await admin.delete(f"/api/accounts/{account['id']}/tokens/{listed[0]['id']}")
    assert revoked.status_code == 204
    assert (await li.get("/api/me")).status_code == 401


async def test_bad_account_input_is_refused_and_changes_nothing(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    before = (await admin.get("/api/accounts")).json()
    cases = [
        ({"name": "A", "role": "boss", "departments": ["billing"]}, "role must be one of"),
        ({"name": "A", "role": "agent", "departments": ["nowhere"]}, "unknown department"),
        ({"name": "A", "role": "agent", "departments": []}, "at least one department"),
        ({"name": "A", "departments": ["billing"], "password": "short"}, "10 characters"),
        ({"name": "Root", "role": "admin"}, "already an account"),
        # the login throttle counts "root" as "Root": so does the name
        ({"name": "root", "role": "admin"}, "already an account named 'Root'"),
        ({"name": "ROOT", "role": "admin"}, "already an account named 'Root'"),
        ({"name": "   ", "departments": ["billing"]}, "needs a name"),
    ]
    for body, reason in cases:
        response = await admin.post("/api/accounts", json=body)
        assert response.status_code == 422, body
        assert reason in response.text, (body, response.text)
    assert (await admin.get("/api/accounts")).json() == before
    assert (await admin.patch("/api/accounts/999", json={"role": "agent"})).status_code == 404
    assert (await admin.post("/api/accounts/999/tokens", json={})).status_code == 404


async def test_a_disabled_account_loses_api_access(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    agent = await desk.account("Ana")
    me = (await agent.get("/api/me")).json()
    changed = await admin.patch(f"/api/accounts/{me['id']}", json={"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert (await agent.get("/api/me")).status_code == 401


def _create_admin(
    settings: Path, name: str, password: str, *extra: str, stdin: bool = True
) -> subprocess.CompletedProcess[str]:
    """`bot.py create-admin` as an operator runs it, in a session of its own: without
    `stdin`, the password is not piped in and there is no terminal to type it in."""
    return subprocess.run(  # noqa: S603 (our own command line)
        [
            sys.executable,
            "bot.py",
            "--config",
            str(settings),
            "--log-level",
            "INFO",
            "create-admin",
            name,
            *(["--password-stdin"] if stdin else []),
            *extra,
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        start_new_session=True,  # no controlling terminal
    )


def test_create_admin_command(tmp_path: Path) -> None:
    settings = write_settings(tmp_path)
    store = tmp_path / "complaints.db"
    short = _create_admin(settings, "other", "short")
    assert short.returncode == 2 and "10 characters" in short.stderr
    untyped = _create_admin(settings, "other", PASSWORD, stdin=False)
    assert untyped.returncode == 2 and "--password-stdin" in untyped.stderr
    assert "GetPassWarning" not in untyped.stderr
    assert not store.exists()  # refused before the store was opened

    done = _create_admin(settings, "boss", PASSWORD, "--token")
    assert done.returncode == 0, done.stderr
    first, token = done.stdout.splitlines()
    assert first.startswith("admin boss created") and token.startswith("cbt_")
    # the store alone: no channel started, no triage model fitted or loaded for an account
    for line in ("triage model loaded", "triage model fitted", "complaint bot ready"):
        assert line not in done.stderr

    again = _create_admin(settings, "boss", PASSWORD)
    assert again.returncode == 2 and "already an account" in again.stderr


def _typed_in_a_terminal(settings: Path, name: str, answers: list[str]) -> tuple[int, str]:
    """`bot.py create-admin NAME` in a terminal of its own (a pseudo-terminal), each answer
    typed after its prompt: the exit status and everything the terminal showed."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.chdir(ROOT)
        command = [sys.executable, "bot.py", "--config", str(settings), "create-admin", name]
        os.execv(sys.executable, command)  # noqa: S606 (our own command line)
    shown = b""
    pending = list(answers)
    try:
        while True:
            ready, _, _ = select.select([terminal], [], [], 60)
            assert ready, f"create-admin stopped answering; it showed: {shown!r}"
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child closed the terminal: it has ended
                break
            if not chunk:
                break
            shown += chunk
            if pending and shown.endswith(b": "):  # a prompt, nothing after it yet
                os.write(terminal, pending.pop(0).encode() + b"\n")
    finally:
        os.close(terminal)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_create_admin_asks_for_the_password_twice_in_a_terminal(tmp_path: Path) -> None:
    settings = write_settings(tmp_path)
    status, shown = _typed_in_a_terminal(settings, "boss", [PASSWORD, PASSWORD + "x"])
    assert status == 2 and "the two passwords differ" in shown
    assert not (tmp_path / "complaints.db").exists()
    status, shown = _typed_in_a_terminal(settings, "boss", [PASSWORD, PASSWORD])
    assert status == 0 and "admin boss created" in shown
    assert PASSWORD not in shown  # not echoed


async def test_an_admin_cannot_demote_or_disable_themselves(desk: Desk) -> None:
    admin = await desk.account("Root", role="admin", departments=())
    me = (await admin.get("/api/me")).json()
    for change in ({"role": "agent", "departments": ["billing"]}, {"active": False}):
        refused = await admin.patch(f"/api/accounts/{me['id']}", json=change)
        assert refused.status_code == 422 and "yourself" in refused.text
    assert (await admin.get("/api/me")).json() == me
