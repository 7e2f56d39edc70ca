"""Puts the staff side on the bot's app: the API routers, the console, the error answers."""

from __future__ import annotations

from fastapi import FastAPI

from web import api_accounts, errors


def install(app: FastAPI) -> None:
    errors.install(app)
    app.include_router(api_accounts.router)
