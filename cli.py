"""The command line: `python bot.py [--config settings.toml] [run | check-config | create-admin
NAME | dead-letters | backup DEST | evaluate-routing FILE...]`. Parses the arguments, sets up
logging, and runs the chosen command on the bot that `bot.build_app` wires; one function per
command.

What an operator gets wrong at start (a bad settings file, a port another program holds) is said
in one line naming the settings key to change, exit status 2, instead of a traceback."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import functools
import os
import signal
import socket
import sys
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from admin.accounts import Accounts
from admin.commands import create_admin, new_password
from bot import build_app, open_settings_store
from complaints.clock import SystemClock
from complaints.errors import SettingsError, StoreUnavailable
from config import Settings, load_settings
from intake.dead_letters import dead_letters_command
from observe.logs import set_up_logs
from observe.settings import LEVELS
from outbox.templates import Replies
from store.database import without_password
from web.services import Services

CONFIG_VARIABLE = "COMPLAINT_BOT_CONFIG"
"""The settings file when --config is not given (containers and services set it once)."""


def _options(default: object) -> argparse.ArgumentParser:
    """--config and --log-level, taken before the command and after it alike
    (`bot.py check-config --config FILE` as well as `bot.py --config FILE check-config`); after
    it, `default` is SUPPRESS so that one not given there leaves the one given before."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--config",
        type=Path,
        default=default,
        help=f"settings file (default: ${CONFIG_VARIABLE}, else settings.toml here)",
    )
    options.add_argument(
        "--log-level",
        type=str.upper,
        choices=LEVELS,
        default=default,
        help="overrides [log] level",
    )
    return options


