"""The command line: `python bot.py [--config settings.toml] [run | create-admin NAME |
dead-letters]`. Parses the arguments, sets up logging, and runs the chosen command on the bot
that `bot.build_app` wires."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

import uvicorn

from admin.commands import create_admin
from admin.routing_evaluation import evaluate_routing_command
from bot import build_app
from complaints.errors import SettingsError, StoreUnavailable
from config import Settings, load_settings
from intake.dead_letters import dead_letters_command
from observe.logs import protect_logs
from web.services import Services


def arguments(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(description="Run the complaint bot.")
    parser.add_argument("--config", type=Path, default=Path("settings.toml"), help="settings file")
    parser.add_argument("--log-level", default="INFO")
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
    admin = commands.add_parser("create-admin", help="create an admin account (asks a password)")
    admin.add_argument("name", help="the name to log in with")
    admin.add_argument("--email", default="", help="where hot-spot alerts reach this admin")
    admin.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    admin.add_argument("--token", action="store_true", help="also print a new API token")
    evaluation = commands.add_parser(
        "evaluate-routing", help="measure routing on labelled complaints (JSON lines)"
    )
    evaluation.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl")
    evaluation.add_argument(
        "--rules-only", action="store_true", help="without the triage model (the rules alone)"
    )
    return parser, parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parser, args = arguments(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    protect_logs()
    try:
        settings = load_settings(args.config)
        app = build_app(settings)
    except SettingsError as error:
        parser.exit(2, f"complaint bot: {error}\n")
    except StoreUnavailable as error:
        parser.exit(2, f"complaint bot: cannot open the store {settings.store_url}: {error}\n")
    services: Services = app.state.services
    if args.command in ("create-admin", "dead-letters", "evaluate-routing"):
        with contextlib.closing(services.database):
            if args.command == "evaluate-routing":
                return _evaluate_routing(args.files, services, settings, args.rules_only)
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


def _evaluate_routing(
    files: list[Path], services: Services, settings: Settings, rules_only: bool
) -> int:
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
