"""./run-bot, ./run-tests and scripts/ensure-venv: what they install, when, and what they say.

The scripts run for real in a copy of the checkout whose `.venv/bin/python` records the commands
it is given instead of installing (a real installation takes a minute and the network); the
stamp logic, the choice of extras and the messages are the scripts' own.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../calls"
pwd > "$(dirname "$0")/../cwd"
if [ -e "$(dirname "$0")/../fail" ]; then echo "pip: no matching distribution: boom"; exit 1; fi
echo "Looking in links: /somewhere; setuptools chatter"
"""

PYENV_SHIM = """#!/bin/sh
echo "pyenv: $(basename "$0"): command not found" >&2
exit 127
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for name in ("run-bot", "run-tests", "scripts/ensure-venv", "pyproject.toml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    python = tmp_path / ".venv/bin/python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    shims = tmp_path / "shims"
    shims.mkdir()
    for version in ("python3.13", "python3.12"):
        (shims / version).write_text(PYENV_SHIM)
        (shims / version).chmod(0o755)
    return tmp_path


def run(checkout: Path, *command: str, cwd: Path | None = None) -> tuple[int, str, list[str]]:
    """Exit status, stderr, and the commands the venv's python was given (paths in the
    checkout written relative to it), run from `cwd` (default: the checkout)."""
    calls = checkout / ".venv/calls"
    calls.unlink(missing_ok=True)
    path = f"{checkout / 'shims'}:/usr/local/bin:/usr/bin:/bin"
    done = subprocess.run(  # noqa: S603 (our own scripts)
        [str(checkout / command[0]), *command[1:]],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": path, "HOME": str(checkout)},
        cwd=cwd or checkout,
        check=False,
    )
    made = calls.read_text().replace(f"{checkout}/", "").splitlines() if calls.exists() else []
    return done.returncode, done.stderr, made


def installs(calls: list[str]) -> list[str]:
    return [call.removeprefix("-m pip install ") for call in calls if "pip install -e" in call]


def test_run_bot_installs_only_what_running_needs_then_the_tests_add_their_tools(
    checkout: Path,
) -> None:
    status, said, calls = run(checkout, "run-bot", "--version")
    assert status == 0
    assert said == (
        "complaint bot: installing what the bot needs to run into .venv "
        "(about a minute the first time)\n"
    )  # no pyenv complaints, no pip or setuptools chatter
    assert installs(calls) == ["-e ."]
    assert calls[-1] == "bot.py --version"

    assert run(checkout, "run-bot")[1:] == ("", ["bot.py"])  # installed: nothing to do

    status, said, calls = run(checkout, "run-tests", "-q")
    assert "installing the bot and its test tools" in said
    assert installs(calls) == ["-e .[test]"]
    assert calls[-1] == "-m pytest -n auto --dist loadfile -q"  # one worker per core

    # a test installation also serves running; both are done, nothing more is installed
    assert run(checkout, "run-bot")[1:] == ("", ["bot.py"])
    assert run(checkout, "scripts/ensure-venv")[1:] == ("", [])


def test_run_bot_runs_the_bot_in_the_caller_s_folder_so_a_relative_config_is_theirs(
    checkout: Path,
) -> None:
    elsewhere = checkout / "elsewhere"
    elsewhere.mkdir()
    status, _, calls = run(
        checkout, "run-bot", "check-config", "--config", "pw.toml", cwd=elsewhere
    )
    assert status == 0
    assert calls[-1] == "bot.py check-config --config pw.toml"
    assert (checkout / ".venv/cwd").read_text().strip() == str(elsewhere)


def test_a_changed_pyproject_installs_again(checkout: Path) -> None:
    run(checkout, "scripts/ensure-venv")
    with (checkout / "pyproject.toml").open("a") as project:
        project.write("\n# a new dependency\n")
    assert installs(run(checkout, "scripts/ensure-venv", "--run")[2]) == ["-e ."]
    assert installs(run(checkout, "scripts/ensure-venv")[2]) == ["-e .[test]"]


def test_a_failed_installation_shows_pip_s_own_words_and_is_tried_again(checkout: Path) -> None:
    (checkout / ".venv/fail").touch()
    status, said, _ = run(checkout, "run-bot")
    assert status == 1
    assert "complaint bot: the installation failed; the end of .venv/install.log:" in said
    assert "no matching distribution: boom" in said
    (checkout / ".venv/fail").unlink()
    status, _, calls = run(checkout, "run-bot")
    assert status == 0 and installs(calls) == ["-e ."]


def test_an_unknown_option_is_refused(checkout: Path) -> None:
    status, said, calls = run(checkout, "scripts/ensure-venv", "--tests")
    assert (status, said, calls) == (2, "usage: scripts/ensure-venv [--run]\n", [])
