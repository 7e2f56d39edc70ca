"""The triage model's features, the same code for training and for routing, so both read a text
alike: character n-grams (1 to 5 characters within each whitespace-separated word padded with a
space each side, scikit-learn's `char_wb`; Chinese needs no word segmentation) and words and word
pairs (`\\b\\w+\\b`), all lowercased, each with sublinear tf times idf, L2-normalised per kind.

Each n-gram is hashed to 64 bits instead of being kept as a string: the vocabulary is a sorted
array of the hashes of the n-grams in at least two training texts (scikit-learn's `min_df=2`),
a column is a hash's place in it (`np.searchsorted`). A dict of the shipped set's hundreds of
thousands of strings would take tens of megabytes in every process; the arrays take a few. (Hashing
into a fixed number of buckets instead lost three points of accuracy in Chinese, measured: the
n-grams seen once, mostly whole Chinese clauses read as one "word", then share a bucket with
frequent ones, where the vocabulary leaves them out.) The hashes are deterministic (a polynomial
over code points with splitmix64's finaliser for characters, computed for all windows at once
with numpy; two checksums of the UTF-8 for words; Python's `hash` is salted per process), so every
process and every start gives the same features; two n-grams sharing one 64-bit hash are as
likely as not to happen once in a billion training sets.

Pure: numpy only.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

LONGEST = 5
"""Character n-grams of 1 to `LONGEST` characters."""

_WORD = re.compile(r"\b\w+\b")
"""A word for the word n-grams, however short ("I", "y", "a" count)."""

_PRIME = np.uint64(0x100000001B3)
_SEPARATOR = 0
"""The code point that parts padded words (a NUL in a text is read as a space)."""


@dataclass(frozen=True)
class Grams:
    """The n-grams of several texts as (text index, 64-bit hash) pairs, one per occurrence."""

    rows: Any
    keys: Any


def char_grams(texts: Sequence[str]) -> Grams:
    """Every character n-gram of every text: all windows of 1 to `LONGEST` code points inside
    one padded word (so a padded word shorter than n gives no n-gram, as in `char_wb`)."""
    if not texts:
        return _joined([], [])
    words = [_padded(text) for text in texts]
    points, seen = _points(words)
    # the text of each position: texts are parted by one separator each, in order
    text_of = np.repeat(np.arange(len(words)), [len(text) + 1 for text in words])
    rows, found = [], []
    for inside, keys in _windows(points, seen):
        rows.append(text_of[: len(inside)][inside])
        found.append(keys)
    grams = _joined(rows, found)
    return Grams(grams.rows, _finalised(grams.keys))  # once for all n: fewer numpy calls


def char_keys(text: str) -> Any:
    """The keys of `char_grams([text])`, the same ones but not in the same order: one text
    needs no rows (`Features.vector` sorts the keys)."""
    points, seen = _points([_padded(text)])
    found = [keys for _, keys in _windows(points, seen)]
    return _finalised(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)


def _padded(text: str) -> str:
    """The text's words, lowercased, each padded with a space and parted by separators."""
    return "\0".join(f" {word} " for word in text.replace("\0", " ").lower().split())


def _points(words: Sequence[str]) -> tuple[Any, Any]:
    """The code points of the padded texts, each followed by a separator, and how many
    separators stand before each position (a window holds none when the counts agree)."""
    joined = "\0".join(words) + "\0"
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
        np.uint64
    )
    return points, np.concatenate([[0], np.cumsum(points == _SEPARATOR)])


def _windows(points: Any, seen: Any) -> Iterator[tuple[Any, Any]]:
    """For n of 1 to `LONGEST`: which windows of n points hold no separator, and the keys of
    those that do not (before `_finalised`)."""
    hashes = np.zeros(len(points), dtype=np.uint64)
    for n in range(1, LONGEST + 1):
        windows = len(points) - n + 1
        if windows <= 0:
            break
        hashes = hashes[:windows] * _PRIME + points[n - 1 :] + np.uint64(1)
        inside = seen[n : windows + n] - seen[:windows] == 0
        yield inside, hashes[inside] ^ np.uint64(n)


def word_grams(texts: Sequence[str]) -> Grams:
    """Every word and pair of adjacent words of every text."""
    rows: list[int] = []
    found: list[int] = []
    for row, text in enumerate(texts):
        keys = _word_keys(text)
        rows.extend([row] * len(keys))
        found.extend(keys)
    return Grams(np.array(rows, dtype=np.intp), np.array(found, dtype=np.uint64))


def _word_keys(text: str) -> list[int]:
    """The keys of the text's words and pairs of adjacent words."""
    words = _WORD.findall(text.lower())
    grams = [*words, *(f"{a} {b}" for a, b in pairwise(words))]
    return [_word_key(gram.encode()) for gram in grams]


def _word_key(gram: bytes) -> int:
    return zlib.crc32(gram) << 32 | zlib.adler32(gram)


def _finalised(values: Any) -> Any:
    """splitmix64's finaliser: every input bit moves the low bits the buckets take."""
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _joined(rows: list[Any], found: list[Any]) -> Grams:
    if not rows:
        return Grams(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.uint64))
    return Grams(np.concatenate(rows).astype(np.intp), np.concatenate(found))


