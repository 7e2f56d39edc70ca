"""The package arrows of design.md, checked on every production module's imports.

Reading imports with `ast` (not importing anything) catches every import statement, including
those inside functions and `if TYPE_CHECKING:` blocks, which a cycle would otherwise hide. Three
rules: an import between our packages follows an arrow of design.md's "Packages" table; SQL
libraries are imported only in `store/` (`from sqlmodel import Session`, for annotations, is
allowed everywhere); transport libraries are imported only in `channels/`. Modules also stay
within `MAX_LINES`.

The checker is tested on small fake trees first, so a clean result on the real tree means
something.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "complaints",
    "channels",
    "router",
    "intake",
    "scheduler",
    "outbox",
    "staff",
    "admin",
    "store",
    "web",
    "config",
    "observe",
)
TOP_MODULES = ("bot", "cli")
OURS = frozenset(PACKAGES + TOP_MODULES)
SERVICES = frozenset({"intake", "scheduler", "outbox", "staff", "admin"})

EVERYWHERE = frozenset({"observe"})
"""Logging and metrics: every package may report what it does."""

ALLOWED: dict[str, frozenset[str]] = {
    "complaints": frozenset(),
    "channels": frozenset({"complaints"}),
    "router": frozenset({"complaints"}),
    "intake": frozenset(
        {
            "complaints",
            "router",
            "store",
            "outbox",
            "scheduler.due",
            "scheduler.settings",
            "channels.base",
        }
    ),
    "scheduler": frozenset({"complaints", "router", "store", "outbox"}),
    # The outbox names departments and categories in the customer's language and finds a
    # department's supervisor: it reads the rule set, which the pure router owns.
    "outbox": frozenset({"complaints", "router", "store", "channels.base"}),
    "staff": frozenset({"complaints", "router", "store", "outbox", "scheduler.due"}),
    "admin": frozenset({"complaints", "router", "store", "outbox"}),
    "store": frozenset({"complaints"}),
    "web": SERVICES | {"complaints", "router", "store", "config"},
    "config": frozenset({"complaints", "router"}),
    "observe": frozenset(),
    "bot": OURS,
    "cli": OURS,
}
"""design.md's "Packages" table: what each package may import of ours, as packages or single
modules (`scheduler.due` admits that module only). Every package may import its own modules."""

SETTINGS_READERS = frozenset({"config"})
"""May import every package's settings model (`<pkg>.settings`, `channels.email.settings`)."""

SQL_LIBRARIES = frozenset({"sqlalchemy", "sqlmodel", "alembic"})
SQL_HOME = "store"
TRANSPORT_LIBRARIES = frozenset(
    {"aiosmtpd", "aiosmtplib", "imapclient", "telegram", "smtplib", "imaplib", "httpx"}
)
TRANSPORT_HOME = "channels"
MAX_LINES = 400


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.detail}"


@dataclass(frozen=True)
class Import:
    """One import statement, made absolute: `names` is empty for `import module`."""

    line: int
    module: str
    names: tuple[str, ...] = ()


