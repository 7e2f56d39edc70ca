"""Cross-validated routing accuracy on the labelled training files: how the rules, the grade
floors and both classifiers together do on complaints the models did not learn from.

    .venv/bin/python bench/cv_routing.py [--settings settings.toml] [--extra FILE.jsonl ...]
        [--grade-threshold 0.6] [--urgent-threshold 0.8] [--misses es] [--json OUT.json]

The held-out files measure a finished router and must never steer it (router/data/labelled/
README.md), so every choice of rules, negation cues, thresholds or fitting is made on these
figures instead. The `train-*.jsonl` rows of every language are split into 5 folds (stratified by
language, category and grade, with a fixed seed); per fold the triage model is fitted on the
other four folds, all languages together, as the bot fits it (admin.triage_fit.fitted_bytes: the
same arrays, on two worker processes), and the held-back fold is routed as `evaluate-routing`
routes (admin.routing_evaluation.router_of: a fresh webhook complaint, rules then models).

Printed: category and grade accuracy per language, the grade confusion (gold x routed) of the
languages asked for with `--misses` (es by default) and each of their grade misses with what
decided the routed grade (the last rule, floor, model or default that set it) and the grade
model's own guess.

Fits are cached on disk (`bench/results/cv_routing/`, not committed) under the digest of their
training rows and of the fitting code (router/fit.py, router/features.py, router/model.py), so
changing rules, negation or thresholds re-routes in under a minute without refitting; a change
to fitting refits (five fits of about 20 s on two workers).

`--extra` files (JSON lines in the labelled format) join the training part of every fold but are
never routed: the figures stay those of the same shipped rows, so runs with and without them
compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the packages are importable only from the root
    sys.path.insert(0, str(ROOT))

from admin.routing_evaluation import Labelled, read_labelled, router_of  # noqa: E402
from admin.triage_data import labelled_directory, training_files  # noqa: E402
from config import Settings, load_settings  # noqa: E402
from router import GRADES, Decision  # noqa: E402
from router.model import CategoryModel, Example, Trained, training_digest  # noqa: E402

FOLDS = 5
SEED = 14
CACHE = ROOT / "bench" / "results" / "cv_routing"
FITTING_CODE = ("router/fit.py", "router/features.py", "router/model.py")
LANGUAGES = ("zh-Hans", "zh-Hant", "en", "es")


@dataclass
class Figures:
    """Per language: rows, right categories, right grades; grade pairs; the grade misses."""

    rows: Counter[str] = field(default_factory=Counter)
    category: Counter[str] = field(default_factory=Counter)
    grade: Counter[str] = field(default_factory=Counter)
    confusion: dict[str, Counter[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    misses: list[dict[str, str]] = field(default_factory=list)
    decisions: list[dict[str, object]] = field(default_factory=list)
    """Per routed row, what each stage gave (`stages`), to replay other thresholds offline."""


def folds_of(rows: list[Labelled]) -> list[int]:
    """Each row's fold: rows of one (language, category, grade) shuffled with a fixed seed and
    dealt round, continuing across groups, so small groups spread over the folds too."""
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        groups[row.language, row.category, row.grade].append(index)
    fold = [0] * len(rows)
    dealt = 0
    shuffle = random.Random(SEED).shuffle
    for key in sorted(groups):
        members = groups[key]
        shuffle(members)
        for index in members:
            fold[index] = dealt % FOLDS
            dealt += 1
    return fold


def fitted(examples: list[Example]) -> Trained:
    """The arrays of `examples`, from the cache or fitted now as the bot fits them."""
    code = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in FITTING_CODE))
    digest = training_digest(examples)
    key = hashlib.sha256(f"{digest}:{code.hexdigest()}".encode()).hexdigest()[:32]
    path = CACHE / f"{key}.npz"
    if not path.exists():
        from admin.triage_fit import fitted_bytes  # scikit-learn only when fitting

        CACHE.mkdir(parents=True, exist_ok=True)
        data = fitted_bytes(examples)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
        print(f"  fitted {len(examples)} rows -> {path.name}", file=sys.stderr)
    return Trained.from_bytes(digest, path.read_bytes())


def model_of(trained: Trained, settings: Settings) -> CategoryModel:
    """The model as admin.triage.Triage builds it, with the settings' thresholds."""
    triage = settings.triage
    return CategoryModel(
        trained.classifier("category"),
        0,
        triage.model_threshold,
        trained.digest,
        trained.classifier("grade"),
        triage.grade_threshold,
        triage.urgent_threshold,
    )


def decided_by(decision: Decision) -> str:
    """The step that set the routed grade last: a rule, a rule's min_grade, the category's
    floor, the grade model, or the default."""
    who = "default"
    for step in decision.trace:
        for effect in step.effects:
            if effect.field == "grade" and effect.applied:
                who = f"{step.rule} [{step.reason}]"
    return who


def discounted(decision: Decision) -> str:
    """The rules whose words were found but did not count, with the cue or phrase."""
    return "; ".join(
        f"{step.rule}: {dict(step.facts).get('word', '')} ({dict(step.facts).get('by', '')})"
        for step in decision.trace
        if step.reason == "not_counted"
    )


