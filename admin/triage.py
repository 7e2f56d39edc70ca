"""The triage model in force: fitted on the shipped labelled set and the agents' corrections,
refitted when new corrections appear, each training data set recorded as a numbered version with
its fitted arrays (store/queries/triage.py).

`Triage.current` is what intake, dry runs, backtests and the evaluation route with; like
`RuleBook.current` it is swapped whole, never changed in place. A model comes from, in order: this
process (the same data fitted or loaded before: the hundreds of apps a test run builds), the
store (a version another start or instance fitted: loaded in a fraction of a second), this
machine's disk cache (admin.triage_cache: a model an earlier start fitted for another database),
or a fit in a child process, stored for the others and kept in the disk cache. The child alone
imports scikit-learn and holds the fit's peak memory; this process keeps only the arrays, and
every instance finds the same corrections in the shared store, so all route with the same model.
Instances that need the same new model at once fit it one at a time (store.fit_lock): the first
fits and stores it, the others wait and load it.

A start blocks for a fit only when the store holds no model it may route with: when it holds one
of fewer corrections (the bot stopped while it retrained: `stop` ends that fit at once), it
serves with that one and the refresh job, which runs at once, fits the newer corrections in the
background.

Models are known by `model_digest`: the training data and the code that fits it, so a model
fitted by older code is never loaded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from sqlmodel import Session

from admin.settings import TriageSettings
from admin.triage_cache import ModelCache
from admin.triage_child import ChildFits, FitStopped
from admin.triage_data import corrected_examples
from admin.triage_fit import model_digest
from complaints.clock import Clock
from router.model import (
    CategoryModel,
    Classifier,
    Example,
    Trained,
    remember,
    remembered,
)
from store.database import Database
from store.fit_lock import fitting
from store.queries.triage import (
    last_correction_id,
    record_triage_model,
    stored_triage_model,
    triage_corrections,
    triage_model_versions,
)

log = logging.getLogger(__name__)

EARLIER_TRIED = 3
"""How many of the store's newest models a start looks at for one it may serve with while it
retrains (`Triage.start`)."""

STOP_WITHIN = 15.0
"""Seconds `Triage.stop` waits for a refresh to return; its fit ends within
admin.triage_child.GRACE."""


@dataclass(frozen=True)
class _Corrections:
    up_to: int
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class _Found:
    """A training set's model and, when the caller must store it (from the disk cache, or fitted
    on SQLite), its bytes."""

    trained: Trained
    fitted: bytes | None = None


class Triage:
    def __init__(
        self, database: Database, clock: Clock, shipped: Sequence[Example], settings: TriageSettings
    ) -> None:
        """`shipped`: the labelled training rows (admin.triage_data.shipped_examples)."""
        self.database = database
        self.clock = clock
        self.shipped = tuple(shipped)
        self.settings = settings
        self.cache = ModelCache(settings.cache_folder())
        self.fits = ChildFits()
        self.current: CategoryModel | None = None
        self._up_to = -1
        """The newest correction event trained on; -1 before the first training."""
        self._refreshing: set[asyncio.Task[object]] = set()

    def start(self) -> CategoryModel | None:
        """Load or fit now, blocking: at start, before anything is routed. When the store has
        no model of every correction but one of the corrections up to an earlier one, that one
        is in force at once, and `refresh` (the bot's job runs it at once) fits the rest in the
        background; only a store with no model this code may load makes the start fit first."""
        corrections = self.database.write_now(_corrections)
        examples = self._examples(corrections)
        digest = model_digest(examples)
        found = _remembered(digest)
        if found is None:
            stored = self.database.write_now(partial(_stored, digest))
            if stored is None and corrections.examples and (earlier := self._earlier()):
                return earlier
            found = self._found(digest, examples, corrections, stored)
        model = self._model(found.trained)
        if model is not None:
            record = partial(
                self._record, model.digest, model.classifier.rows, corrections, found.fitted
            )
            model = replace(model, version=self.database.write_now(record))
        self._up_to, self.current = corrections.up_to, model
        return model

    def _earlier(self) -> CategoryModel | None:
        """The newest stored model this code fitted on the shipped rows and the corrections up
        to an earlier event, as they still are (an erasure may have removed one since), in
        force; None when there is none."""
        versions = self.database.write_now(triage_model_versions)
        versions.sort(key=lambda v: (v.corrections_up_to, v.version), reverse=True)
        for version in versions[:EARLIER_TRIED]:
            up_to = version.corrections_up_to
            corrections = self.database.write_now(partial(_corrections, up_to=up_to))
            if model_digest(self._examples(corrections)) != version.digest:
                continue  # fitted by other code (before an upgrade), or on other data
            found = _remembered(version.digest)
            if found is None:
                began = time.monotonic()
                stored = self.database.write_now(partial(_stored, version.digest))
                if stored is None:
                    continue
                found = _loaded(version.digest, stored, "the store", began)
            model = self._model(found.trained)
            if model is None:
                continue
            assert version.version is not None  # a stored row's
            self._up_to, self.current = up_to, replace(model, version=version.version)
            log.info(
                "triage model version %d in force; the corrections after it are learnt in the "
                "background",
                version.version,
            )
            return self.current
        return None

    async def refresh(self) -> bool:
        """Refit when a correction newer than the last one trained on exists; True when a new
        model is in force. The check reads only the events after that one; the fit runs in a
        child process, so the event loop keeps serving. A fit that `stop` (the bot stopping)
        ends is reported in one line and tried again by the next refresh or start."""
        task = asyncio.current_task()
        assert task is not None
        self._refreshing.add(task)
        try:
            return await self._refresh()
        except FitStopped as stopped:
            log.info(
                "triage model retraining interrupted (%s); it runs again at the next check "
                "or start",
                stopped,
            )
            return False
        except asyncio.CancelledError:
            self.fits.stop()  # cancelled: the bot stops, and its fit must not outlive it
            raise
        finally:
            self._refreshing.discard(task)

    async def stop(self) -> None:
        """At the bot's stop: end the fit under way, if any (its child process within
        admin.triage_child.GRACE seconds), and wait for its refresh to return, so that nothing
        is left to cancel; no fit starts after. The next start retrains."""
        self.fits.stop()
        if self._refreshing:
            await asyncio.wait(self._refreshing, timeout=STOP_WITHIN)

    async def _refresh(self) -> bool:
        seen = self._up_to
        newest = await self.database.read(lambda s: last_correction_id(s, after=max(seen, 0)))
        if newest <= seen:
            return False
        corrections = await self.database.read(lambda s: _corrections(s, up_to=newest))
        examples = self._examples(corrections)
        digest = model_digest(examples)
        found = _remembered(digest)
        if found is None:
            stored = await self.database.read(partial(_stored, digest))
            found = await asyncio.to_thread(self._found, digest, examples, corrections, stored)
        model = self._model(found.trained)
        if model is not None:
            record = partial(
                self._record, model.digest, model.classifier.rows, corrections, found.fitted
            )
            model = replace(model, version=await self.database.write(record))
        if self._up_to != seen:  # another refresh got there first
            return False
        self._up_to, self.current = corrections.up_to, model
        if model is not None:
            log.info(
                "triage model version %d in force: %d rows, %d from corrections",
                model.version,
                model.classifier.rows,
                len(corrections.examples),
            )
        return model is not None

    def _found(
        self,
        digest: str,
        examples: Sequence[Example],
        corrections: _Corrections,
        stored: bytes | None,
    ) -> _Found:
        """The model of `digest`: the `stored` one, the disk cache's, or one fitted now in a
        child process (blocking). A fit holds the store's fitting lock until the model is
        stored, so an instance that waited for the lock loads the model instead of fitting."""
        began = time.monotonic()
        if stored is not None:
            return _loaded(digest, stored, "the store", began)
        # Only models of the shipped rows alone go through the disk cache: one with corrections
        # holds customers' corrected texts (hashed), which must stay in the store (erasure).
        cached = None if corrections.examples else self.cache.load(digest)
        if cached is not None:
            trained = remember(cached.trained)
            log.info("triage model loaded from the cache in %.2f s", time.monotonic() - began)
            return _Found(trained, cached.data)
        with fitting(self.database, digest) as waited:
            if waited and (stored := self.database.write_now(partial(_stored, digest))):
                return _loaded(digest, stored, "the store after another instance fitted it", began)
            fitted = self.fits.fit(examples)
            trained = remember(Trained.from_bytes(digest, fitted))
            log.info(
                "triage model fitted in %.1f s (%d rows)", time.monotonic() - began, len(examples)
            )
            if self.database.is_sqlite:
                # One process and no lock to hold: the caller records the model, `refresh`
                # through the writer thread (this runs in a worker thread while intake writes).
                for_caller: bytes | None = fitted
            else:
                self._store_fitted(trained, corrections, fitted)
                for_caller = None
        if not corrections.examples:
            self.cache.save(digest, fitted)
        return _Found(trained, for_caller)

    def _store_fitted(self, trained: Trained, corrections: _Corrections, fitted: bytes) -> None:
        """Record the version with its fitted model while the fitting lock is held (PostgreSQL,
        whose connections write side by side). A model that learned no category is not
        recorded: nothing routes with it."""
        try:
            rows = trained.classifier("category").rows
        except ValueError:
            return
        self.database.write_now(partial(self._record, trained.digest, rows, corrections, fitted))

    def _examples(self, corrections: _Corrections) -> list[Example]:
        return [*self.shipped, *corrections.examples]

    def _model(self, trained: Trained) -> CategoryModel | None:
        try:
            classifier = trained.classifier("category")
        except ValueError as error:
            log.warning("triage model not trained, routing by rules alone: %s", error)
            return None
        try:
            grader: Classifier | None = trained.classifier("grade")
        except ValueError as error:
            log.warning("grade model not trained, grades by the rules alone: %s", error)
            grader = None
        return CategoryModel(
            classifier,
            0,
            self.settings.model_threshold,
            trained.digest,
            grader,
            self.settings.grade_threshold,
            self.settings.urgent_threshold,
        )

    def _record(
        self,
        digest: str,
        rows: int,
        corrections: _Corrections,
        fitted: bytes | None,
        session: Session,
    ) -> int:
        return record_triage_model(
            session,
            digest=digest,
            rows=rows,
            corrections=len(corrections.examples),
            up_to=corrections.up_to,
            now=self.clock.now(),
            fitted=fitted,
        )


def _corrections(session: Session, up_to: int | None = None) -> _Corrections:
    """The corrections up to event `up_to` (the newest when None), as training rows."""
    newest = last_correction_id(session) if up_to is None else up_to
    rows = triage_corrections(session, up_to=newest)
    return _Corrections(newest, corrected_examples(rows))


def _stored(digest: str, session: Session) -> bytes | None:
    return stored_triage_model(session, digest=digest)


def _remembered(digest: str) -> _Found | None:
    """The model this process fitted or loaded for `digest` (then from or into the one store a
    process uses, so there is nothing to store)."""
    trained = remembered(digest)
    return _Found(trained) if trained is not None else None


def _loaded(digest: str, stored: bytes, source: str, began: float) -> _Found:
    trained = remember(Trained.from_bytes(digest, stored))
    log.info("triage model loaded from %s in %.2f s", source, time.monotonic() - began)
    return _Found(trained)
