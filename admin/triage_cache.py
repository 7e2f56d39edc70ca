"""Fitted triage models kept on this machine's disk by their digest (`[triage] model_cache`), so
a start on a new database (a test run creates hundreds, an operator a staging copy) loads what
an earlier start fitted instead of fitting again: after this process and the store, before a
fit (admin.triage).

One file per digest, `<digest>.npz`: the bytes of router.model.Trained.to_bytes, read back
with numpy's `allow_pickle=False`. A file is written whole under a temporary name and renamed,
so a reader (another process on the same folder) sees the old file, the new one or none, never
half of one. A file that cannot be read (cut short, overwritten, not a model) is reported and
treated as missing: the model is fitted again and the file rewritten. The folder keeps the
`KEEP` models used last; older ones are deleted as new ones are written, and so are temporary
files a killed writer left behind. Only files named as this cache names them are ever deleted:
the folder may be shared.

Only models fitted on the shipped rows alone are kept here (admin.triage skips the cache when
there are agents' corrections): a model with corrections holds hashed n-grams of customers'
corrected complaint texts, which must stay in the store, where erasure reaches them, not be
copied to a folder it never reaches. That rule is why nothing personal is in a file; nothing
personal is in a log line either: the log names the file by its digest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from router.model import Trained

log = logging.getLogger(__name__)

KEEP = 8
"""How many fitted models the folder keeps (those used last), about 15 MB each: the shipped
set's as fitted by the code of the last few upgrades (models with corrections are never kept)."""

STALE_TEMPORARY = 3600.0
"""Seconds after which a temporary file of this cache is a killed writer's leftover: a write
takes well under a second, so one an hour old is never still being written."""

MODEL_NAME = re.compile(r"[0-9a-f]{64}\.npz")
"""A model file's name: a digest (admin.triage_fit.model_digest) and ".npz"; others are not ours."""
TEMPORARY_NAME = re.compile(r"\.[0-9a-f]{64}\..+\.tmp")
"""The name `_write_whole` gives a file while it is written."""

UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)
"""What numpy raises for a file that is not a whole model: cut short, a bad CRC, a missing
array, pickled data (refused), or a file the process may not read."""


@dataclass(frozen=True)
class Cached:
    """A model found in the cache, with its bytes for the store."""

    trained: Trained
    data: bytes


class ModelCache:
    """The fitted models in one folder; `folder=None` keeps none (`[triage] model_cache = ""`)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def load(self, digest: str) -> Cached | None:
        """The model of `digest` kept here, None when there is none or it cannot be read."""
        if self.folder is None:
            return None
        path = self._path(digest)
        try:
            data = path.read_bytes()
            trained = Trained.from_bytes(digest, data)
        except FileNotFoundError:
            return None
        except UNREADABLE as error:
            reason = type(error).__name__
            log.warning(
                "triage model cache: %s cannot be read (%s); fitting it again", path, reason
            )
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: kept longer than models not used since (`_prune`)
        return Cached(trained, data)

    def save(self, digest: str, data: bytes) -> None:
        """Keep `data`, the fitted model of `digest`. A folder that cannot be written is
        reported and otherwise ignored: the cache only saves time."""
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_whole(self._path(digest), data)
        except OSError as error:
            log.warning(
                "triage model cache: cannot write to %s (%s); set [triage] model_cache to a "
                'folder the bot may write, or "" for no cache',
                self.folder,
                error.strerror or type(error).__name__,
            )
            return
        self._prune()

    def _path(self, digest: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{digest}.npz"

    def _prune(self) -> None:
        """Delete all but the `KEEP` models used last, and temporary files older than
        `STALE_TEMPORARY`; files named otherwise are left alone. Another process may prune or
        read at the same time: a file already gone is fine, and an open file stays readable."""
        assert self.folder is not None
        models = []
        stale = time.time() - STALE_TEMPORARY
        for path in self.folder.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if MODEL_NAME.fullmatch(path.name):
                    models.append((path.stat().st_mtime, path))
                elif TEMPORARY_NAME.fullmatch(path.name) and path.stat().st_mtime < stale:
                    path.unlink()
        models.sort(reverse=True)
        for _, path in models[KEEP:]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` under a temporary name in the same folder, then rename it: the
    rename is atomic, so nobody reads half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
