"""bot.py as a user runs it: a real process, started, used and stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import signal
import socket
import sys
import tomllib
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

import bot
from channels.email.smtp_server import serve_smtp
from complaints.errors import ChannelError
from config import load_settings
from router import model
from tests.channels.test_webhook import complaint
from tests.conftest import ROOT, serve, signed, write_settings
from tests.mailpeers import mail, send


async def run_bot(
    *args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None
) -> asyncio.subprocess.Process:
    """bot.py as a user runs it; `env` is added to this process's environment, without any
    COMPLAINT_BOT_CONFIG set outside the tests."""
    environment = {k: v for k, v in os.environ.items() if k != "COMPLAINT_BOT_CONFIG"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        *args,
        cwd=cwd,
        env={**environment, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of a command that ends by itself (bounded)."""
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


STARTING = 120
"""Seconds a start may take: on a fresh store the bot fits the triage model first."""


async def read_until(stream: asyncio.StreamReader, marker: str, within: float = STARTING) -> str:
    seen = []
    async with asyncio.timeout(within):
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
    async with asyncio.timeout(STARTING):
        _, err = await process.communicate()  # both pipes to their end: none is left open
    rest = err.decode()
    assert process.returncode == 0
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


async def test_an_unreachable_database_is_reported_at_start_without_its_password(
    tmp_path: Path,
) -> None:
    """Under systemd every restart writes this line to the journal: the user and host help,
    the password must not be there, in the URL or in the driver's message."""
    port = free_port()
    url = f"postgresql://zyxuser:DBPASS-s3cret@127.0.0.1:{port}/none"
    path = write_settings(tmp_path, {"store": {"url": url}})
    process = await run_bot("--config", str(path))
    _, stderr = await process.communicate()
    said = stderr.decode()
    assert process.returncode == 2
    assert f"cannot open the store postgresql://zyxuser:***@127.0.0.1:{port}/none: " in said
    assert "DBPASS" not in said
    assert len(said.strip().splitlines()) == 1, said


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
    assert f"{letter}\tfailed\tcannot be parsed: " in out.decode()


def names_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("section", ["http", "email.smtp_server"])
async def test_a_port_in_use_stops_start_up_in_one_line_naming_the_key(
    tmp_path: Path, held_port: int, section: str
) -> None:
    ports = {"http": {"port": free_port()}, "email": {"smtp_server": {"port": free_port()}}}
    if section == "http":
        ports["http"]["port"] = held_port
    else:
        ports["email"]["smtp_server"]["port"] = held_port
    path = write_settings(tmp_path, ports)
    status, _, stderr = await finish(await run_bot("--config", str(path)))
    assert status == 2
    assert stderr.splitlines() == [
        f"complaint bot: 127.0.0.1:{held_port} is already in use; change [{section}] port in {path}"
    ]
    assert not (tmp_path / "complaints.db").exists()  # the store was not even opened


async def test_the_settings_path_comes_from_the_option_the_environment_or_the_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "etc").mkdir()
    path = write_settings(tmp_path / "etc")
    here = tmp_path / "here"
    here.mkdir()
    shutil.copy(path, here / "settings.toml")
    from_environment = await run_bot("check-config", env={"COMPLAINT_BOT_CONFIG": str(path)})
    option_wins = await run_bot(
        "--config", str(path), "check-config", env={"COMPLAINT_BOT_CONFIG": str(tmp_path / "no")}
    )
    from_the_folder = await run_bot("check-config", cwd=here)
    after_the_command = await run_bot("check-config", "--config", str(path), cwd=here)
    for process, shown in [
        (from_environment, str(path)),
        (option_wins, str(path)),
        (from_the_folder, "settings.toml"),
        (after_the_command, str(path)),
    ]:
        status, out, err = await finish(process)
        assert (status, out.splitlines()[0]) == (0, f"{shown}: valid"), err


