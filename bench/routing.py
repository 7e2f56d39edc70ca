"""CPU of the router alone: `route` over the labelled training files, as intake calls it.

    .venv/bin/python bench/routing.py [--limit N] [--profile FILE] [--fingerprint FILE]

Loads the shipped settings and the triage model a fresh store would use (fitted once in this
process, or read from `--model-cache` when given and present), routes every row of
router/data/labelled/train-*.jsonl as `admin.routing_evaluation` does (a fresh webhook complaint
at a fixed time), and prints milliseconds per complaint: the whole `route`, and the stored form
of its trace (`router.stored_trace.stored` and its JSON encoding, done in intake's writer).

`--fingerprint FILE` writes one line per row with every decided field and the whole trace, so
two runs (before and after a change) can be compared with `cmp`: a speed-up of the router must
not change a single decision or its why. `--profile FILE` writes cProfile's statistics
(`python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the packages are importable only from the root
    sys.path.insert(0, str(ROOT))

from admin.routing_evaluation import read_labelled, router_of  # noqa: E402
from admin.triage_data import labelled_directory, shipped_examples  # noqa: E402
from config import load_settings  # noqa: E402
from router.model import CategoryModel, Trained, remember, train, training_digest  # noqa: E402
from router.stored_trace import stored  # noqa: E402


def shipped_model(settings_path: Path, cache: Path | None) -> CategoryModel:
    """The model a fresh store fits from the shipped rows; `cache` saves the fitting next time."""
    settings = load_settings(settings_path)
    examples = shipped_examples(labelled_directory(), settings.rules.categories)
    digest = training_digest(examples)
    if cache is not None and cache.exists():
        remember(Trained.from_bytes(digest, cache.read_bytes()))
    classifier, _ = train(examples)
    grader, _ = train(examples, "grade")
    if cache is not None and not cache.exists():
        from router.model import remembered

        trained = remembered(digest)
        assert trained is not None
        cache.write_bytes(trained.to_bytes())
    triage = settings.triage
    return CategoryModel(
        classifier,
        1,
        triage.model_threshold,
        digest,
        grader,
        triage.grade_threshold,
        triage.urgent_threshold,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="route only the first N rows")
    parser.add_argument("--profile", type=Path, help="cProfile statistics into FILE")
    parser.add_argument("--fingerprint", type=Path, help="every decision and trace into FILE")
    parser.add_argument("--model-cache", type=Path, help="fitted model arrays, read or written")
    args = parser.parse_args(argv)
    settings_path = ROOT / "settings.toml"
    settings = load_settings(settings_path)
    rules = settings.rules
    model = shipped_model(settings_path, args.model_cache)
    files = sorted(labelled_directory().glob("train-*.jsonl"))
    rows = read_labelled(files, rules.categories)
    rows = rows[: args.limit] if args.limit else rows
    decide = router_of(rules, settings.service_levels, settings.default_language, model)
    decide(rows[0].text)  # caches warm, as in a running bot

    profiler = cProfile.Profile() if args.profile else None
    began = time.process_time()
    if profiler is not None:
        profiler.enable()
    decisions = [decide(row.text) for row in rows]
    if profiler is not None:
        profiler.disable()
    routed = time.process_time() - began
    began = time.process_time()
    kept = [json.dumps(stored(d.trace)) for d in decisions]  # as the store's JSON column does
    encoded = time.process_time() - began
    full = sum(len(json.dumps(d.trace_as_json())) for d in decisions) / len(decisions)
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
    size = sum(len(text) for text in kept) / len(kept)
    print(
        f"{len(rows)} complaints: route {1000 * routed / len(rows):.3f} ms CPU each, "
        f"stored trace {1000 * encoded / len(rows):.3f} ms and {size / 1024:.1f} KB each "
        f"(full form {full / 1024:.1f} KB)"
    )
    if args.fingerprint is not None:
        with args.fingerprint.open("w", encoding="utf-8") as out:
            for decision in decisions:
                fields = [
                    decision.category,
                    decision.department,
                    decision.grade,
                    list(decision.tags),
                    decision.language,
                    decision.first_response_due.isoformat(),
                    decision.resolution_due.isoformat(),
                ]
                trace = json.dumps(decision.trace_as_json(), ensure_ascii=False)
                out.write(json.dumps(fields, ensure_ascii=False) + "\t" + trace + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
