"""Reports for supervisors and admins: complaints by category, department, grade, channel and week;
response and resolution times; SLA compliance; satisfaction; trends; CSV downloads.

A supervisor's report covers only their departments; an admin's covers every department.
Departments and categories keep their keys (`value`, the first CSV column: what a program
reads) and carry their configured names (`name`, a `<kind>_name` CSV column) in the reader's
language: `language` if asked, else the account's console language, else the bot's default.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from admin.report_model import Names
from admin.reports import TABLES
from complaints.languages import SUPPORTED
from router.names import name_of
from web.auth import SupervisorUser
from web.console.report_sheet import for_spreadsheet
from web.deps import ReportsDep, RuleBookDep, SettingsDep

router = APIRouter(prefix="/api", tags=["reports"])

Since = Annotated[
    str | None,
    Query(description="start (inclusive): 2026-03-02 or an ISO 8601 time; default 12 weeks ago"),
]
Until = Annotated[str | None, Query(description="end (exclusive); default now")]
Department = Annotated[str | None, Query(description="only this department's complaints")]
Language = Annotated[
    str | None,
    Query(
        description="names of departments and categories in this language "
        f"({', '.join(SUPPORTED)}); default: the account's language, else the bot's default"
    ),
]
ForSpreadsheet = Annotated[
    bool,
    Query(
        description="written for a spreadsheet in `language`: headers, grades, channels and "
        "measures named in it (a category's or department's key column stays, beside its "
        "name), a UTF-8 byte order mark (Excel reads Chinese right only with it) and, for es, "
        "`;` between cells and decimal commas, as Spanish Excel expects; default: plain UTF-8 "
        "CSV with commas and keys as headers and values, for programs"
    ),
]
SPREADSHEET_SEPARATORS = {"es": ";"}
"""Languages whose spreadsheets use the decimal comma, and so another cell separator."""
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
    language: Language = None,
    *,
    book: RuleBookDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    names = _names(book, language or reader.language or settings.default_language)
    return (await reports.report(reader, since, until, department)).as_json(names)


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
    language: Language = None,
    spreadsheet: ForSpreadsheet = False,
    *,
    book: RuleBookDep,
    settings: SettingsDep,
) -> Response:
    if table not in TABLES:
        raise HTTPException(404, f"there is no report table {table!r}; tables: {', '.join(TABLES)}")
    reading = language or reader.language or settings.default_language
    names = _names(book, reading)
    found = await reports.report(reader, since, until, department)
    header, rows = found.table(table, names)
    if spreadsheet:
        header, rows = for_spreadsheet(table, header, rows, reading)
    comma = spreadsheet and reading in SPREADSHEET_SEPARATORS
    text = io.StringIO()
    writer = csv.writer(
        text, delimiter=SPREADSHEET_SEPARATORS[reading] if comma else ",", lineterminator="\r\n"
    )
    writer.writerow(header)
    writer.writerows([[_cell(value, decimal_comma=comma) for value in row] for row in rows])
    name = f"complaints-{table}-{found.since:%Y-%m-%d}-{found.until:%Y-%m-%d}.csv"
    return Response(
        ("\ufeff" if spreadsheet else "") + text.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _names(book: RuleBookDep, language: str) -> Names:
    """Names by the rule set in force, in `language` (422 when it is none of ours)."""
    if language not in SUPPORTED:
        raise HTTPException(422, f"language={language!r}: one of {', '.join(SUPPORTED)}")
    rules = book.current
    return lambda kind, key: name_of(rules, kind, key, language)


def _cell(value: Any, *, decimal_comma: bool) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, float) and decimal_comma:
        return repr(value).replace(".", ",")
    return "" if value is None else value
