"""The disk cache of fitted triage models (`[triage] model_cache`): a start on a new store loads
what an earlier start on this machine fitted, a file that cannot be read is fitted again and
rewritten, a model fitted by other code is never loaded, and "" keeps no file. Real fits (in a
child process, of a small training set) and real SQLite stores; only this process's memory of
fitted models is set aside, as a new process would start."""

from __future__ import annotations

import asyncio
import logging
import os
import pwd
import signal
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

import admin.triage
import admin.triage_fit
import router.model
from admin.settings import TriageSettings
from admin.triage import Triage
from admin.triage_cache import KEEP, ModelCache
from admin.triage_child import ChildFits
from admin.triage_fit import model_digest
from complaints.clock import ManualClock
from router.model import CategoryModel, Example, training_digest
from store.database import Database
from store.queries.triage import stored_triage_model
from tests.conftest import START, write_settings
from tests.router.test_model import EXAMPLES
from tests.test_bot import free_port, read_until, run_bot

TEXTS = ("I was charged twice on my card", "the repair took a month", "退款还没有到")


class Starts:
    """Starts of the triage model, each on a new SQLite store, as a new bot process on this
    machine would start (nothing remembered in this process); counts the fits they make."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.fits = 0
        self.databases: list[Database] = []
        fit = ChildFits.fit

        def counted(fits: ChildFits, examples: Sequence[Example]) -> bytes:
            self.fits += 1
            return fit(fits, examples)

        monkeypatch.setattr(ChildFits, "fit", counted)

    def start(self, cache: str) -> CategoryModel:
        self.monkeypatch.setattr(router.model, "_trained", {})
        database = Database(f"sqlite:///{self.folder / f'store-{len(self.databases)}.db'}")
        self.databases.append(database)
        database.upgrade()
        settings = TriageSettings(model_cache=cache)
        model = Triage(database, ManualClock(START), EXAMPLES, settings).start()
        assert model is not None
        return model

    def stored(self) -> bytes | None:
        """The fitted model the newest store keeps."""
        digest = model_digest(EXAMPLES)
        return self.databases[-1].write_now(lambda s: stored_triage_model(s, digest=digest))


@pytest.fixture
def starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Starts]:
    made = Starts(tmp_path, monkeypatch)
    yield made
    for database in made.databases:
        database.close()


def test_a_start_on_a_new_store_loads_the_model_an_earlier_start_fitted(
    starts: Starts, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    first = starts.start(str(cache))
    assert starts.fits == 1
    [kept] = cache.iterdir()
    assert kept.name == f"{first.digest}.npz"
    assert kept.read_bytes() == starts.stored()  # the store and the cache keep the same model

    with caplog.at_level(logging.INFO, logger="admin.triage"):
        second = starts.start(str(cache))
    assert starts.fits == 1  # loaded, not fitted
    assert "triage model loaded from the cache" in caplog.text
    assert second.version == 1 and second.digest == first.digest
    assert starts.stored() == kept.read_bytes()  # stored for the store's other instances
    for text in TEXTS:
        assert second.suggest(text) == first.suggest(text)


async def test_a_bot_process_on_a_new_store_loads_the_shipped_model_from_the_cache(
    tmp_path: Path,
) -> None:
    """As an operator (or the test run) starts bots: processes on two new stores, one after the
    other, with the run's cache (`"auto"`). The first fits the shipped set or loads it, if a
    start before it fitted it; the second loads it, and starts no fit."""
    logs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        path = write_settings(tmp_path / name, {"http": {"port": free_port()}})
        process = await run_bot("--config", str(path))
        assert process.stderr is not None
        try:
            logs.append(await read_until(process.stderr, "Application startup complete"))
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                await process.communicate()
    assert "triage model loaded from the cache" in logs[1], logs[1]
    assert "triage model fitted" not in logs[1]


@pytest.mark.parametrize("damage", ["cut short", "not a model", "pickled"])
def test_a_cache_file_that_cannot_be_read_is_fitted_again_and_rewritten(
    starts: Starts, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    cache = tmp_path / "cache"
    first = starts.start(str(cache))
    kept = cache / f"{first.digest}.npz"
    whole = kept.read_bytes()
    kept.write_bytes(
        {
            "cut short": whole[: len(whole) // 2],
            "not a model": b"not a model at all",
            "pickled": b"\x80\x04\x95" + whole[:64],  # a pickle's header: never unpickled
        }[damage]
    )

    with caplog.at_level(logging.WARNING, logger="admin.triage_cache"):
        again = starts.start(str(cache))
    assert starts.fits == 2
    [warning] = [record for record in caplog.records if record.name == "admin.triage_cache"]
    assert warning.levelno == logging.WARNING
    assert f"{first.digest}.npz cannot be read" in warning.getMessage()
    assert kept.read_bytes() == whole  # rewritten: the fit is deterministic
    for text in TEXTS:
        assert again.suggest(text) == first.suggest(text)


def test_no_cache_keeps_no_file(
    starts: Starts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`model_cache = ""`: neither the folder "auto" would name nor any other gets a file, and
    the next start on a new store fits again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    starts.start("")
    starts.start("")
    assert starts.fits == 2
    assert not list(tmp_path.rglob("*.npz"))
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_a_model_fitted_by_other_code_is_never_loaded(
    starts: Starts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest names the fitting code too (its modules' source and the libraries' versions):
    after an upgrade that changes them, the same training data is fitted anew."""
    cache = tmp_path / "cache"
    before = starts.start(str(cache))
    assert before.digest != training_digest(EXAMPLES)
    monkeypatch.setattr(admin.triage_fit, "fitting_code", lambda: "the next version's code")
    after = starts.start(str(cache))
    assert starts.fits == 2 and after.digest != before.digest
    assert sorted(path.name for path in cache.iterdir()) == sorted(
        f"{model.digest}.npz" for model in (before, after)
    )


