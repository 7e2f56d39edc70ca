"""A report table as a spreadsheet shows it to a person, in their language.

The plain CSV (admin.report_model.Report.table) is for programs: its headers are keys
(`median_hours`) and its values codes (`urgent`, `first_response`), and programs depend on
them. The form the console's links download (`?spreadsheet=true`) is opened by people in
Excel: there the headers are named, and the codes of fixed sets (a grade, a channel, a
measure) are named in place. A department's or category's key column stays, headed as a key,
beside its name column: the key is what links a row to the rules and to the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from admin.report_model import TREND_WEEKS
from web.console.i18n import N_, Phrase, catalogs, say
from web.console.timeline import DEADLINES
from web.console.wording import LABELS

HEADERS: Mapping[str, Phrase] = {
    "category": N_("Category key"),
    "category_name": N_("Category"),
    "department": N_("Department key"),
    "department_name": N_("Department"),
    "grade": N_("Grade"),
    "channel": N_("Channel"),
    "product": N_("Product"),
    "complaints": N_("Complaints"),
    "week_start": N_("Week starting"),
    f"last_{TREND_WEEKS}_weeks": N_("Last %(weeks)s weeks", weeks=TREND_WEEKS),
    f"previous_{TREND_WEEKS}_weeks": N_("Previous %(weeks)s weeks", weeks=TREND_WEEKS),
    "measure": N_("Measure"),
    "count": N_("Count"),
    "median_hours": N_("Median (hours)"),
    "mean_hours": N_("Mean (hours)"),
    "p90_hours": N_("90th percentile (hours)"),
    "sla_met": N_("Deadlines met"),
    "sla_missed": N_("Deadlines missed"),
    "sla_share": N_("Share met"),
}
"""Each header of the plain CSV by its name; another (a week's date) stays as it is."""
CODES: Mapping[str, Mapping[str, Phrase]] = {
    # tables whose first column is a code of a fixed set, by their names for staff
    "by_grade": LABELS["grade"],
    "by_channel": LABELS["channel"],
    "times": {"first_response": DEADLINES["first response"], "resolution": DEADLINES["resolution"]},
}


def for_spreadsheet(
    table: str, header: list[str], rows: list[list[Any]], language: str
) -> tuple[list[str], list[list[Any]]]:
    """`table`'s header and rows with headers and codes in `language`."""
    translations = catalogs()[language]
    named = [say(translations, HEADERS.get(key, key)) for key in header]
    codes = CODES.get(table, {})
    return named, [
        [say(translations, codes[row[0]]) if row[0] in codes else row[0], *row[1:]] for row in rows
    ]
