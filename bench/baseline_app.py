"""The bare baseline for `bench/intake.py`: the least a webhook intake endpoint must do.

`POST /webhook/{source}` reads the raw body, checks the same `X-Signature: sha256=<hex>`
HMAC-SHA256 as the bot, parses the body with the bot's own `ComplaintIn` model and inserts one
row into SQLite (WAL, synchronous=NORMAL) on a single writer thread, then answers 202. No
routing, no customers, no replies: whatever the bot costs beyond this is its own work.

    BENCH_BASELINE_DB=/tmp/baseline.db BENCH_SECRET=... \
        python -m uvicorn bench.baseline_app:app --port 8081 --log-level warning

Run it from the project root (it imports `channels.webhook.adapter`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import sqlite3
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from channels.webhook.adapter import ComplaintIn

SOURCES = {"bench": os.environ.get("BENCH_SECRET", "bench-secret-0123456789abcdef")}
DATABASE = os.environ.get("BENCH_BASELINE_DB", "baseline.db")

# One connection, used only from the one writer thread: writes never contend for the lock.
_writer = ThreadPoolExecutor(1, thread_name_prefix="baseline-write")
_connection: sqlite3.Connection | None = None


def _open() -> sqlite3.Connection:
    connection = sqlite3.connect(DATABASE, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS complaints ("
        " id INTEGER PRIMARY KEY,"
        " source TEXT NOT NULL,"
        " external_id TEXT NOT NULL UNIQUE,"
        " customer TEXT NOT NULL,"
        " language TEXT NOT NULL,"
        " text TEXT NOT NULL,"
        " received_at TEXT NOT NULL)"
    )
    return connection


def _insert(row: tuple[str, str, str, str, str, str]) -> int:
    assert _connection is not None
    cursor = _connection.execute(
        "INSERT INTO complaints (source, external_id, customer, language, text, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        row,
    )
    return cursor.lastrowid or 0


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global _connection
    _connection = await asyncio.get_running_loop().run_in_executor(_writer, _open)
    yield
    _writer.shutdown(wait=True)
    _connection.close()


# FastAPI's OpenTelemetry hooks off, as in the bot (bot.NO_TELEMETRY): both pay the same.
app = FastAPI(
    title="Intake baseline",
    lifespan=lifespan,
    telemetry={"tracing": False, "metrics": False, "logs": False},
)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/webhook/{source}", status_code=202)
async def receive(source: str, request: Request) -> JSONResponse:
    secret = SOURCES.get(source)
    if secret is None:
        return JSONResponse({"detail": "unknown source"}, status_code=404)
    body = await request.body()
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("x-signature", ""), expected):
        return JSONResponse({"detail": "bad signature"}, status_code=401)
    try:
        context = {"max_attachments": 10, "today": datetime.now(UTC).date()}  # as the bot's
        payload = ComplaintIn.model_validate_json(body, context=context)
    except ValidationError as error:
        problems = [problem["msg"] for problem in error.errors(include_url=False)]
        return JSONResponse({"detail": problems}, status_code=422)
    row = (
        source,
        payload.id,
        payload.customer.id,
        payload.language,
        payload.text,
        datetime.now(UTC).isoformat(),
    )
    try:
        row_id = await asyncio.get_running_loop().run_in_executor(_writer, _insert, row)
    except sqlite3.IntegrityError:
        return JSONResponse({"id": payload.id, "status": "duplicate"}, status_code=200)
    return JSONResponse({"id": payload.id, "row": row_id, "status": "received"}, status_code=202)
