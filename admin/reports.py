"""Reports for continuous improvement: where complaints come from, how fast they are answered
and resolved, whether the service levels are kept, how satisfied customers are, and which
categories and products are getting worse.

Every figure but satisfaction is about the complaints *opened* in the period [since, until);
their outcome (answered, resolved) is judged as it stands now. Satisfaction counts the survey
answers *given* in the period, each round of a reopened complaint its own
(`store.queries.reports.survey_answers`): the low score that reopened a complaint is the
answer a complaint desk most needs to see, and the complaint's current round no longer holds
it. Weeks start on Monday at 00:00 in
the bot's time zone (settings `[bot] timezone`), the zone staff plan their weeks in. Rows are
fetched as plain tuples and bucketed in Python, so the same code runs on SQLite and PostgreSQL
(a period holds at most tens of thousands of complaints).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from admin.report_chart import bar_chart_svg as bar_chart_svg  # web/ imports these from here
from admin.report_figures import build
from admin.report_model import TABLES as TABLES
from admin.report_model import TREND_WEEKS, Report
from admin.report_period import WEEK, period
from complaints.access import sees
from complaints.clock import Clock
from complaints.errors import NotAllowed, ReportError
from store.database import Database
from store.models import Agent
from store.queries.reports import ReportRow, report_rows, survey_answers
from store.queries.rule_sets import department_keys


class Reports:
    def __init__(self, database: Database, clock: Clock, zone: ZoneInfo) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone

    async def report(
        self,
        reader: Agent,
        since: str | None = None,
        until: str | None = None,
        department: str | None = None,
    ) -> Report:
        """The report `reader` may see: a supervisor only their departments' complaints."""
        now = self.clock.now()
        start, end = period(since, until, now, self.zone)
        if department:  # unknown is 422 for everyone, before whether the reader may see it
            known = await self.database.read(department_keys)
            if department not in known:
                raise ReportError(
                    "there is no department '%(department)s'; departments: %(departments)s",
                    department=department,
                    departments=", ".join(known),
                )
        if department and not sees(reader, department):
            raise NotAllowed(
                "you see reports of %(yours)s only, not of %(department)s",
                yours=", ".join(reader.departments or []),
                department=department,
            )
        scope = (
            None if reader.role == "admin" or not reader.departments else tuple(reader.departments)
        )
        trend_end = min(end, now)
        fetch_from = min(start, trend_end - 2 * TREND_WEEKS * WEEK)

        def work(session: Session) -> tuple[list[ReportRow], list[int]]:
            departments = [department] if department else scope
            rows = report_rows(session, since=fetch_from, until=end, departments=departments)
            scores = survey_answers(session, since=start, until=end, departments=departments)
            return rows, scores

        rows, scores = await self.database.read(work)
        return build(rows, scores, start, end, now, self.zone, department or None, scope)