def stages(decision: Decision) -> dict[str, str]:
    """The grade the rules gave (before the category's floor and the grade model), the floor's
    grade when it raised it, who chose the category, and the highest discounted grade."""
    grade, rules, floor, chosen_by = "general", "", "", "default"
    for step in decision.trace:
        for effect in step.effects:
            if effect.field == "category" and effect.applied:
                chosen_by = "model" if step.reason == "model" else "rule"
            if effect.field != "grade" or not effect.applied:
                continue
            if step.reason in ("category_min_grade", "model_grade") and not rules:
                rules = grade
            if step.reason == "category_min_grade":
                floor = effect.value
            grade = effect.value
    return {"rules": rules or grade, "floor": floor, "category_by": chosen_by}


def run(settings: Settings, rows: list[Labelled], extra: list[Example], show: set[str]) -> Figures:
    figures = Figures()
    fold = folds_of(rows)
    for number in range(FOLDS):
        train = [
            Example(row.text, row.category, grade=row.grade)
            for row, f in zip(rows, fold, strict=True)
            if f != number
        ]
        model = model_of(fitted([*train, *extra]), settings)
        decide = router_of(
            settings.rules, settings.service_levels, settings.default_language, model
        )
        for row, f in zip(rows, fold, strict=True):
            if f != number:
                continue
            decision = decide(row.text)
            language = row.language
            figures.rows[language] += 1
            figures.category[language] += decision.category == row.category
            figures.grade[language] += decision.grade == row.grade
            figures.confusion[language][row.grade, decision.grade] += 1
            assert model.grader is not None
            probabilities = model.grader.probabilities(*model.grader.features.vector(row.text))
            figures.decisions.append(
                {
                    "language": language,
                    "gold": row.grade,
                    "routed": decision.grade,
                    "category_right": decision.category == row.category,
                    "by": decided_by(decision),
                    "discounted": discounted(decision),
                    "grade_model": dict(
                        zip(model.grader.labels, map(float, probabilities), strict=True)
                    ),
                    **stages(decision),
                }
            )
            if decision.grade != row.grade and language in show:
                guess = model.suggest_grade(row.text)
                figures.misses.append(
                    {
                        "language": language,
                        "where": row.where,
                        "gold": row.grade,
                        "routed": decision.grade,
                        "category": f"{row.category}->{decision.category}",
                        "by": decided_by(decision),
                        "model": f"{guess.label} {guess.probability:.2f}" if guess else "-",
                        "discounted": discounted(decision),
                        "text": " ".join(row.text.split()),
                    }
                )
        print(f"  fold {number + 1}/{FOLDS} routed", file=sys.stderr)
    return figures


def report(figures: Figures, show: set[str]) -> list[str]:
    lines = [f"{'language':<9} {'rows':>5} {'category':>9} {'grade':>8}"]
    for language in LANGUAGES:
        n = figures.rows[language]
        if n:
            category, grade = figures.category[language] / n, figures.grade[language] / n
            lines.append(f"{language:<9} {n:>5} {category:>9.1%} {grade:>8.1%}")
    for language in sorted(show):
        lines += ["", f"{language} grade confusion (rows gold, columns routed):"]
        lines.append(" " * 10 + "".join(f"{g:>10}" for g in GRADES))
        for gold in GRADES:
            cells = "".join(f"{figures.confusion[language][gold, g]:>10}" for g in GRADES)
            lines.append(f"{gold:<10}{cells}")
    misses = sorted(figures.misses, key=lambda m: (m["language"], m["gold"], m["routed"], m["by"]))
    lines += ["", f"grade misses of {', '.join(sorted(show))}: {len(misses)}"]
    for miss in misses:
        lines.append(
            f"  {miss['where'].rsplit('/', 1)[-1]} {miss['gold']}->{miss['routed']} "
            f"by {miss['by']}; model {miss['model']}; {miss['category']}"
            + (f"; not counted: {miss['discounted']}" if miss["discounted"] else "")
        )
        lines.append(f"      {miss['text'][:220]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", type=Path, default=ROOT / "settings.toml")
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="more training rows")
    parser.add_argument("--grade-threshold", type=float, help="overrides [triage]")
    parser.add_argument("--urgent-threshold", type=float, help="overrides [triage]")
    parser.add_argument("--misses", default="es", help="languages to list grade misses of (a,b)")
    parser.add_argument("--json", type=Path, help="also write the figures and misses here")
    args = parser.parse_args(argv)
    settings = load_settings(args.settings)
    thresholds = {
        name: value
        for name, value in (
            ("grade_threshold", args.grade_threshold),
            ("urgent_threshold", args.urgent_threshold),
        )
        if value is not None
    }
    settings = replace(settings, triage=settings.triage.model_copy(update=thresholds))
    categories = list(settings.rules.categories)
    rows = read_labelled(training_files(labelled_directory()), categories)
    extra = [
        Example(row.text, row.category, grade=row.grade)
        for row in (read_labelled(args.extra, categories) if args.extra else [])
    ]
    show = {language for language in args.misses.split(",") if language}
    figures = run(settings, rows, extra, show)
    print("\n".join(report(figures, show)))
    if args.json:
        summary = {
            language: {
                "rows": figures.rows[language],
                "category": figures.category[language] / figures.rows[language],
                "grade": figures.grade[language] / figures.rows[language],
            }
            for language in LANGUAGES
            if figures.rows[language]
        }
        data = {"summary": summary, "misses": figures.misses, "decisions": figures.decisions}
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
