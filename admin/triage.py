"""The triage model in force: trained at start on the shipped labelled set and the agents'
corrections, retrained when new corrections appear, each training data set recorded as a
numbered version (store/queries/triage.py).

`Triage.current` is what intake, dry runs, backtests and the evaluation route with; like
`RuleBook.current` it is swapped whole, never changed in place. Every instance finds the same
corrections in the shared store and trains the same model from them (training is
deterministic), so no model is ever shipped between processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from sqlmodel import Session

from admin.settings import TriageSettings
from admin.triage_data import corrected_examples
from complaints.clock import Clock
from router.model import CategoryModel, Classifier, Example, train
from store.database import Database
from store.queries.triage import last_correction_id, record_triage_model, triage_corrections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Corrections:
    up_to: int
    examples: tuple[Example, ...]


class Triage:
    def __init__(
        self, database: Database, clock: Clock, shipped: Sequence[Example], settings: TriageSettings
    ) -> None:
        """`shipped`: the labelled training rows (admin.triage_data.shipped_examples)."""
        self.database = database
        self.clock = clock
        self.shipped = tuple(shipped)
        self.settings = settings
        self.current: CategoryModel | None = None
        self._up_to = -1
        """The newest correction event trained on; -1 before the first training."""

    def start(self) -> CategoryModel | None:
        """Train now, blocking: at start, before anything is routed. Within one process the
        same data trains once (router.model.train caches it), so this is quick after the
        first app."""
        corrections = self.database.write_now(_corrections)
        model = self._trained(corrections)
        if model is not None:
            version = self.database.write_now(partial(self._record, model, corrections))
            model = replace(model, version=version)
        self._up_to, self.current = corrections.up_to, model
        return model

    async def refresh(self) -> bool:
        """Retrain when a correction newer than the last one trained on exists; True when a
        new model is in force. The check reads only the events after that one; training runs
        in a thread, so the event loop keeps serving."""
        seen = self._up_to
        newest = await self.database.read(lambda s: last_correction_id(s, after=max(seen, 0)))
        if newest <= seen:
            return False
        corrections = await self.database.read(lambda s: _corrections(s, up_to=newest))
        model = await asyncio.to_thread(self._trained, corrections)
        if model is not None:
            version = await self.database.write(partial(self._record, model, corrections))
            model = replace(model, version=version)
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

    def _trained(self, corrections: _Corrections) -> CategoryModel | None:
        examples = [*self.shipped, *corrections.examples]
        try:
            classifier, digest = train(examples)
        except ValueError as error:
            log.warning("triage model not trained, routing by rules alone: %s", error)
            return None
        try:
            grader: Classifier | None = train(examples, "grade")[0]
        except ValueError as error:
            log.warning("grade model not trained, grades by the rules alone: %s", error)
            grader = None
        return CategoryModel(
            classifier,
            0,
            self.settings.model_threshold,
            digest,
            grader,
            self.settings.grade_threshold,
            self.settings.urgent_threshold,
        )

    def _record(self, model: CategoryModel, corrections: _Corrections, session: Session) -> int:
        return record_triage_model(
            session,
            digest=model.digest,
            rows=model.classifier.rows,
            corrections=len(corrections.examples),
            up_to=corrections.up_to,
            now=self.clock.now(),
        )


def _corrections(session: Session, up_to: int | None = None) -> _Corrections:
    """The corrections up to event `up_to` (the newest when None), as training rows."""
    newest = last_correction_id(session) if up_to is None else up_to
    rows = triage_corrections(session, up_to=newest)
    return _Corrections(newest, corrected_examples(rows))
