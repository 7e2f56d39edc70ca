"""README.md stays true: its runnable shell examples run against a live bot, and its settings
table names every key of settings.toml.

A ```sh block preceded by `<!-- readme-test: ... -->` is runnable (the comment is invisible on
GitHub). The comment says what the block's documented outcome is: `status 202 200` are the HTTP
statuses its curl calls answer, in order; `output "text"` are texts its output shows. The
blocks run in their order in one bash session (variables carry over, as for a reader pasting
them), from a scratch folder, against a bot started from a copy of settings.toml on free ports;
only the host and ports, the year in complaint numbers and the path of the venv's python are
put in, and the `shop` source gets a callback URL (the README says replies to webhook
customers need one).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import signal
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from tests.conftest import ROOT
from tests.test_bot import free_port, read_until, run_bot

README = (ROOT / "README.md").read_text(encoding="utf-8")
RUNNABLE = re.compile(r"<!-- readme-test:(.*?)-->\n```(?:sh|bash)\n(.*?)```", re.S)
STATUS = re.compile(r"@@status (\d{3})@@")
GRADES = ["grades.urgent", "grades.important", "grades.general"]
CURL = """curl() { command curl -w '%{stderr}@@status %{http_code}@@\\n' "$@"; }\n"""


@dataclass
class Example:
    script: str
    statuses: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def examples() -> list[Example]:
    found = []
    for expectation, script in RUNNABLE.findall(README):
        words = shlex.split(expectation)
        example, kind = Example(script), ""
        for word in words:
            if word in ("status", "output"):
                kind = word
            elif kind == "status":
                example.statuses.append(word)
            else:
                example.outputs.append(word)
        found.append(example)
    return found


def settings_copy(folder: Path, http: int, smtp: int) -> Path:
    data = tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8"))
    data["store"]["url"] = f"sqlite:///{folder / 'complaints.db'}"
    data["http"]["port"] = http
    data["email"]["smtp_server"]["port"] = smtp
    data["email"]["relay"]["port"] = free_port()  # nothing listens: mail waits in the outbox
    path = folder / "settings.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


def localised(script: str, http: int, smtp: int) -> str:
    year = datetime.now(UTC).year
    script = (
        script.replace("127.0.0.1:8080", f"127.0.0.1:{http}")
        .replace('"127.0.0.1", 2525', f'"127.0.0.1", {smtp}')
        .replace("C-2026-", f"C-{year}-")
    )
    python = {"": sys.executable, " bot.py": f"{sys.executable} {ROOT / 'bot.py'}"}
    return re.sub(r"\.venv/bin/python( bot\.py)?", lambda found: python[found[1] or ""], script)


async def test_the_runnable_shell_examples_do_what_the_readme_says(tmp_path: Path) -> None:
    runnable = examples()
    assert len(runnable) >= 4  # the markers are found
    http, smtp = free_port(), free_port()
    path = settings_copy(tmp_path, http, smtp)
    bot = await run_bot("--config", str(path))
    assert bot.stderr is not None
    try:
        await read_until(bot.stderr, "Application startup complete")
        script = CURL + "".join(
            f"echo '@@block {number}@@'; echo '@@block {number}@@' >&2\n"
            + localised(example.script, http, smtp)
            for number, example in enumerate(runnable)
        )
        shell = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            script,
            cwd=tmp_path,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "COMPLAINT_BOT_CONFIG": str(path)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            out, err = await shell.communicate()
    finally:
        bot.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await bot.communicate()
    outputs = re.split(r"@@block \d+@@\n", out.decode())[1:]
    errors = re.split(r"@@block \d+@@\n", err.decode())[1:]
    assert len(outputs) == len(errors) == len(runnable), err.decode()
    for example, output, error in zip(runnable, outputs, errors, strict=True):
        said = f"{example.script}\n--- output:\n{output[:3000]}\n--- errors:\n{error[:3000]}"
        assert STATUS.findall(error) == example.statuses, said
        for text in example.outputs:
            assert text in output.replace(", ", ","), said


def test_every_key_of_settings_toml_is_in_the_readme_table() -> None:
    documented = set(table_keys())
    missing = [key for key in settings_keys() if key not in documented]
    assert not missing, f"add these to README's settings table: {missing}"


def test_the_settings_table_is_one_table() -> None:
    """Markdown ends a table at a blank line: rows after one are shown as a paragraph."""
    table = README.split("## Configuration: settings.toml")[1].split("\n## ")[0]
    rows = table[table.index("\n| key |") :].split("\n\n")[0]
    assert rows.count("\n| `") == table.count("\n| `")


def table_keys() -> Iterator[tuple[str, str]]:
    """(section, key) of each row of "Configuration: settings.toml", e.g. `[http] host`, `port`;
    `[grades.urgent\\|important\\|general]` and `[grades.…]` stand for each grade."""
    table = README.split("## Configuration: settings.toml")[1].split("\n## ")[0]
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        cell = re.split(r"(?<!\\)\|", row)[1]
        found = re.match(r"\s*`\[\[?([^\]]+)\]\]?\s*([^`]*)`(.*)", cell)
        assert found is not None, f"a row of the settings table names no key: {row}"
        section, first, more = found.groups()
        sections = GRADES if section.startswith("grades.") else [section]
        for name in [first.strip(), *re.findall(r"`([^`]+)`", more)]:
            for where in sections:
                yield where, name


def settings_keys() -> Iterator[tuple[str, str]]:
    """(section, key) of every value in settings.toml; the names an operator chooses
    (`[webhook.sources.shop]`, `[departments.billing]`) as the table writes them."""
    data = tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8"))
    yield from _walk(data, ())


PER_LANGUAGE = {"en", "es", "zh-Hans", "zh-Hant"}
"""The keys of a value given per language (`company_name = { en = ..., es = ... }`)."""


def _walk(table: dict[str, Any], where: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    generic = {("webhook", "sources"): "NAME", ("departments",): "KEY", ("categories",): "KEY"}
    for name, value in table.items():
        if isinstance(value, dict) and value and set(value) <= PER_LANGUAGE:
            yield ".".join(where), name  # one value, given in each language
        elif where in generic and isinstance(value, dict):
            yield from _walk(value, (*where, generic[where]))
        elif isinstance(value, dict) and "KEY" not in where:
            yield from _walk(value, (*where, name))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            yield name, ""  # [[rules]]: described in "Routing rules"
        else:
            yield ".".join(where), name
