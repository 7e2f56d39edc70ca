"""The liveness and readiness probes (`/health`, `/ready`).

Module-level endpoints that reach the store through `web.deps`, as every route does: FastAPI
keeps each endpoint it has seen in module-level caches of 4,096 entries, and these, closed over
one app's store when `bot.build_app` defined them, kept every app built in the process alive
after it stopped (tests/test_bot.py: a stopped bot is freed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from web.deps import DatabaseDep

router = APIRouter()


@router.get("/health", summary="Liveness: answers when the bot is serving")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: the store takes a write within a second",
    responses={503: {"description": "The store is locked or unreachable; the reason"}},
)
async def ready(database: DatabaseDep) -> JSONResponse:
    reason = await database.unready()
    if reason is None:
        return JSONResponse({"status": "ready"})
    return JSONResponse(
        {"status": "unavailable", "reason": reason},
        status_code=503,
        headers={"Retry-After": "5"},
    )