def arguments(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(description="Run the complaint bot.", parents=[_options(None)])
    parser.add_argument("--version", action="version", version=f"complaint-bot {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    command = functools.partial(subparsers.add_parser, parents=[_options(argparse.SUPPRESS)])
    command("run", help="serve the bot (the default)")
    command(
        "check-config",
        help="check the settings, rules and templates and print a summary; opens no port and "
        "writes nothing",
    )
    letters = command("dead-letters", help="list kept dead letters, or reprocess them")
    letters.add_argument(
        "--reprocess",
        nargs="*",
        type=int,
        metavar="ID",
        help="reprocess these kept letters (all kept ones when no ID is given)",
    )
    copy = command("backup", help="copy the store while the bot runs (see README)")
    copy.add_argument("dest", type=Path, help="a new file, or a folder to put a dated file in")
    admin = command("create-admin", help="create an admin account (asks a password)")
    admin.add_argument("name", help="the name to log in with")
    admin.add_argument("--email", default="", help="where hot-spot alerts reach this admin")
    admin.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    admin.add_argument("--token", action="store_true", help="also print a new API token")
    evaluation = command(
        "evaluate-routing", help="measure routing on labelled complaints (JSON lines)"
    )
    evaluation.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl")
    evaluation.add_argument(
        "--rules-only", action="store_true", help="without the triage model (the rules alone)"
    )
    return parser, parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parser, args = arguments(argv)
    path = settings_path(args.config, os.environ)
    if args.command == "check-config":
        return check_config(path)
    if args.command == "backup":
        return backup_command(parser, path, args.dest)
    try:
        settings = load_settings(path)
        set_up_logs(settings.log, args.log_level or "")
        if args.command == "create-admin":
            return create_admin_command(settings, args)
        http = listen_socket(settings) if args.command in (None, "run") else None
        # a serving process keeps its start-up heap for life (bot.build_app); a test process,
        # building hundreds of apps, must not
        app = build_app(settings, serving=args.command in (None, "run"))
    except SettingsError as error:
        parser.exit(2, f"complaint bot: {error}\n")
    except StoreUnavailable as error:
        parser.exit(2, f"complaint bot: {_store_unavailable(settings.store_url, error)}\n")
    services: Services = app.state.services
    if args.command in ("dead-letters", "evaluate-routing"):
        with contextlib.closing(services.database):
            if args.command == "evaluate-routing":
                return _evaluate_routing(args.files, services, settings, args.rules_only)
            return asyncio.run(
                dead_letters_command(services.dead_letters, services.reprocessors, args.reprocess)
            )
    assert http is not None
    return serve(app, settings, http)


def create_admin_command(settings: Settings, args: argparse.Namespace) -> int:
    """`create-admin` on the store alone: an account needs neither the channels nor the triage
    model, whose first fit on a new machine takes about a minute (building the whole bot made
    the first command of README's set-up wait that long before asking for the password). The
    password is read before the store is opened, so a refused one leaves the store untouched."""
    password = new_password(args.name, from_stdin=args.password_stdin)
    if password is None:
        return 2
    clock = SystemClock()
    database, rule_book = open_settings_store(settings, clock)
    with contextlib.closing(database):
        accounts = Accounts(database, clock, lambda: tuple(rule_book.current.departments))
        return create_admin(accounts, args.name, args.email, password, token=args.token)


def serve(app: FastAPI, settings: Settings, http: socket.socket) -> int:
    """Serve on the socket bound before the store was opened, until SIGINT or SIGTERM."""
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=settings.http_access_log,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    server = uvicorn.Server(config)
    # uvicorn stops gracefully on SIGINT or SIGTERM (in-flight requests finish), then raises
    # the signal again; after a graceful stop that is a normal exit, not a crash.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[http])
    return 0 if server.started else 1


def settings_path(given: Path | None, environ: Mapping[str, str]) -> Path:
    """--config, else $COMPLAINT_BOT_CONFIG, else settings.toml in the current folder."""
    return given or Path(environ.get(CONFIG_VARIABLE) or "settings.toml")


def version() -> str:
    """The installed package's version; pyproject.toml's when run from a checkout that was
    never installed."""
    try:
        return metadata.version("complaint-bot")
    except metadata.PackageNotFoundError:
        project = Path(__file__).with_name("pyproject.toml").read_text(encoding="utf-8")
        return str(tomllib.loads(project)["project"]["version"])


def listen_socket(settings: Settings) -> socket.socket:
    """The HTTP socket, bound before anything starts, and the SMTP intake's port checked too:
    a port another program holds stops the bot in one line naming the key to change, before
    the store is opened or a channel started (uvicorn would start them, then print a traceback).
    The SMTP intake binds its own port a moment later; that port is only probed here."""
    smtp = settings.email.smtp_server
    if settings.email.enabled and smtp.enabled and smtp.port != 0:
        with _bound(settings, smtp.host, smtp.port, "[email.smtp_server]"):
            pass
    return _bound(settings, settings.http_host, settings.http_port, "[http]")


def _bound(settings: Settings, host: str, port: int, section: str) -> socket.socket:
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise SettingsError(
            f"cannot listen on {where}: {error.strerror}; change {section} host in {settings.path}"
        ) from None
    # What uvicorn and asyncio set too: a restart may reuse the port at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            reason = f"{where} is already in use; change {section} port in {settings.path}"
        else:
            reason = (
                f"cannot listen on {where}: {error.strerror}; change {section} in {settings.path}"
            )
        raise SettingsError(reason) from None
    return sock


def check_config(path: Path) -> int:
    """Load and check everything start-up checks that needs neither the store nor a port."""
    try:
        settings = load_settings(path)
        replies = Replies(
            settings.templates_dir,
            lambda: settings.rules,
            settings.customer_zones,
            settings.company_name,
        )
        replies.check(datetime.now(UTC))
    except SettingsError as error:
        print(f"complaint bot: {error}", file=sys.stderr)  # noqa: T201
        return 2
    _write_out("\n".join(summary(settings, replies)) + "\n")
    return 0


def _write_out(text: str) -> None:
    """`text` on stdout; a reader that has gone (`check-config | head -2`) is no error, as for
    any Unix tool: the rest is dropped quietly. stdout is pointed at /dev/null after, because
    Python flushes it again at exit and would print the BrokenPipeError then."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def summary(settings: Settings, replies: Replies) -> list[str]:
    """What the bot would run with, one line per part, without secrets."""
    email, smtp, telegram = settings.email, settings.email.smtp_server, settings.telegram
    mail = []
    if email.enabled and smtp.enabled:
        mail.append(f"SMTP intake on {smtp.host}:{smtp.port}")
    if email.imap_enabled:
        mail.append(f"IMAP {email.imap.host}:{email.imap.port}")
    if email.enabled:
        mail.append(f"relay {email.relay.host}:{email.relay.port}")
    rules = settings.rules
    replaced = sorted(replies.replaced)
    return [
        f"{settings.path}: valid",
        f"store: {without_password(settings.store_url, settings.store_url)}",
        f"http: {settings.http_host}:{settings.http_port}",
        f"webhook sources: {', '.join(settings.webhook_sources) or 'none'}",
        f"email: {', '.join(mail) if mail else 'off'}",
        f"telegram: {telegram.mode if telegram.enabled else 'off'}",
        f"rules in the file: {len(rules.rules)} rules, {len(rules.categories)} categories, "
        f"{len(rules.departments)} departments",
        "templates: shipped"
        + (f", {len(replaced)} replaced from {replies.directory}" if replaced else ""),
    ]


def _store_unavailable(url: str, error: StoreUnavailable) -> str:
    """The one line a start that cannot reach the store ends with; under systemd every restart
    writes it to the journal. The URL's user, host and database and the driver's reason
    (refused, timed out, authentication failed for a user) say what to fix; the password, in
    the URL or quoted by the driver, is masked, and the reason is kept on one line."""
    reason = " ".join(str(error).split())
    return f"cannot open the store {without_password(url, url)}: {without_password(reason, url)}"


def _evaluate_routing(
    files: list[Path], services: Services, settings: Settings, rules_only: bool
) -> int:
    from admin.routing_evaluation import evaluate_routing_command  # this command's alone

    try:
        return evaluate_routing_command(
            files,
            services.rule_book.current,
            settings.service_levels,
            settings.default_language,
            sys.stdout.write,
            None if rules_only else services.triage.current,
        )
    except SettingsError as error:
        sys.stderr.write(f"complaint bot: {error}\n")
        return 2


def backup_command(parser: argparse.ArgumentParser, config: Path, destination: Path) -> int:
    """`backup DEST`. It reads the settings but does not build the bot: no migration runs, so
    a backup taken before an upgrade holds the schema the old version wrote."""
    from store.backup import BackupFailed, backup  # this command's alone: not in the server

    try:
        made = backup(load_settings(config).store_url, destination, datetime.now(UTC))
    except (SettingsError, BackupFailed) as error:
        parser.exit(2, f"complaint bot: {error}; no backup was made\n")
    counted = "" if made.complaints is None else f", {made.complaints} complaints"
    print(f"backup written to {made.path} ({made.size} bytes{counted})")  # noqa: T201
    return 0
