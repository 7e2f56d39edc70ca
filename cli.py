"""The command line: `python bot.py [--config settings.toml] [run | create-admin NAME |
dead-letters]`. Parses the arguments, sets up logging, and runs the chosen command on the bot
that `bot.build_app` wires."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from admin.commands import create_admin
from admin.routing_evaluation import evaluate_routing_command
from bot import build_app
from complaints.errors import SettingsError, StoreUnavailable
from config import Settings, load_settings
from intake.dead_letters import dead_letters_command
from observe.logs import set_up_logs
from observe.settings import LEVELS
from store.backup import BackupFailed, backup
from web.services import Services


def arguments(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(description="Run the complaint bot.")
    parser.add_argument("--config", type=Path, default=Path("settings.toml"), help="settings file")
    parser.add_argument("--log-level", type=str.upper, choices=LEVELS, help="overrides [log] level")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="serve the bot (the default)")
    letters = commands.add_parser("dead-letters", help="list kept dead letters, or reprocess them")
    letters.add_argument(
        "--reprocess",
        nargs="*",
        type=int,
        metavar="ID",
        help="reprocess these kept letters (all kept ones when no ID is given)",
    )
    copy = commands.add_parser("backup", help="copy the store while the bot runs (see README)")
    copy.add_argument("dest", type=Path, help="a new file, or a folder to put a dated file in")
    admin = commands.add_parser("create-admin", help="create an admin account (asks a password)")
    admin.add_argument("name", help="the name to log in with")
    admin.add_argument("--email", default="", help="where hot-spot alerts reach this admin")
    admin.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    admin.add_argument("--token", action="store_true", help="also print a new API token")
    evaluation = commands.add_parser(
        "evaluate-routing", help="measure routing on labelled complaints (JSON lines)"
    )
    evaluation.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl")
    return parser, parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parser, args = arguments(argv)
    if args.command == "backup":
        return backup_command(parser, args.config, args.dest)
    try:
        settings = load_settings(args.config)
        set_up_logs(settings.log, args.log_level or "")
        app = build_app(settings)
    except SettingsError as error:
        parser.exit(2, f"complaint bot: {error}\n")
    except StoreUnavailable as error:
        parser.exit(2, f"complaint bot: cannot open the store {settings.store_url}: {error}\n")
    services: Services = app.state.services
    if args.command in ("create-admin", "dead-letters", "evaluate-routing"):
        with contextlib.closing(services.database):
            if args.command == "evaluate-routing":
                return _evaluate_routing(args.files, services, settings)
            if args.command == "create-admin":
                return create_admin(
                    services.accounts,
                    args.name,
                    args.email,
                    stdin=args.password_stdin,
                    token=args.token,
                )
            return asyncio.run(
                dead_letters_command(services.dead_letters, services.reprocessors, args.reprocess)
            )
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    server = uvicorn.Server(config)
    # uvicorn stops gracefully on SIGINT or SIGTERM (in-flight requests finish), then raises
    # the signal again; after a graceful stop that is a normal exit, not a crash.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


def _evaluate_routing(files: list[Path], services: Services, settings: Settings) -> int:
    try:
        return evaluate_routing_command(
            files,
            services.rule_book.current,
            settings.service_levels,
            settings.default_language,
            sys.stdout.write,
        )
    except SettingsError as error:
        sys.stderr.write(f"complaint bot: {error}\n")
        return 2


def backup_command(parser: argparse.ArgumentParser, config: Path, destination: Path) -> int:
    """`backup DEST`. It reads the settings but does not build the bot: no migration runs, so
    a backup taken before an upgrade holds the schema the old version wrote."""
    try:
        made = backup(load_settings(config).store_url, destination, datetime.now(UTC))
    except (SettingsError, BackupFailed) as error:
        parser.exit(2, f"complaint bot: {error}; no backup was made\n")
    counted = "" if made.complaints is None else f", {made.complaints} complaints"
    print(f"backup written to {made.path} ({made.size} bytes{counted})")  # noqa: T201
    return 0
