"""Reports for supervisors and admins: complaints by category, department, grade, channel and week;
response and resolution times; SLA compliance; satisfaction; trends; CSV downloads.

A supervisor's report covers only their departments; an admin's covers every department.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from admin.reports import TABLES
from web.auth import SupervisorUser
from web.deps import ReportsDep

router = APIRouter(prefix="/api", tags=["reports"])

Since = Annotated[
    str | None,
    Query(description="start (inclusive): 2026-03-02 or an ISO 8601 time; default 12 weeks ago"),
]
Until = Annotated[str | None, Query(description="end (exclusive); default now")]
Department = Annotated[str | None, Query(description="only this department's complaints")]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Spreadsheets run a cell starting with these as a formula; product names come from
customers, so such text cells are prefixed with an apostrophe."""


@router.get("/reports", summary="The report for a period, as JSON")
async def report(
    reader: SupervisorUser,
    reports: ReportsDep,
    since: Since = None,
    until: Until = None,
    department: Department = None,
) -> dict[str, Any]:
    return (await reports.report(reader, since, until, department)).as_json()


@router.get(
    "/reports/{table}.csv",
    summary=f"One table of the report as CSV: {', '.join(TABLES)}",
    response_class=Response,
)
async def report_csv(
    table: str,
    reader: SupervisorUser,
    reports: ReportsDep,
    since: Since = None,
    until: Until = None,
    department: Department = None,
) -> Response:
    if table not in TABLES:
        raise HTTPException(404, f"there is no report table {table!r}; tables: {', '.join(TABLES)}")
    found = await reports.report(reader, since, until, department)
    header, rows = found.table(table)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    name = f"complaints-{table}-{found.since:%Y-%m-%d}-{found.until:%Y-%m-%d}.csv"
    return Response(
        text.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value
