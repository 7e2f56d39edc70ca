"""What a report is: counts, durations, service-level compliance, satisfaction and trends,
as JSON for the API and as tables for CSV. The figures themselves are `admin.report_figures`.

Departments and categories are counted by their keys; JSON and CSV keep each key (what a
program reads) and add its name in the reader's language (`Names`, given by the caller)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from complaints.clock import json_moment
from complaints.errors import ReportError

TREND_WEEKS = 4
"""A trend compares the last TREND_WEEKS weeks with the TREND_WEEKS weeks before them."""
TABLES = (
    "by_category",
    "by_department",
    "by_grade",
    "by_channel",
    "by_week",
    "top_categories",
    "top_products",
    "times",
)
"""The tables a report can be downloaded as (CSV)."""
Names = Callable[[str, str], str]
"""(kind, key) → the name of a department or category ("department", "category")."""
NAMED = {"by_category": "category", "by_department": "department", "top_categories": "category"}
"""The tables whose values are keys of that kind."""


def _keys(kind: str, key: str) -> str:
    return key


@dataclass(frozen=True)
class Durations:
    """How long something took, in hours."""

    count: int
    median_hours: float | None
    mean_hours: float | None
    p90_hours: float | None

    @classmethod
    def of(cls, hours: Sequence[float]) -> Durations:
        """p90 interpolates between the two nearest values (statistics' "inclusive" method)."""
        if not hours:
            return cls(0, None, None, None)
        p90 = (
            hours[0]
            if len(hours) == 1
            else statistics.quantiles(hours, n=10, method="inclusive")[-1]
        )
        return cls(
            len(hours),
            round(statistics.median(hours), 2),
            round(statistics.fmean(hours), 2),
            round(p90, 2),
        )


@dataclass(frozen=True)
class Compliance:
    met: int
    missed: int

    @property
    def share(self) -> float | None:
        """Met / (met + missed); None when nothing was due yet."""
        judged = self.met + self.missed
        return round(self.met / judged, 4) if judged else None

    def cells(self) -> list[Any]:
        return [self.met, self.missed, self.share]


@dataclass(frozen=True)
class Satisfaction:
    answered: int
    mean: float | None
    distribution: dict[int, int]


@dataclass(frozen=True)
class Trend:
    """A category or product: its count in the period, the last four weeks against the four
    before (up to now, or to the period's end if that is earlier), and one count per week."""

    value: str
    count: int
    last_weeks: int
    previous_weeks: int
    weekly: tuple[int, ...]


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    timezone: str
    department: str | None
    scope: tuple[str, ...] | None
    """The departments the reader may see; None: all."""
    total: int
    by_category: list[tuple[str, int]]
    by_department: list[tuple[str, int]]
    by_grade: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    weeks: list[date]
    by_week: list[int]
    first_response: Durations
    resolution: Durations
    first_response_sla: Compliance
    resolution_sla: Compliance
    satisfaction: Satisfaction
    top_categories: list[Trend]
    top_products: list[Trend]

    def as_json(self, names: Names = _keys) -> dict[str, Any]:
        """The report as the API answers it; a department's or category's `value` is its key,
        with its `name` beside it."""

        def counts(pairs: list[tuple[str, int]], kind: str = "") -> list[dict[str, Any]]:
            return [
                {"value": value, **({"name": names(kind, value)} if kind else {}), "count": count}
                for value, count in pairs
            ]

        def trends(items: list[Trend], kind: str = "") -> list[dict[str, Any]]:
            return [
                {
                    "value": t.value,
                    **({"name": names(kind, t.value)} if kind else {}),
                    "count": t.count,
                    f"last_{TREND_WEEKS}_weeks": t.last_weeks,
                    f"previous_{TREND_WEEKS}_weeks": t.previous_weeks,
                    "weekly": list(t.weekly),
                }
                for t in items
            ]

        def sla(compliance: Compliance) -> dict[str, Any]:
            return {"met": compliance.met, "missed": compliance.missed, "share": compliance.share}

        return {
            "since": json_moment(self.since),
            "until": json_moment(self.until),
            "timezone": self.timezone,
            "department": self.department,
            "departments": list(self.scope) if self.scope is not None else None,
            "total": self.total,
            "by_category": counts(self.by_category, "category"),
            "by_department": counts(self.by_department, "department"),
            "by_grade": counts(self.by_grade),
            "by_channel": counts(self.by_channel),
            "by_week": [
                {"week": week.isoformat(), "count": count}
                for week, count in zip(self.weeks, self.by_week, strict=True)
            ],
            "first_response": vars(self.first_response),
            "resolution": vars(self.resolution),
            "sla": {
                "first_response": sla(self.first_response_sla),
                "resolution": sla(self.resolution_sla),
            },
            "satisfaction": {
                "answered": self.satisfaction.answered,
                "mean": self.satisfaction.mean,
                "distribution": {str(k): v for k, v in self.satisfaction.distribution.items()},
            },
            "top_categories": trends(self.top_categories, "category"),
            "top_products": trends(self.top_products),
        }

    def table(self, name: str, names: Names = _keys) -> tuple[list[str], list[list[Any]]]:
        """One of TABLES as a header and rows, for CSV; a table of departments or categories
        has their names in a column beside their keys ("department", "department_name")."""
        header, rows = self._table(name)
        kind = NAMED.get(name)
        if kind is None:
            return header, rows
        return (
            [header[0], f"{kind}_name", *header[1:]],
            [[row[0], names(kind, row[0]), *row[1:]] for row in rows],
        )

    def _table(self, name: str) -> tuple[list[str], list[list[Any]]]:
        counted = {
            "by_category": ("category", self.by_category),
            "by_department": ("department", self.by_department),
            "by_grade": ("grade", self.by_grade),
            "by_channel": ("channel", self.by_channel),
        }
        if name in counted:
            label, pairs = counted[name]
            return [label, "complaints"], [[value, count] for value, count in pairs]
        if name == "by_week":
            weeks = zip(self.weeks, self.by_week, strict=True)
            return ["week_start", "complaints"], [[w.isoformat(), n] for w, n in weeks]
        if name in ("top_categories", "top_products"):
            header = [
                "category" if name == "top_categories" else "product",
                "complaints",
                f"last_{TREND_WEEKS}_weeks",
                f"previous_{TREND_WEEKS}_weeks",
                *(week.isoformat() for week in self.weeks),
            ]
            items = self.top_categories if name == "top_categories" else self.top_products
            return header, [
                [t.value, t.count, t.last_weeks, t.previous_weeks, *t.weekly] for t in items
            ]
        if name == "times":
            header = ["measure", "count", "median_hours", "mean_hours", "p90_hours"]
            header += ["sla_met", "sla_missed", "sla_share"]
            rows = [
                [measure, d.count, d.median_hours, d.mean_hours, d.p90_hours, *sla.cells()]
                for measure, d, sla in (
                    ("first_response", self.first_response, self.first_response_sla),
                    ("resolution", self.resolution, self.resolution_sla),
                )
            ]
            return header, rows
        raise ReportError(
            "there is no report table '%(name)s'; tables: %(tables)s",
            name=name,
            tables=", ".join(TABLES),
        )
