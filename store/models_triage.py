"""The triage model's versions: which training data each one was built from, and the fitted
model itself.

A row exists so that a trace's "model v3" can be explained later, like a rule set version. The
fitted arrays (router.model.Trained.to_bytes: numpy's npz, no pickles) are kept beside it so that
a start, or another instance, loads in a fraction of a second what one training made; training
is deterministic, so the shipped labelled set plus the agents' corrections up to
`corrections_up_to` would rebuild the same arrays.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models import UTCDateTime


class TriageModelVersion(SQLModel, table=True):
    __tablename__ = "triage_models"

    version: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True)
    """The model's digest (admin.triage_fit.model_digest: the training data and the code that
    fits it): one version per data set and fitting code."""
    trained_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    rows: int = 0
    """Training rows after duplicates were folded (a correction replaces a shipped row)."""
    corrections: int = 0
    """How many of them came from agents' corrections."""
    corrections_up_to: int = 0
    """The id of the newest `corrected` event included (0: none)."""
    fitted: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary(), nullable=True))
    """The fitted model (tens of megabytes; read only by `stored_triage_model`); None: not
    stored (versions recorded before it was, or a training set nothing could be learned from)."""
