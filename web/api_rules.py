"""Routing rules for admins: view, edit, reorder, disable, dry-run, backtest, versions, rollback,
TOML import and export."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["rules"])
