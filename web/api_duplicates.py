"""The same complaint sent by two channels: what is flagged, and merging two complaints into one."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["duplicates"])
