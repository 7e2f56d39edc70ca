"""The report page for supervisors and admins: the figures of /api/reports with charts drawn
server-side as SVG, a period and department filter in the query (so a view can be bookmarked),
and links to the same tables as CSV.

The bar charts come from `admin.reports.bar_chart_svg`, which escapes every label (product names
come from customers), so the page embeds them as markup; the weeks are a column chart with axes
(`report_view.week_chart_svg`), and times read as durations (`report_view.duration`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRouter
from markupsafe import Markup

from admin.reports import TABLES, Report, bar_chart_svg
from complaints.access import at_least, sees
from complaints.errors import NotAllowed, ReportError
from router import RuleSet
from web.console.forms import reason
from web.console.guard import ConsoleRefusal, Viewer
from web.console.i18n import N_, Phrase, Shown, catalogs, say
from web.console.pages import language_of, render
from web.console.report_view import duration, week_chart_svg
from web.console.wording import label, named
from web.deps import ReportsDep, RuleBookDep

router = APIRouter()
Moment = Annotated[str, Query(max_length=40)]


@dataclass(frozen=True)
class Chart:
    svg: Markup
    empty: bool


TITLES: dict[str, Phrase] = {
    "by_category": N_("Complaints per category"),
    "by_department": N_("Complaints per department"),
    "by_grade": N_("Complaints per grade"),
    "by_channel": N_("Complaints per channel"),
    "by_week": N_("Complaints per week"),
    "top_categories": N_("Top categories"),
    "top_products": N_("Top products"),
    "times": N_("First response and resolution times"),
}
"""Each table's title in the reader's language: its chart's and its CSV link's (a supervisor
reads "按類別統計投訴", not the key `by_category`)."""


def charts(report: Report, rules: RuleSet, language: str) -> list[Chart]:
    """One bar chart per figure but the weeks (a column chart of its own), titled and labelled
    in `language` (departments and categories by the rule set's names); SLA bars are
    percentages of the complaints judged so far."""
    translations = catalogs()[language]

    def said(text: Shown) -> str:
        return say(translations, text)

    def keyed(kind: str, counts: Sequence[tuple[str, int]]) -> list[tuple[str, float]]:
        if kind in ("department", "category"):
            return [(named(rules, kind, key, language), n) for key, n in counts]
        return [(said(label(kind, key)), n) for key, n in counts]

    sla = [
        (said(name), round(compliance.share * 100, 1))
        for name, compliance in (
            (N_("first response in time (%)"), report.first_response_sla),
            (N_("resolution in time (%)"), report.resolution_sla),
        )
        if compliance.share is not None
    ]
    scores = report.satisfaction.distribution.items()
    figures: list[tuple[Phrase, Sequence[tuple[str, float]]]] = [
        (TITLES["by_category"], keyed("category", report.by_category)),
        (TITLES["by_department"], keyed("department", report.by_department)),
        (TITLES["by_grade"], keyed("grade", report.by_grade)),
        (TITLES["by_channel"], keyed("channel", report.by_channel)),
        (TITLES["top_products"], [(trend.value, trend.count) for trend in report.top_products]),
        (N_("Service levels kept"), sla),
        (
            N_("Satisfaction (survey answers given in the period, 1–5)"),
            [(said(N_("score %(score)s", score=score)), n) for score, n in scores],
        ),
    ]
    # Our own markup: bar_chart_svg escapes every label and title.
    return [
        Chart(Markup(bar_chart_svg(said(title), bars)), not any(value for _, value in bars))  # noqa: S704
        for title, bars in figures
    ]


def csv_links(report: Report, language: str) -> list[tuple[Phrase, str]]:
    """Each table as a CSV download of exactly the period shown (the API takes the session),
    departments and categories named in the page's language, written for a spreadsheet in it
    (people click these links to open them in Excel), the link named by the table's title.
    The file keeps the API's name (`complaints-by_category-<since>-<until>.csv`): plain ASCII
    that every system, mail client and spreadsheet takes, the same whoever downloads it."""
    query = {"since": report.since.isoformat(), "until": report.until.isoformat()}
    query["language"] = language
    query["spreadsheet"] = "true"
    if report.department:
        query["department"] = report.department
    return [(TITLES[table], f"/api/reports/{table}.csv?{urlencode(query)}") for table in TABLES]


@router.get("/reports", response_class=HTMLResponse)
async def reports_page(
    request: Request,
    staff: Viewer,
    reports: ReportsDep,
    book: RuleBookDep,
    since: Moment = "",
    until: Moment = "",
    department: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    if not at_least(staff.agent, "supervisor"):
        refusal = N_(
            "Reports need the supervisor role; you are %(yours)s.",
            yours=label("role", staff.agent.role),
        )
        raise ConsoleRefusal(403, refusal)
    rules: RuleSet = book.current
    chosen = {"since": since, "until": until, "department": department}
    context = {
        "chosen": chosen,
        "departments": [key for key in rules.departments if sees(staff.agent, key)],
    }
    try:
        report = await reports.report(staff.agent, since or None, until or None, department or None)
    except (ReportError, NotAllowed) as error:
        status = 403 if isinstance(error, NotAllowed) else 422
        return render(
            request,
            "reports.html",
            context | {"report": None, "error": N_("%(reason)s.", reason=reason(error))},
            agent=staff.agent,
            csrf=staff.csrf,
            status=status,
        )
    language = language_of(request, staff.agent)
    return render(
        request,
        "reports.html",
        context
        | {
            "report": report,
            "charts": charts(report, rules, language),
            "week_chart": week_chart_svg(report.weeks, report.by_week, "week-chart-title"),
            "duration": duration,
            "csv": csv_links(report, language),
            "error": None,
        },
        agent=staff.agent,
        csrf=staff.csrf,
    )
