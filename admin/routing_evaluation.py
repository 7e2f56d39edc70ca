"""How well the router reads complaints: accuracy per language for language, category and grade on
a labelled set, the category confusion matrix and every miss.

The same pure `route` that intake calls decides each row, so the figures are the bot's own. A
labelled file is JSON lines, one complaint per line:
`{"text": "...", "language": "es", "category": "billing", "grade": "general"}`. Rows are routed as
fresh webhook complaints from customers without history, at one fixed time, so a run is
reproducible and only the text decides.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from complaints.errors import SettingsError
from complaints.languages import SUPPORTED
from router import GRADES, CustomerHistory, Decision, RoutingInput, RuleSet, ServiceLevel, route
from router.model import CategoryModel

FIELDS = ("language", "category", "grade")
_ROUTED_AT = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Labelled:
    """One complaint of a labelled set and what a desk expects the router to decide."""

    text: str
    language: str
    category: str
    grade: str
    where: str
    """file:line, to find the row again."""


@dataclass(frozen=True)
class Miss:
    row: Labelled
    routed: Mapping[str, str]
    """field → what the router decided, for the fields it got wrong."""


@dataclass
class Evaluation:
    """Counts per language: rows, and rows right per field; the category pairs and the misses."""

    rows: Counter[str] = field(default_factory=Counter)
    right: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(expected category, routed category) → rows"""
    misses: list[Miss] = field(default_factory=list)

    def accuracy(self, name: str, language: str | None = None) -> float:
        """The share of rows (of `language`, or of all) the router got right on `name`."""
        rows = self.rows[language] if language else sum(self.rows.values())
        right = self.right[name][language] if language else sum(self.right[name].values())
        return right / rows if rows else 0.0


def read_labelled(paths: Iterable[Path], categories: Iterable[str]) -> list[Labelled]:
    """Every row of the JSON-lines files `paths`; a bad row stops the run naming file and line,
    so a typo in a label never silently counts as a router miss."""
    known = frozenset(categories)
    rows = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise SettingsError(f"cannot read {path}: {error.strerror}") from error
        for number, line in enumerate(lines, start=1):
            if line.strip():
                rows.append(_row(line, f"{path}:{number}", known))
    if not rows:
        raise SettingsError("the labelled files hold no complaints")
    return rows


def _row(line: str, where: str, categories: frozenset[str]) -> Labelled:
    try:
        data = json.loads(line)
        row = Labelled(str(data["text"]), data["language"], data["category"], data["grade"], where)
    except (ValueError, KeyError, TypeError) as error:
        raise SettingsError(
            f"{where}: expected a JSON object with text, language, category and grade ({error})"
        ) from error
    if row.language not in SUPPORTED:
        raise SettingsError(f"{where}: language {row.language!r} is not one of {SUPPORTED}")
    if row.category not in categories:
        raise SettingsError(f"{where}: category {row.category!r} is not in the rule set")
    if row.grade not in GRADES:
        raise SettingsError(f"{where}: grade {row.grade!r} is not one of {GRADES}")
    return row


def router_of(
    rules: RuleSet,
    service_levels: Mapping[str, ServiceLevel],
    default_language: str,
    model: CategoryModel | None = None,
) -> Callable[[str], Decision]:
    """How the evaluation routes one text: as intake would a fresh webhook complaint."""

    def decide(text: str) -> Decision:
        message = RoutingInput(text=text, received_at=_ROUTED_AT, channel="webhook")
        return route(
            message, CustomerHistory(), rules, service_levels, default_language, model=model
        )

    return decide


def evaluate(rows: Sequence[Labelled], decide: Callable[[str], Decision]) -> Evaluation:
    evaluation = Evaluation()
    for row in rows:
        decision = decide(row.text)
        routed = {name: getattr(decision, name) for name in FIELDS}
        evaluation.rows[row.language] += 1
        wrong = {}
        for name in FIELDS:
            if routed[name] == getattr(row, name):
                evaluation.right[name][row.language] += 1
            else:
                wrong[name] = routed[name]
        evaluation.confusion[row.category, decision.category] += 1
        if wrong:
            evaluation.misses.append(Miss(row, wrong))
    return evaluation


def report(evaluation: Evaluation, categories: Sequence[str]) -> str:
    """The figures as a plain-text report: accuracy table, confusion matrix, misses."""
    return "\n".join(
        [
            *_accuracy_table(evaluation),
            "",
            *_confusion(evaluation, categories),
            "",
            *_misses(evaluation),
        ]
    )


def _accuracy_table(evaluation: Evaluation) -> list[str]:
    lines = [f"{'language':<9} {'rows':>5} {'language':>9} {'category':>9} {'grade':>9}"]
    for language in [*(lang for lang in SUPPORTED if evaluation.rows[lang]), None]:
        figures = " ".join(f"{evaluation.accuracy(name, language):>8.1%}" for name in FIELDS)
        rows = evaluation.rows[language] if language else sum(evaluation.rows.values())
        lines.append(f"{language or 'all':<9} {rows:>5} {figures}")
    return lines


def _confusion(evaluation: Evaluation, categories: Sequence[str]) -> list[str]:
    """Rows: the expected category; columns (numbered as the rows): what the router chose."""
    seen = [c for c in categories if any(c in pair for pair in evaluation.confusion)]
    width = max(len(c) for c in seen) + 4
    header = " " * width + "".join(f"{n:>5}" for n in range(1, len(seen) + 1))
    lines = ["category confusion (rows expected, columns routed):", header]
    for n, expected in enumerate(seen, start=1):
        cells = "".join(f"{evaluation.confusion[expected, routed] or '.':>5}" for routed in seen)
        lines.append(f"{n:>2}. {expected:<{width - 4}}{cells}")
    return lines


def _misses(evaluation: Evaluation) -> list[str]:
    lines = [f"misses: {len(evaluation.misses)}"]
    for miss in evaluation.misses:
        wrong = ", ".join(
            f"{name} {getattr(miss.row, name)} → {value}" for name, value in miss.routed.items()
        )
        text = " ".join(miss.row.text.split())
        lines.append(f"  {miss.row.where} [{miss.row.language}] {wrong}: {text[:100]}")
    return lines


def evaluate_routing_command(
    paths: Sequence[Path],
    rules: RuleSet,
    service_levels: Mapping[str, ServiceLevel],
    default_language: str,
    out: Callable[[str], object],
    model: CategoryModel | None = None,
) -> int:
    """`bot.py evaluate-routing FILE.jsonl ...`: the report on `out`; 2 when a file is bad.
    With `model` (the triage model in force) as intake routes; without, by the rules alone."""
    rows = read_labelled(paths, rules.categories)
    decide = router_of(rules, service_levels, default_language, model)
    by = "rules alone" if model is None else f"triage model version {model.version}"
    out(f"rule set version {rules.version}, {by}, {len(rows)} complaints\n")
    out(report(evaluate(rows, decide), list(rules.categories)) + "\n")
    return 0
