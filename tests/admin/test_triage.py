"""The triage model in the running bot: trained at start on the shipped train set only, taught by
an agent's correction (through the real API), retrained and versioned in the store, and used by
intake and the dry run."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import bot
import router.model
from admin.triage import Triage
from admin.triage_child import ChildFits
from admin.triage_data import (
    labelled_directory,
    shipped_examples,
    training_files,
)
from complaints.clock import ManualClock
from complaints.languages import SUPPORTED
from config import load_settings
from router import NEEDS_TRIAGE
from tests.conftest import ROOT, START
from tests.router.test_model import EXAMPLES
from tests.web.conftest import Desk, rows

CATEGORIES = load_settings(ROOT / "settings.toml").rules.categories
FIRST = "The flux capacitor from your website hums all night."
SIMILAR = "The flux capacitor from your website hums all night long!"


@pytest.fixture
async def desk(start_bot: Callable[..., Awaitable[Any]]) -> AsyncIterator[Desk]:
    running = Desk(await start_bot(clock=ManualClock(START), background=False), ManualClock(START))
    yield running
    for client in running.clients:
        await client.aclose()


def triage_of(desk: Desk) -> Triage:
    triage: Triage = desk.app.state.services.triage
    return triage


def model_steps(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The category model's steps (not the grade model's)."""
    return [step for step in trace if step["reason"] in ("model", "model_unsure")]


# ---- what it trains on ----------------------------------------------------------------------


