"""deploy/: the systemd unit (checked by systemd-analyze, and its command line run as systemd
would run it), the settings install.sh makes, and the nginx example serving the real bot over
TLS."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from complaints.numbers import numbers_in
from config import load_settings
from tests.channels.test_webhook import complaint
from tests.conftest import ROOT, signed, write_settings
from tests.system_packages import PackageUnavailable, ensure_program, run, skip_or_fail

DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "complaint-bot.service"
PREFIX = "/opt/complaint-bot"
BASH = shutil.which("bash") or "/bin/bash"
GRACEFUL_STOP_SECONDS = 30
"""cli.py gives uvicorn this long to finish in-flight requests after SIGTERM."""


def unit_entries(text: str) -> dict[str, list[str]]:
    """`Section.Key` → its values in order (systemd allows a key several times)."""
    entries: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.setdefault(f"{section}.{key}", []).append(value)
    return entries


def verify(
    unit_text: str, tmp_path: Path, *, interpreter: bool = True
) -> subprocess.CompletedProcess[str]:
    """systemd-analyze verify on the unit as installed under tmp_path/opt instead of
    /opt/complaint-bot: that the interpreter ExecStart names exists is part of the check."""
    executable = shutil.which("systemd-analyze")
    if executable is None:
        pytest.skip("systemd-analyze is not installed (Debian: the systemd package)")
    prefix = tmp_path / "opt"
    python = prefix / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.unlink(missing_ok=True)
    if interpreter:
        python.symlink_to(sys.executable)
    unit = tmp_path / "units" / "complaint-bot.service"
    unit.parent.mkdir(exist_ok=True)
    unit.write_text(unit_text.replace(PREFIX, str(prefix)), encoding="utf-8")
    return subprocess.run(  # noqa: S603
        [executable, "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_unit_passes_systemd_analyze_verify_without_a_warning(tmp_path: Path) -> None:
    text = UNIT.read_text(encoding="utf-8")
    checked = verify(text, tmp_path)
    assert (checked.returncode, checked.stderr, checked.stdout) == (0, "", "")

    # The check bites: a misspelt key and a missing interpreter are both reported.
    typo = verify(text.replace("ProtectHome=", "ProtectHomes="), tmp_path)
    assert "Unknown key 'ProtectHomes'" in typo.stderr
    missing = verify(text, tmp_path, interpreter=False)
    assert missing.returncode != 0 and "is not executable" in missing.stderr


def test_the_unit_runs_as_its_own_user_writing_only_its_state_directory() -> None:
    unit = unit_entries(UNIT.read_text(encoding="utf-8"))
    state = f"/var/lib/{unit['Service.StateDirectory'][0]}"
    assert unit["Service.User"] == unit["Service.Group"] == ["complaint-bot"]
    assert unit["Service.WorkingDirectory"] == unit["Service.ReadWritePaths"] == [state]
    assert state == "/var/lib/complaint-bot"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "Restart": "on-failure",
        "KillSignal": "SIGTERM",
        "KillMode": "mixed",  # the bot ends a triage fit's child itself
        "StandardOutput": "journal",
    }.items():
        assert unit[f"Service.{key}"] == [value], key
    assert int(unit["Service.TimeoutStopSec"][0].removesuffix("s")) > GRACEFUL_STOP_SECONDS
    assert "COMPLAINT_BOT_CONFIG=/etc/complaint-bot/settings.toml" in unit["Service.Environment"]
    assert "--config ${COMPLAINT_BOT_CONFIG} run" in unit["Service.ExecStart"][0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_units_command_serves_and_stops_within_its_stop_timeout(tmp_path: Path) -> None:
    """ExecStart and Environment as systemd expands them, with this checkout for
    /opt/complaint-bot and a test settings file for /etc/complaint-bot/settings.toml."""
    unit = unit_entries(UNIT.read_text(encoding="utf-8"))
    port = free_port()
    settings = write_settings(
        tmp_path, {"http": {"port": port}, "email": {"smtp_server": {"port": free_port()}}}
    )
    environment = dict(value.split("=", 1) for value in unit["Service.Environment"])
    assert environment["COMPLAINT_BOT_CONFIG"] == "/etc/complaint-bot/settings.toml"
    environment["COMPLAINT_BOT_CONFIG"] = str(settings)
    argv = [
        re.sub(r"\$\{(\w+)\}", lambda name: environment[name.group(1)], word)
        .replace(f"{PREFIX}/.venv/bin/python", sys.executable)
        .replace(PREFIX, str(ROOT))
        for word in shlex.split(unit["Service.ExecStart"][0])
    ]
    working = tmp_path / "state"
    working.mkdir()
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=working,
        env={**os.environ, **environment},
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )
    assert process.stderr is not None
    try:
        async with asyncio.timeout(120):
            while b"Application startup complete" not in await process.stderr.readline():
                assert process.returncode is None
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert (await client.get("/ready")).json() == {"status": "ready"}
        process.send_signal(signal.SIGTERM)
        stop_timeout = int(unit["Service.TimeoutStopSec"][0].removesuffix("s"))
        async with asyncio.timeout(stop_timeout):
            rest = await process.stderr.read()
            assert await process.wait() == 0
        assert b"complaint bot stopped" in rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def service_settings(source: Path) -> subprocess.CompletedProcess[str]:
    """install.sh's settings step alone (the script runs `main` only when executed)."""
    return subprocess.run(  # noqa: S603
        [BASH, "-c", 'source "$1" && service_settings "$2"', "-", DEPLOY / "install.sh", source],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_install_makes_settings_for_the_service_from_the_shipped_ones(tmp_path: Path) -> None:
    made = service_settings(ROOT / "settings.toml")
    assert made.returncode == 0, made.stderr
    path = tmp_path / "settings.toml"
    path.write_text(made.stdout, encoding="utf-8")
    settings = load_settings(path)
    state = unit_entries(UNIT.read_text(encoding="utf-8"))["Service.ReadWritePaths"][0]
    assert settings.store_url == f"sqlite:///{state}/complaints.db"
    assert settings.templates_dir is None  # the templates shipped in the package
    assert settings.console.secure_cookies is True
    shipped = (ROOT / "settings.toml").read_text(encoding="utf-8").splitlines()
    changed = [
        new for old, new in zip(shipped, made.stdout.splitlines(), strict=True) if old != new
    ]
    assert len(changed) == 2

    edited = tmp_path / "edited.toml"
    edited.write_text(
        (ROOT / "settings.toml").read_text(encoding="utf-8").replace("secure_cookies = false", ""),
        encoding="utf-8",
    )
    refused = service_settings(edited)
    assert refused.returncode == 1 and refused.stdout == ""
    assert (
        "has no line matching ^secure_cookies = false: edit the settings by hand" in refused.stderr
    )


# ---- nginx -------------------------------------------------------------------------------------


def test_nginx_takes_bodies_exactly_as_large_as_the_webhook_does() -> None:
    site = (DEPLOY / "nginx-complaint-bot.conf").read_text(encoding="utf-8")
    size = re.search(r"^\s*client_max_body_size (\d+)([km]?);", site, re.MULTILINE)
    assert size is not None
    factor = {"": 1, "k": 1024, "m": 1024 * 1024}[size.group(2)]
    shipped = load_settings(ROOT / "settings.toml").webhook_max_body_bytes
    assert int(size.group(1)) * factor == shipped


def nginx_config(tmp_path: Path, bot_port: int, https: int, http: int) -> tuple[Path, Any]:
    """The example inside a minimal nginx.conf: only ports, addresses, certificate paths and
    the places nginx writes are changed; each change must apply exactly once."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    site = (DEPLOY / "nginx-complaint-bot.conf").read_text(encoding="utf-8")
    for old, new in (
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{bot_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/letsencrypt/live/complaints.example.com/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/complaints.example.com/privkey.pem", str(key)),
    ):
        assert site.count(old) == 1, old
        site = site.replace(old, new)
    temp = "\n".join(
        f"{kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    temp += f"\nuwsgi_temp_path {tmp_path / 'uwsgi'};\nscgi_temp_path {tmp_path / 'scgi'};"
    user = "user root;" if os.geteuid() == 0 else ""  # workers write the temporary files
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"{user}\nworker_processes 1;\npid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'};\nevents {{ worker_connections 64; }}\n"
        f"http {{\naccess_log off;\n{temp}\n{site}\n}}\n",
        encoding="utf-8",
    )
    return conf, authority


NGINX_PACKAGE = "nginx"
"""On Debian 12 the `nginx` package itself holds /usr/sbin/nginx, built with what the example
needs (ssl, http_v2, proxy, upstream keepalive) and no dynamic modules; `nginx-light` depends
on it and only adds the echo module. On older releases `nginx` is a metapackage that apt
resolves to one holding the binary, so the name works there too."""


def _stop_system_nginx(executable: str) -> None:
    """Stop the system nginx that the package's post-install script starts on port 80.

    The script starts it with `invoke-rc.d nginx start` (unless port 80 is taken already); this
    sends it `nginx -s quit` through the default config's pid file, which ends it whether
    systemd or the init script started it, and just fails when none runs. The tests' own nginx
    has its own config, pid file and ports, so the system one never meets it.

    Stopping it afterwards, as Dovecot's install does, rather than installing under a
    /usr/sbin/policy-rc.d that forbids starting services: that file is one for the whole
    machine and often there already (container images ship one forbidding every start, which
    this must not replace), and one written for the install would have to be removed again: a
    test session killed meanwhile would leave every later service start on the machine
    forbidden. The cost is that the system nginx may listen on port 80 for the moments between
    the post-install script and this stop; no test uses port 80. Its unit stays enabled, as the
    package leaves it, so it starts again at the next boot, on port 80 as well."""
    run([executable, "-s", "quit"], 30)


def require_nginx() -> str:
    """The path of `nginx`, installing Debian's package (once a session) when it is missing;
    skips the test when that is impossible here, or fails it under CI (`CI` set)."""
    try:
        return ensure_program("nginx", NGINX_PACKAGE, "nginx", _stop_system_nginx)
    except PackageUnavailable as exc:
        skip_or_fail(f"no nginx for the deploy/ nginx example: {exc}", "the nginx test")


@contextlib.asynccontextmanager
async def nginx(executable: str, conf: Path, port: int) -> AsyncIterator[None]:
    checked = await asyncio.create_subprocess_exec(
        executable, "-t", "-c", str(conf), stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(30):
        _, complaints = await checked.communicate()
    assert checked.returncode == 0, complaints.decode()
    process = await asyncio.create_subprocess_exec(
        executable, "-c", str(conf), "-g", "daemon off;", stderr=asyncio.subprocess.DEVNULL
    )
    try:
        # nginx tells no one it listens: try to connect, for at most 10 s
        async with asyncio.timeout(10):
            while True:
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                except ConnectionRefusedError:
                    await asyncio.sleep(0.02)
                    continue
                writer.close()
                break
        yield
    finally:
        process.terminate()
        async with asyncio.timeout(10):
            await process.wait()


async def test_the_bot_behind_the_nginx_example_takes_complaints_over_tls(
    start_bot: Callable[..., Awaitable[Any]], tmp_path: Path
) -> None:
    executable = require_nginx()
    bot = await start_bot()
    https, http = free_port(), free_port()
    conf, authority = nginx_config(tmp_path, bot.served.port, https, http)
    context = ssl.create_default_context()
    authority.configure_trust(context)
    async with (
        nginx(executable, conf, https),
        httpx.AsyncClient(base_url=f"https://127.0.0.1:{https}", verify=context) as client,
    ):
        raw, headers = signed(complaint("tls-1", "Me cobraron dos veces la factura."))
        taken = await client.post("/webhook/shop", content=raw, headers=headers)
        assert taken.status_code == 202, taken.text
        number = taken.json()["complaint"]
        assert numbers_in(number) == [number]  # a complaint number: the bot took it
        assert (await client.get("/ready")).json() == {"status": "ready"}

        limit = bot.app.state.services.settings.webhook_max_body_bytes
        too_large = await client.post("/webhook/shop", content=b"x" * (limit + 1))
        assert too_large.status_code == 413 and "nginx" in too_large.text

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http}") as insecure:
            moved = await insecure.get("/console/login")
        assert moved.status_code == 301
        assert moved.headers["location"].startswith("https://")