@dataclass(frozen=True)
class Features:
    """The vocabulary of each kind (sorted 64-bit hashes) and its idf (float32)."""

    char_keys: Any
    char_idf: Any
    word_keys: Any
    word_idf: Any

    @property
    def width(self) -> int:
        """Columns of a feature vector: the character n-grams, then the word n-grams."""
        return len(self.char_keys) + len(self.word_keys)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[Features, tuple[Any, Any, Any]]:
        """The n-grams in at least two of `texts` with scikit-learn's smooth idf,
        ln((1 + texts) / (1 + df)) + 1, and the texts' feature vectors as `matrix` gives them
        (from one pass over the n-grams)."""
        chars, char_idf, char_rows = _fitted(char_grams(texts), len(texts), 0)
        words, word_idf, word_rows = _fitted(word_grams(texts), len(texts), len(chars))
        features = cls(chars, char_idf, words, word_idf)
        return features, _stacked([char_rows, word_rows], len(texts))

    def matrix(self, texts: Sequence[str], words: bool = True) -> tuple[Any, Any, Any]:
        """The feature vectors of `texts` as CSR parts (values, columns, row pointers); with
        `words` False, the character part alone (its cosine compares two texts' wording)."""
        parts = [_weighted(char_grams(texts), self.char_keys, self.char_idf, 0)]
        if words:
            grams = word_grams(texts)
            parts.append(_weighted(grams, self.word_keys, self.word_idf, len(self.char_keys)))
        return _stacked(parts, len(texts))

    def vector(self, text: str, words: bool = True) -> tuple[Any, Any]:
        """The feature vector of one text as (sorted columns, values): what `matrix([text])`
        gives, the same numbers in the same order, computed without its bookkeeping for many
        texts (this is the router's path, once per complaint)."""
        parts = [_one(char_keys(text), self.char_keys, self.char_idf, 0)]
        if words:
            keys = np.array(_word_keys(text), dtype=np.uint64)
            parts.append(_one(keys, self.word_keys, self.word_idf, len(self.char_keys)))
        if len(parts) == 1:
            return parts[0]
        # each part's columns are sorted, and every word column follows every character one
        return np.concatenate([part[0] for part in parts]), np.concatenate(
            [part[1] for part in parts]
        )

    def characters(self, columns: Any, values: Any) -> tuple[Any, Any]:
        """The character part of a `vector` (its columns come first, normalised on their own):
        what `vector(text, words=False)` gives, without featurizing the text again."""
        end = int(np.searchsorted(columns, len(self.char_keys)))
        return columns[:end], values[:end]


def _stacked(parts: Sequence[tuple[Any, Any, Any]], texts: int) -> tuple[Any, Any, Any]:
    """(rows, columns, values) of each kind as CSR parts, each row's columns in order."""
    rows = np.concatenate([part[0] for part in parts])
    columns = np.concatenate([part[1] for part in parts])
    order = np.lexsort((columns, rows))
    values = np.concatenate([part[2] for part in parts])[order]
    pointers = np.zeros(texts + 1, dtype=np.intp)
    np.cumsum(np.bincount(rows, minlength=texts), out=pointers[1:])
    return values, columns[order], pointers


def _fitted(grams: Grams, texts: int, offset: int) -> tuple[Any, Any, tuple[Any, Any, Any]]:
    """The vocabulary of `grams` (keys in at least two texts), its idf, and `_weighted`."""
    seen, _ = _counted(grams.keys)
    rows, columns, counts = _pairs(grams, seen)
    frequency = np.bincount(columns, minlength=len(seen))
    kept = frequency >= 2
    idf = (np.log((1.0 + texts) / (1.0 + frequency[kept])) + 1.0).astype(np.float32)
    renumbered = np.cumsum(kept) - 1
    known = kept[columns]
    rows, columns, counts = rows[known], renumbered[columns[known]], counts[known]
    return seen[kept], idf, _normalised(rows, columns, counts, idf, offset)


def _pairs(grams: Grams, vocabulary: Any) -> tuple[Any, Any, Any]:
    """(row, column, count) of each distinct n-gram of a text found in `vocabulary`."""
    width = max(len(vocabulary), 1)
    columns = np.searchsorted(vocabulary, grams.keys)
    columns = np.minimum(columns, width - 1)
    known = vocabulary[columns] == grams.keys if len(vocabulary) else columns < 0
    pairs, counts = _counted(grams.rows[known] * width + columns[known])
    return pairs // width, pairs % width, counts


def _one(keys: Any, vocabulary: Any, idf: Any, offset: int) -> tuple[Any, Any]:
    """(columns, values) of one text's n-gram `keys` in `vocabulary`, as `_weighted` gives
    them: the distinct keys are looked up, in order (fewer, and sorted keys search faster)."""
    keys, counts = _counted(keys)
    if not len(vocabulary) or not len(keys):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
    columns = np.minimum(np.searchsorted(vocabulary, keys), len(vocabulary) - 1)
    known = vocabulary[columns] == keys
    columns, counts = columns[known], counts[known]
    _, columns, values = _normalised(np.zeros(len(columns), np.intp), columns, counts, idf, offset)
    return columns, values


def _weighted(grams: Grams, vocabulary: Any, idf: Any, offset: int) -> tuple[Any, Any, Any]:
    """(rows, columns, values) of each text's n-grams in `vocabulary`, rows sorted."""
    return _normalised(*_pairs(grams, vocabulary), idf, offset)


def _normalised(
    rows: Any, columns: Any, counts: Any, idf: Any, offset: int
) -> tuple[Any, Any, Any]:
    """1 + ln(count), times idf, L2-normalised per text (float32); columns moved by `offset`."""
    values = (1.0 + np.log(counts)) * idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=values * values))
    values = values / norms[rows]
    return rows, columns + offset, values.astype(np.float32)


def _counted(keys: Any) -> tuple[Any, Any]:
    """The distinct `keys` in order and how often each occurs (a sort: faster here than
    `np.unique`)."""
    keys = np.sort(keys)
    if not len(keys):
        return keys, np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[starts], np.diff(np.append(starts, len(keys)))
