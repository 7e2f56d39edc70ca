"""Reports for supervisors and admins: complaints by category, department, grade, channel and week;
response and resolution times; SLA compliance; satisfaction; trends; CSV downloads."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["reports"])