def production_files(root: Path) -> list[Path]:
    """Every production module under `root`: the packages' `.py` files (config/ included) and
    bot.py."""
    files = [path for package in PACKAGES for path in sorted((root / package).rglob("*.py"))]
    return files + [root / f"{name}.py" for name in TOP_MODULES if (root / f"{name}.py").exists()]


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> Iterator[Import]:
    """Every import in the module `name` at `path`, wherever it stands, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package[: max(len(package) - node.level + 1, 0)]
                module = ".".join([*base, module] if module else base)
            yield Import(node.lineno, module, tuple(alias.name for alias in node.names))


def may_import(importer: str, target: str) -> bool:
    """Whether top-level package (or module) `importer` may import the module `target`."""
    top = target.split(".")[0]
    if top not in OURS or top == importer or top in EVERYWHERE:
        return True
    if importer in SETTINGS_READERS and "settings" in target.split(".")[1:]:
        return True
    return any(
        target == allowed or target.startswith(f"{allowed}.") for allowed in ALLOWED[importer]
    )


def _arrow(importer: str, found: Import) -> str:
    """Why `found` breaks an arrow, or ""."""
    if may_import(importer, found.module):
        return ""
    # `from scheduler import due` is the module scheduler.due; `from router import route` is not
    # a module but is allowed with `router` itself.
    refused = [name for name in found.names if not may_import(importer, f"{found.module}.{name}")]
    if found.names and not refused:
        return ""
    what = f"{found.module} ({', '.join(refused)})" if refused else found.module
    allowed = sorted(ALLOWED[importer]) + (["*.settings"] if importer in SETTINGS_READERS else [])
    return f"{importer} imports {what}; it may import only {', '.join(allowed) or 'nothing'}"


def _library(importer: str, found: Import) -> tuple[str, str]:
    """(rule, detail) when `found` brings SQL or a transport where they do not belong."""
    top = found.module.split(".")[0]
    if top in SQL_LIBRARIES and importer != SQL_HOME:
        names = found.names
        if found.module == "sqlmodel":
            names = tuple(name for name in names if name != "Session")
            if found.names and not names:
                return "", ""
        what = f"{found.module} ({', '.join(names)})" if names else found.module
        return (
            "SQL outside store/",
            f"imports {what}; only `from sqlmodel import Session` is allowed",
        )
    if top in TRANSPORT_LIBRARIES and importer != TRANSPORT_HOME:
        return "transport outside channels/", f"imports {found.module}"
    return "", ""


def check_tree(root: Path) -> list[Violation]:
    """Every broken import rule in the production modules under `root`, by path and line."""
    violations = []
    for path in production_files(root):
        name = module_name(root, path)
        importer = name.split(".")[0]
        shown = path.relative_to(root).as_posix()
        for found in imports_of(path, name):
            if detail := _arrow(importer, found):
                violations.append(Violation(shown, found.line, "arrow", detail))
            rule, detail = _library(importer, found)
            if rule:
                violations.append(Violation(shown, found.line, rule, detail))
    return sorted(violations)


def long_modules(root: Path, limit: int = MAX_LINES) -> list[Violation]:
    """Production modules longer than `limit` lines."""
    violations = []
    for path in production_files(root):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            shown = path.relative_to(root).as_posix()
            violations.append(Violation(shown, lines, f"over {limit} lines", f"{lines} lines"))
    return violations


# ---- The checker, on fake trees -----------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


TYPE_CHECKING = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
ALLOWED_TREE = {
    "complaints/__init__.py": "",
    "complaints/clock.py": "import datetime\nfrom . import errors\n",
    "channels/__init__.py": "",
    "channels/base.py": "from complaints.errors import ChannelError\n",
    "channels/telegram/adapter.py": "import telegram\nfrom ..base import Inbound\nimport httpx\n",
    "channels/email/settings.py": "",
    "router/decide.py": "from complaints import clock\nfrom router.input import RoutingInput\n",
    "intake/receive.py": (
        "from typing import TYPE_CHECKING\n"
        "from scheduler import due\n"
        "from scheduler.due import on_open\n"
        "import scheduler.settings\n"
        "from channels.base import Inbound\n"
        "from sqlmodel import Session\n"
        "from . import telegram\n"
        "if TYPE_CHECKING:\n"
        "    from store.queries import Party\n"
    ),
    "staff/views.py": "def f():\n    from scheduler.due import on_answer\n    import outbox\n",
    "store/queries.py": "import sqlalchemy as sa\nfrom sqlmodel import SQLModel, select\n",
    "web/app.py": "from admin import accounts\nfrom config import Settings\nimport fastapi\n",
    "config/__init__.py": (
        "from channels.email.settings import EmailSettings\nfrom router import GRADES\n"
    ),
    "bot.py": "import web.app\nfrom channels.telegram.adapter import Telegram\nimport uvicorn\n",
}


def test_the_checker_accepts_every_arrow_of_the_table(tmp_path: Path) -> None:
    assert check_tree(_tree(tmp_path, ALLOWED_TREE)) == []


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        pytest.param(
            "complaints/clock.py",
            "import re\nfrom router import route\n",
            "complaints/clock.py:2: arrow: complaints imports router (route); "
            "it may import only nothing",
            id="kernel-imports-nothing",
        ),
        pytest.param(
            "router/decide.py",
            f"{TYPE_CHECKING}    from channels.base import X\n",
            "router/decide.py:3: arrow: router imports channels.base (X); "
            "it may import only complaints",
            id="type-checking-block",
        ),
        pytest.param(
            "channels/email/parse.py",
            "def f():\n    import intake.receive\n",
            "channels/email/parse.py:2: arrow: channels imports intake.receive; "
            "it may import only complaints",
            id="inside-a-function",
        ),
        pytest.param(
            "intake/receive.py",
            "from scheduler import due, sweeps\n",
            "intake/receive.py:1: arrow: intake imports scheduler (sweeps); it may import only "
            "channels.base, complaints, outbox, router, scheduler.due, scheduler.settings, store",
            id="one-module-of-a-package-only",
        ),
        pytest.param(
            "staff/actions.py",
            "\n\nimport scheduler\n",
            "staff/actions.py:3: arrow: staff imports scheduler; it may import only "
            "complaints, outbox, router, scheduler.due, store",
            id="not-the-whole-package",
        ),
        pytest.param(
            "outbox/dispatcher.py",
            "from channels.email.channel import EmailChannel\n",
            "outbox/dispatcher.py:1: arrow: outbox imports channels.email.channel (EmailChannel); "
            "it may import only channels.base, complaints, router, store",
            id="a-channel-adapter",
        ),
        pytest.param(
            "store/queries.py",
            "from outbox import texts\n",
            "store/queries.py:1: arrow: store imports outbox (texts); "
            "it may import only complaints",
            id="store-below-the-services",
        ),
        pytest.param(
            "config/__init__.py",
            "from admin.rule_book import ROUTING_KEYS, canonical_text\n",
            "config/__init__.py:1: arrow: config imports admin.rule_book "
            "(ROUTING_KEYS, canonical_text); it may import only complaints, router, *.settings",
            id="config-reads-settings-only",
        ),
        pytest.param(
            "web/app.py",
            "from channels.telegram import adapter\n",
            "web/app.py:1: arrow: web imports channels.telegram (adapter); it may import only "
            "admin, complaints, config, intake, outbox, router, scheduler, staff, store",
            id="web-reaches-a-channel",
        ),
        pytest.param(
            "staff/views.py",
            "from sqlmodel import Session, select\n",
            "staff/views.py:1: SQL outside store/: imports sqlmodel (select); "
            "only `from sqlmodel import Session` is allowed",
            id="sql-beside-session",
        ),
        pytest.param(
            "admin/rule_trials.py",
            "def f():\n    import sqlalchemy as sa\n",
            "admin/rule_trials.py:2: SQL outside store/: imports sqlalchemy; "
            "only `from sqlmodel import Session` is allowed",
            id="sql-in-a-function",
        ),
        pytest.param(
            "bot.py",
            "from alembic import command\n",
            "bot.py:1: SQL outside store/: imports alembic (command); "
            "only `from sqlmodel import Session` is allowed",
            id="sql-in-bot",
        ),
        pytest.param(
            "web/api.py",
            "import httpx\n",
            "web/api.py:1: transport outside channels/: imports httpx",
            id="transport-in-web",
        ),
        pytest.param(
            "intake/chat.py",
            f"{TYPE_CHECKING}    from telegram import Update\n",
            "intake/chat.py:3: transport outside channels/: imports telegram",
            id="transport-for-annotations",
        ),
        pytest.param(
            "staff/notify.py",
            "import smtplib\n",
            "staff/notify.py:1: transport outside channels/: imports smtplib",
            id="smtplib",
        ),
    ],
)
def test_the_checker_reports_a_broken_rule(
    tmp_path: Path, path: str, source: str, expected: str
) -> None:
    root = _tree(tmp_path, {**ALLOWED_TREE, path: source})
    assert [str(violation) for violation in check_tree(root)] == [expected]


def test_the_checker_counts_lines(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"web/fits.py": "x = 1\n" * 400, "web/long.py": "x = 1\n" * 401})
    assert [str(v) for v in long_modules(root)] == ["web/long.py:401: over 400 lines: 401 lines"]


# ---- The real tree ------------------------------------------------------------------------------


def test_every_production_module_follows_the_package_rules() -> None:
    violations = check_tree(ROOT)
    assert not violations, "\n".join(map(str, violations))


def test_no_production_module_exceeds_the_line_limit() -> None:
    violations = long_modules(ROOT)
    assert not violations, "\n".join(map(str, violations))


def test_the_real_tree_is_read() -> None:
    """Guards the real-tree tests above from passing on an empty file list."""
    names = {module_name(ROOT, path) for path in production_files(ROOT)}
    assert {"complaints.errors", "router.decide", "intake.receive", "config", "bot"} <= names
