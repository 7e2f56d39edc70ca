"""bot.py as a user runs it: a real process, started, used and stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import httpx

import bot
from config import load_settings
from tests.channels.test_webhook import complaint
from tests.conftest import ROOT, signed, write_settings
from tests.mailpeers import mail, send


async def run_bot(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def read_until(stream: asyncio.StreamReader, marker: str) -> str:
    seen = []
    async with asyncio.timeout(30):
        while line := (await stream.readline()).decode():
            seen.append(line)
            if marker in line:
                return "".join(seen)
    raise AssertionError(f"{marker!r} never appeared in:\n{''.join(seen)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_bot_serves_a_complaint_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port, smtp_port = free_port(), free_port()
    path = write_settings(
        tmp_path, {"http": {"port": port}, "email": {"smtp_server": {"port": smtp_port}}}
    )
    process = await run_bot("--config", str(path))
    assert process.stderr is not None
    startup = await read_until(process.stderr, "Application startup complete")
    assert "rule set version 1" in startup
    text = "Mi factura tiene un cargo que no reconozco, exijo la devolución."
    raw, headers = signed(complaint("proc-1", text, name="Lucía Pérez"))
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://127.0.0.1:{port}/webhook/shop", content=raw, headers=headers
        )
    assert response.status_code == 202
    await send(
        smtp_port,
        mail(
            "La tostadora quemó el pan y salió humo.",
            sender="lucia@example.org",
            name="Lucía Pérez",
        ),
        sender="lucia@example.org",
    )
    process.send_signal(signal.SIGTERM)
    rest = (await process.stderr.read()).decode()
    assert await process.wait() == 0
    assert "complaint bot stopped" in rest
    log = startup + rest
    assert f"new {response.json()['complaint']} via webhook" in log
    assert "via email" in log
    for personal in (text, "Lucía", "lucia@example.org", "tostadora"):
        assert personal not in log  # personal data stays out of the log


async def test_a_bad_rule_stops_start_up_with_file_line_and_reason(tmp_path: Path) -> None:
    path = write_settings(tmp_path)
    with path.open("a", encoding="utf-8") as settings:
        settings.write('\n[[rules]]\nname = "broken"\npattern = "(unclosed"\ngrade = "urgent"\n')
    line = len(path.read_text(encoding="utf-8").splitlines()) - 3
    process = await run_bot("--config", str(path))
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert f"{path}:{line}: rule 'broken': bad regular expression" in stderr.decode()


async def test_a_missing_settings_file_is_reported(tmp_path: Path) -> None:
    process = await run_bot("--config", str(tmp_path / "absent.toml"))
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "cannot read the settings file" in stderr.decode()


async def test_an_unreachable_database_is_reported_at_start(tmp_path: Path) -> None:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/none"
    path = write_settings(tmp_path, {"store": {"url": url}})
    process = await run_bot("--config", str(path))
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "cannot open the store" in stderr.decode()


async def test_dead_letters_are_listed_and_reprocessed_from_the_command_line(
    tmp_path: Path,
) -> None:
    path = write_settings(tmp_path)
    app = bot.build_app(load_settings(path))
    letter = await app.state.services.dead_letters.keep(
        "email", b"not mail at all", "cannot be parsed"
    )
    app.state.services.database.close()

    listing = await run_bot("--config", str(path), "dead-letters")
    out, _ = await listing.communicate()
    assert listing.returncode == 0
    assert f"{letter}\tkept\temail" in out.decode() and "cannot be parsed" in out.decode()

    retry = await run_bot("--config", str(path), "dead-letters", "--reprocess", str(letter))
    out, _ = await retry.communicate()
    assert retry.returncode == 1
    assert f"{letter}\tfailed\tMalformedMail" in out.decode()