async def test_check_config_summarises_without_opening_the_store_or_a_port(
    tmp_path: Path, held_port: int
) -> None:
    (tmp_path / "texts/acknowledgement").mkdir(parents=True)
    (tmp_path / "texts/acknowledgement/es.txt").write_text("Hola {{ customer_name }}")
    url = "postgresql://bot:s3cret-password@db.example.com:5432/complaints"
    path = write_settings(
        tmp_path,
        {
            "http": {"port": held_port},
            "store": {"url": url},
            "templates": {"dir": "texts"},
            "email": {"smtp_server": {"port": held_port}},
        },
    )
    status, out, err = await finish(await run_bot("--config", str(path), "check-config"))
    assert status == 0, err
    assert out.splitlines() == [
        f"{path}: valid",
        "store: postgresql://bot:***@db.example.com:5432/complaints",
        f"http: 127.0.0.1:{held_port}",
        "webhook sources: shop, crm",
        f"email: SMTP intake on 127.0.0.1:{held_port}, relay 127.0.0.1:1",
        "telegram: off",
        "rules in the file: 26 rules, 14 categories, 8 departments",
        f"templates: shipped, 1 replaced from {tmp_path / 'texts'}",
    ]
    assert "s3cret" not in out + err
    assert names_in(tmp_path) == ["settings.toml", "texts"]  # no store was created


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"http": {"prot": 1}}, "[http] prot: unknown key; did you mean port?"),
        ({"templates": {"dir": "absent"}}, "[templates] dir: "),
        ({"templates": {"dir": "."}}, "settings.toml.txt: not a reply template the bot uses"),
    ],
)
async def test_check_config_reports_a_problem_in_one_line(
    tmp_path: Path, overrides: dict[str, object], problem: str
) -> None:
    path = write_settings(tmp_path, overrides)
    (tmp_path / "acknowledgement").mkdir()
    (tmp_path / "acknowledgement/settings.toml.txt").write_text("never used")
    status, out, err = await finish(await run_bot("--config", str(path), "check-config"))
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("complaint bot: ")
    assert problem in err


async def test_check_config_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`check-config | head -1`: the reader goes away before the summary is written; the
    command ends as Unix tools do, without a traceback, with the check's own status."""
    path = write_settings(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone: every write now fails with EPIPE
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "--config",
            str(path),
            "check-config",
            stdout=write_end,
            stderr=asyncio.subprocess.PIPE,
        )
    finally:
        os.close(write_end)
    async with asyncio.timeout(60):
        _, err = await process.communicate()
    assert (process.returncode, err.decode()) == (0, "")


async def test_version_is_the_project_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    status, out, _ = await finish(await run_bot("--version"))
    assert (status, out) == (0, f"complaint-bot {project['version']}\n")


async def test_the_smtp_intake_names_the_key_when_its_port_is_taken_after_the_check(
    tmp_path: Path, held_port: int
) -> None:
    settings = load_settings(
        write_settings(tmp_path, {"email": {"smtp_server": {"port": held_port}}})
    )

    async def receive(raw: bytes) -> str:
        raise AssertionError("nothing arrives")

    with pytest.raises(ChannelError, match=rf"^127.0.0.1:{held_port} is already in use; change "):
        await serve_smtp(settings.email, receive)


async def test_a_serving_bot_keeps_its_start_up_heap_out_of_the_cyclic_collector(
    tmp_path: Path,
) -> None:
    """The serving command freezes the heap once ready (gc pauses were the webhook's p99) and
    keeps one triage training; an app built without asking for it, as tests build hundreds,
    leaves the collector and the trainings alone."""
    run_frozen = gc.get_freeze_count() > 0  # the test run's own freeze (tests/conftest.py)
    for freeze in (False, True):
        folder = tmp_path / str(freeze)
        folder.mkdir()
        settings = load_settings(write_settings(folder))
        frozen_before = gc.get_freeze_count()
        app = bot.build_app(settings, serving=freeze)
        served = await serve(app)
        try:
            async with asyncio.timeout(30):
                await app.state.ready.wait()
            assert (gc.get_freeze_count() > frozen_before) is freeze
            assert model._kept == (1 if freeze else model._CACHED)  # one training kept, serving
        finally:
            if freeze:
                gc.unfreeze()
            model.keep_trained(model._CACHED)
            await served.stop()
    if run_frozen:  # thawed with the bot's: frozen again, as the run's later tests expect
        gc.collect()
        gc.freeze()


async def test_a_stopped_bot_is_freed_with_all_it_built(tmp_path: Path) -> None:
    """A process that builds many apps (the test suite, hundreds) frees each once it stopped.
    FastAPI keeps what it learns of each endpoint in module-level caches of 4,096 entries,
    keyed by the callable itself: an endpoint bound to a channel or closed over the app kept
    that whole bot there (its 21,401 triage rows among ~28,000 objects), so every full
    collection of the suite's process grew, to over 10 s on loaded cores, and a request that
    met one timed out with nothing in the log (tests/web/test_staff_races.py in CI)."""
    app = bot.build_app(load_settings(write_settings(tmp_path)), sweep_in_background=False)
    served = await serve(app)
    async with asyncio.timeout(30):
        await app.state.ready.wait()
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        for path in ("/health", "/ready", "/docs"):
            assert (await client.get(path)).status_code == 200, path
        raw, headers = signed(complaint("freed-1", "My kettle smokes."))
        posted = await client.post("/webhook/shop", content=raw, headers=headers)
        assert posted.status_code == 202, posted.text
    await served.stop()
    freed = weakref.ref(app)
    del app, served
    gc.collect()
    assert freed() is None, [type(holder).__name__ for holder in gc.get_referrers(freed())]