def test_the_fitting_code_digest_lists_the_fitting_modules_and_scikit_learn() -> None:
    assert {"router.fit", "router.features", "router.model"} <= set(
        admin.triage_fit.FITTING_MODULES
    )
    assert "scikit-learn" in admin.triage_fit.FITTING_LIBRARIES
    assert len(admin.triage_fit.fitting_code()) == 64


def test_the_folder_keeps_the_models_used_last(tmp_path: Path) -> None:
    """Each set of corrections makes a new model: the folder keeps the `KEEP` used last."""
    cache = ModelCache(tmp_path)
    data = b"a model"
    for number in range(KEEP):
        cache.save(f"{number:064x}", data)
        os.utime(tmp_path / f"{number:064x}.npz", (number, number))  # used long ago, in turn
    os.utime(tmp_path / f"{0:064x}.npz")  # used now (as a load does)
    for number in range(KEEP, KEEP + 2):
        cache.save(f"{number:064x}", data)
    kept = sorted(int(path.stem, 16) for path in tmp_path.glob("*.npz"))
    assert kept == [0, *range(3, KEEP + 2)]
    assert not list(tmp_path.glob(".*"))  # no temporary file is left


def test_an_unwritable_folder_is_reported_and_the_model_still_used(
    starts: Starts, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING, logger="admin.triage_cache"):
        ModelCache(blocked / "triage").save("0" * 64, b"data")
    assert "cannot write to" in caplog.text and "[triage] model_cache" in caplog.text
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="admin.triage_cache"):
        model = starts.start(str(blocked / "triage"))  # fitted, not kept, and routing
    assert "cannot write to" in caplog.text
    assert model.version == 1 and starts.stored() is not None
    assert model.classifier.rows == len(EXAMPLES)
    assert model.suggest(TEXTS[0]).label == "billing"  # the model routes


def test_auto_is_the_users_cache_folder() -> None:
    auto = TriageSettings()
    assert auto.cache_folder({"XDG_CACHE_HOME": "/var/cache/me"}) == Path(
        "/var/cache/me/complaint-bot/triage"
    )
    assert auto.cache_folder({}) == Path.home() / ".cache/complaint-bot/triage"
    assert auto.cache_folder({"XDG_CACHE_HOME": "relative"}) == auto.cache_folder({})
    assert TriageSettings(model_cache="").cache_folder() is None
    assert TriageSettings(model_cache="~/models").cache_folder() == Path.home() / "models"
    with pytest.raises(ValueError, match="absolute folder"):
        TriageSettings(model_cache="models")


def test_a_model_with_a_correction_is_not_kept_on_disk(
    starts: Starts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model fitted with an agent's correction holds the corrected complaint's text (hashed):
    it stays in the store, where erasure reaches it, and is neither written to the cache nor
    read from it. The shipped rows' model is kept as before."""
    cache = tmp_path / "cache"
    shipped = starts.start(str(cache))
    correction = Example("the courier left my parcel in the rain", "delivery", corrected=True)
    monkeypatch.setattr(
        admin.triage, "_corrections", lambda session: admin.triage._Corrections(1, (correction,))
    )
    corrected = starts.start(str(cache))
    assert corrected.digest != shipped.digest
    assert [path.name for path in cache.iterdir()] == [f"{shipped.digest}.npz"]
    assert starts.fits == 2

    (cache / f"{corrected.digest}.npz").write_bytes((cache / f"{shipped.digest}.npz").read_bytes())
    starts.start(str(cache))  # a file under that name is not read: fitted again
    assert starts.fits == 3


def test_pruning_deletes_only_this_caches_files(tmp_path: Path) -> None:
    """A shared folder may hold other .npz files: only models named by a digest are pruned,
    and temporary files of this cache only when a killed writer left them over an hour ago."""
    cache = ModelCache(tmp_path)
    others = [tmp_path / "weights.npz", tmp_path / f"{'A' * 64}.npz", tmp_path / ".x.tmp"]
    for other in others:
        other.write_bytes(b"not ours")
        os.utime(other, (0, 0))
    left = tmp_path / f".{'1' * 64}.abc123.tmp"
    writing = tmp_path / f".{'2' * 64}.def456.tmp"
    for temporary in (left, writing):
        temporary.write_bytes(b"half a model")
    hour_ago = time.time() - 3601
    os.utime(left, (hour_ago, hour_ago))
    for number in range(KEEP + 1):
        cache.save(f"{number:064x}", b"a model")
        os.utime(tmp_path / f"{number:064x}.npz", (number + 1, number + 1))
    cache.save(f"{KEEP + 1:064x}", b"a model")
    assert all(other.exists() for other in others)
    assert not left.exists() and writing.exists()
    assert len(list(tmp_path.glob("[0-9a-f]*.npz"))) == KEEP


def test_no_home_folder_means_no_cache_and_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Under an arbitrary user id in a container there is no HOME and no passwd entry: "auto"
    (without XDG_CACHE_HOME) and "~" name no folder; the bot goes on without a cache."""

    def no_entry(uid: int) -> object:
        raise KeyError(uid)

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    with pytest.raises(RuntimeError):
        Path.home()  # the failure the settings must absorb
    for value in ("auto", "~/models"):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="admin.settings"):
            assert TriageSettings(model_cache=value).cache_folder({}) is None
        [warning] = caplog.records
        assert "set [triage] model_cache to an absolute folder" in warning.getMessage()
    assert TriageSettings().cache_folder({"XDG_CACHE_HOME": "/var/cache/me"}) == Path(
        "/var/cache/me/complaint-bot/triage"
    )
