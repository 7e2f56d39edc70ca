"""Customers' personal data for admins: look up, export everything about one customer, erase it
(statistics are kept)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["privacy"])
