"""Debian packages the tests run for real (Dovecot, nginx): found, or installed with apt-get.

The project rule is that the tests install what they need: when a program is missing, this is
root and apt-get exists, `ensure_program` installs its package with
`apt-get install -y --no-install-recommends` (after `apt-get update` when that first attempt
fails, as it does with missing or stale package lists). Each package is tried at most once per
test session: a failed install is remembered, so the tests that need it are skipped (or failed
under CI) at once with the same reason instead of each waiting for apt-get again. The test
processes (pytest-xdist's workers) install one at a time (`apt_lock`): apt-get refuses at once
while another apt-get holds dpkg's lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
"""Servers live in /usr/sbin, which a non-root PATH often lacks."""
INSTALL_TIMEOUT = 600
"""Seconds `apt-get install` may take (downloading and unpacking a package and its needs)."""
UPDATE_TIMEOUT = 300
"""Seconds `apt-get update` may take."""


APT_LOCK = Path(tempfile.gettempdir()) / "complaint-bot-tests-apt.lock"
"""Held by the test process that runs apt-get; the others wait for it (its apt-get is bounded
by `INSTALL_TIMEOUT` and `UPDATE_TIMEOUT`, so the wait is too), then find the package there."""


@contextlib.contextmanager
def apt_lock() -> Iterator[None]:
    """Run apt-get in here only, one test process at a time."""
    with APT_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class PackageUnavailable(RuntimeError):
    """A program is not installed and its package could not be installed here."""


def find_program(program: str) -> str | None:
    return shutil.which(program, path=SEARCH_PATH)


def run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """`command` with its output captured, never asking a question, for at most `timeout` s."""
    return subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _apt_install(package: str) -> subprocess.CompletedProcess[str]:
    command = ["apt-get", "install", "-y", "--no-install-recommends", package]
    return run(command, INSTALL_TIMEOUT)


_failures: dict[str, str] = {}
"""Package → why installing it failed, this session."""


def ensure_program(
    program: str, package: str, name: str, after_install: Callable[[str], None]
) -> str:
    """The path of `program`, installing Debian's `package` first when it is missing.

    `name` is what the messages call the program. `after_install` gets the installed
    program's path: packages of servers start a system instance from their post-install
    script, which it stops. Raises `PackageUnavailable` with the reason when the program cannot
    be had here; a failed install is not tried again in the same session."""
    found = find_program(program)
    if found:
        return found
    if package in _failures:
        raise PackageUnavailable(_failures[package])
    with apt_lock():
        try:  # another test process may have installed it while this one waited
            found = find_program(program) or _install(program, package, name)
        except PackageUnavailable as exc:
            _failures[package] = str(exc)
            raise
    after_install(found)
    return found


def _install(program: str, package: str, name: str) -> str:
    if os.geteuid() != 0:
        raise PackageUnavailable(f"{name} is not installed and installing it needs root")
    if not shutil.which("apt-get"):
        raise PackageUnavailable(f"{name} is not installed and there is no apt-get")
    try:
        result = _apt_install(package)
        if result.returncode != 0:  # the package lists may be missing or stale
            run(["apt-get", "update"], UPDATE_TIMEOUT)
            result = _apt_install(package)
    except subprocess.TimeoutExpired as exc:
        raise PackageUnavailable(f"installing {package} timed out: {exc}") from exc
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise PackageUnavailable(f"apt-get install {package} failed: {' | '.join(tail)}")
    found = find_program(program)
    if not found:
        raise PackageUnavailable(f"{package} was installed but `{program}` is not found")
    return found


def skip_or_fail(reason: str, tests: str) -> NoReturn:
    """Skip the test for `reason`; under CI (`CI` set) fail it instead, since CI requires
    `tests` (e.g. "the IMAP tests") to run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI requires {tests} to run")
    pytest.skip(reason)
