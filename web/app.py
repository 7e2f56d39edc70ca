"""Puts the staff side on the bot's app: the API routers, the console, the error answers."""

from __future__ import annotations

from fastapi import FastAPI

from web import api_accounts, api_duplicates, api_privacy, api_reports, api_rules, errors


def install(app: FastAPI) -> None:
    errors.install(app)
    for module in (api_accounts, api_rules, api_reports, api_privacy, api_duplicates):
        app.include_router(module.router)