def test_training_reads_only_the_train_files_of_every_language() -> None:
    directory = labelled_directory()
    names = [path.name for path in training_files(directory)]
    assert names == sorted(f"train-{language}.jsonl" for language in SUPPORTED)
    held_out = {
        json.loads(line)["text"]
        for path in directory.glob("heldout-*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert len(held_out) >= 4 * 130
    written = {
        json.loads(line)["text"]
        for path in training_files(directory)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    trained = {row.text for row in shipped_examples(directory, CATEGORIES)}
    assert trained == written and not trained & held_out


def test_a_held_out_file_beside_the_train_file_is_never_read(tmp_path: Path) -> None:
    def write(name: str, text: str, category: str) -> None:
        row = {"text": text, "language": "en", "category": category, "grade": "general"}
        (tmp_path / name).write_text(json.dumps(row) + "\n", encoding="utf-8")

    write("train-en.jsonl", "charged twice", "billing")
    write("heldout-en.jsonl", "a held-out complaint", "billing")
    write("notes.jsonl", "not a training file", "billing")
    (tmp_path / "README.md").write_text("train-en.jsonl is the training file\n")
    assert [row.text for row in shipped_examples(tmp_path, CATEGORIES)] == ["charged twice"]


def test_a_broken_training_file_stops_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "train-en.jsonl").write_text('{"text": "ok", "category": "billing"}\n{oops\n')
    with pytest.raises(Exception, match=r"train-en.jsonl:2: expected a JSON object"):
        shipped_examples(tmp_path, CATEGORIES)


# ---- learning from a correction -------------------------------------------------------------


async def test_an_agents_correction_changes_the_suggestion_for_a_similar_later_complaint(
    desk: Desk,
) -> None:
    triage = triage_of(desk)
    assert triage.current is not None and triage.current.version == 1
    first = await desk.complain(FIRST, customer="c-1")
    assert first["category"] != "installation"  # no rule matches; the model reads a defect
    agent = await desk.account(
        "Ana", role="supervisor", departments=("customer_care", "quality", "technical_service")
    )
    shown = (await agent.get(f"/api/complaints/{first['complaint']}")).json()
    [guess] = model_steps(shown["routing_trace"])
    assert guess["rule"] == "model v1" and "installation" not in guess["detail"]
    assert await triage.refresh() is False  # no correction yet: nothing to learn

    corrected = await agent.post(
        f"/api/complaints/{first['complaint']}/correct",
        json={"category": "installation", "reason": "it hums because of how it was mounted"},
    )
    assert corrected.status_code == 200, corrected.text
    assert await triage.refresh() is True
    assert triage.current is not None and triage.current.version == 2
    [event] = rows(desk, "SELECT id FROM events WHERE kind = 'corrected'")
    versions = rows(desk, "SELECT * FROM triage_models ORDER BY version")
    assert [(v["version"], v["corrections"], v["corrections_up_to"]) for v in versions] == [
        (1, 0, 0),
        (2, 1, event["id"]),
    ]
    assert versions[1]["rows"] == versions[0]["rows"] + 1

    later = await desk.complain(SIMILAR, customer="c-2")
    assert (later["category"], later["department"]) == ("installation", "technical_service")
    shown = (await agent.get(f"/api/complaints/{later['complaint']}")).json()
    assert NEEDS_TRIAGE not in shown["complaint"]["tags"]
    [step] = model_steps(shown["routing_trace"])
    assert step["rule"] == "model v2" and step["matched"] is True
    assert step["detail"].startswith("installation 0.")
    assert step["detail"].endswith(", like a corrected complaint")
    unrelated = await desk.complain(
        "Your car park barrier never opens with my ticket", customer="c-3"
    )
    assert unrelated["category"] != "installation"
    assert await triage.refresh() is False  # learnt already: no new version
    assert len(rows(desk, "SELECT version FROM triage_models")) == 2


async def test_an_agents_grade_correction_raises_the_grade_of_a_similar_later_complaint(
    desk: Desk,
) -> None:
    triage = triage_of(desk)
    first = await desk.complain(FIRST, customer="c-1")
    assert first["grade"] == "general"
    agent = await desk.account(
        "Ana", role="supervisor", departments=("customer_care", "quality", "technical_service")
    )
    corrected = await agent.post(
        f"/api/complaints/{first['complaint']}/correct",
        json={"grade": "important", "reason": "it keeps a clinic awake"},
    )
    assert corrected.status_code == 200, corrected.text
    [event] = rows(desk, "SELECT id FROM events WHERE kind = 'grade_corrected'")
    assert await triage.refresh() is True
    [_, version] = rows(desk, "SELECT * FROM triage_models ORDER BY version")
    assert (version["corrections"], version["corrections_up_to"]) == (1, event["id"])

    later = await desk.complain(SIMILAR, customer="c-2")
    assert later["grade"] == "important"
    shown = (await agent.get(f"/api/complaints/{later['complaint']}")).json()
    [step] = [s for s in shown["routing_trace"] if s["reason"] == "model_grade"]
    assert step["rule"] == "model v2" and step["facts"]["was"] == "general"
    assert step["detail"].startswith("grade important ")
    assert step["detail"].endswith(", like a corrected complaint")
    unrelated = await desk.complain(
        "Your car park barrier never opens with my ticket", customer="c-3"
    )
    assert unrelated["grade"] == "general"


async def test_below_the_threshold_a_complaint_waits_for_triage(
    start_bot: Callable[..., Awaitable[Any]],
) -> None:
    clock = ManualClock(START)
    unsure = Desk(
        await start_bot({"triage": {"model_threshold": 1.0}}, clock, background=False), clock
    )
    complaint = await unsure.complain(FIRST, customer="c-1")
    assert (complaint["category"], complaint["department"]) == ("other", "customer_care")
    [stored] = rows(unsure, "SELECT tags, routing_trace FROM complaints")
    assert json.loads(stored["tags"]) == [NEEDS_TRIAGE]
    [step] = model_steps(json.loads(stored["routing_trace"]))
    assert step["matched"] is False and step["detail"].startswith("best guess ")
    assert step["detail"].endswith(", below the threshold 1.00")


async def test_another_instance_loads_the_same_version_from_the_store(desk: Desk) -> None:
    first = await desk.complain(FIRST, customer="c-1")
    agent = await desk.account(
        "Ana", role="supervisor", departments=("customer_care", "quality", "technical_service")
    )
    corrected = await agent.post(
        f"/api/complaints/{first['complaint']}/correct", json={"category": "installation"}
    )
    assert corrected.status_code == 200, corrected.text
    assert await triage_of(desk).refresh() is True
    other = bot.build_app(
        load_settings(desk.bot.settings_path), ManualClock(START), sweep_in_background=False
    )
    try:
        triage: Triage = other.state.services.triage
        assert triage.current is not None and triage.current.version == 2
        assert triage.current.digest == triage_of(desk).current.digest  # type: ignore[union-attr]
        assert triage.current.suggest(SIMILAR).label == "installation"
        assert len(rows(desk, "SELECT version FROM triage_models")) == 2
    finally:
        other.state.services.database.close()


async def test_a_start_fits_in_a_child_process_stores_the_model_and_the_next_loads_it(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Training data new to the store is fitted (in a child process) and stored with its
    version; a start on the same store, with this process's memory of fitted models set aside
    and fitting made impossible, loads it and suggests the same."""
    database = desk.app.state.services.database
    settings = load_settings(desk.bot.settings_path).triage
    monkeypatch.setattr(router.model, "_trained", {})
    first = Triage(database, ManualClock(START), EXAMPLES, settings).start()
    assert first is not None and first.version == 2  # the shipped set's is 1
    [stored] = rows(desk, "SELECT digest, fitted FROM triage_models WHERE version = 2")
    assert stored["digest"] == first.digest and len(stored["fitted"]) > 1000

    def no_fit(fits: ChildFits, examples: object) -> bytes:
        raise AssertionError("fitted again although the store holds the model")

    monkeypatch.setattr(ChildFits, "fit", no_fit)
    monkeypatch.setattr(router.model, "_trained", {})
    again = Triage(database, ManualClock(START), EXAMPLES, settings).start()
    assert again is not None and again.version == 2
    for text in ("I was charged twice on my card", "the repair took a month", "退款还没有到"):
        assert again.suggest(text) == first.suggest(text)
    assert len(rows(desk, "SELECT version FROM triage_models")) == 2


# ---- trying rules ---------------------------------------------------------------------------


async def test_the_dry_run_shows_the_models_suggestion(desk: Desk) -> None:
    supervisor = await desk.account("Sam", role="supervisor", departments=("customer_care",))
    text = "Still waiting for my money back for the returned shoes. It has been five weeks."
    tried = await supervisor.post("/api/rules/dry-run", json={"text": text})
    assert tried.status_code == 200, tried.text
    decided = tried.json()
    [step] = model_steps(decided["trace"])
    category, probability = step["detail"].split()
    assert step["rule"] == "model v1" and step["matched"] is True
    assert category == decided["category"] == "billing"
    assert float(probability) >= load_settings(ROOT / "settings.toml").triage.model_threshold
    assert decided["department"] == CATEGORIES["billing"].department
