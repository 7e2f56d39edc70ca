"""Puts the staff side on the bot's app: the API routers, the console, the error answers, and
the API's documentation pages (served from local files: the app is built with
`docs_url=None, redoc_url=None`).

Routes reach the bot's services through the `Annotated` dependencies of `web.deps`."""

from __future__ import annotations

from fastapi import FastAPI

from web import (
    api_accounts,
    api_audit,
    api_canned,
    api_complaints,
    api_dead_letters,
    api_docs,
    api_duplicates,
    api_metrics,
    api_privacy,
    api_reports,
    api_rule_trials,
    api_rules,
    api_solutions,
    console,
    errors,
)


def install(app: FastAPI) -> None:
    errors.install(app)
    for module in (
        api_accounts,
        api_duplicates,
        api_complaints,
        api_solutions,
        api_canned,
        api_rules,
        api_rule_trials,
        api_reports,
        api_privacy,
        api_dead_letters,
        api_audit,
        api_metrics,
    ):
        app.include_router(module.router)
    console.install(app)
    api_docs.install(app)  # last: it describes the routes included above
