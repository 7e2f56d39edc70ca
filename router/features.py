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
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

LONGEST = 5
"""Character n-grams of 1 to `LONGEST` characters."""

_WORD = re.compile(r"\w+")
"""A word for the word n-grams, however short ("I", "y", "a" count). scikit-learn's `\\b\\w+\\b`
finds the same ones (a longest run of word characters starts and ends at a word boundary, where
`\\w` starts or stops), and this finds them in two thirds of the time."""
_ASCII_WORD = re.compile(rb"\w+")
"""`_WORD` in an ASCII text's bytes: the same words (an ASCII letter, digit or underscore is a
word character either way, and nothing else in ASCII is), found in half the time with their
UTF-8 already made."""

_PRIME = np.uint64(0x100000001B3)
_SEPARATOR = 0
"""The code point that parts padded words (a NUL in a text is read as a space)."""
_LENGTHS = np.arange(1, LONGEST + 1, dtype=np.uint64)[:, None]
"""n for each row of `_char_keys`'s hashes."""


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
    return _char_keys(text.lower())


def _char_keys(lowered: str) -> Any:
    """`char_keys` of a lowercased text, in half the numpy calls `_points` and `_windows` make
    for one text (the router's path, once per complaint, where the calls' overhead is most of
    the time): the hashes of all n in one 2-D array, row n - 1 for the windows of n points, by
    `_windows`' recurrence a row at a time, and which windows hold no separator from the same
    rows. Lowercasing before the NULs become spaces (`_padded` lowercases after) gives the
    same words: the one character lowered by its neighbours, a Greek capital sigma, reads a NUL
    and a space alike (neither is cased nor case-ignorable), so `Features.vector` lowercases
    once for both kinds."""
    words = lowered.replace("\0", " ").split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    # the padded words parted by separators, as `_padded` gives them, then LONGEST
    # separators: every position of the words starts a window of each n
    padded = " " + " \0 ".join(words) + " " + "\0" * LONGEST
    points = np.add(
        np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32),
        1,
        dtype=np.uint64,
    )  # code point + 1, as `_windows` adds it: a separator is 1
    starts = len(points) - LONGEST
    step = points.strides[0]
    # row n - 1: the n-th point of the window starting at each position (a view, no copy)
    nth = np.ndarray((LONGEST, starts), np.uint64, points, 0, (step, step))
    hashes = np.empty((LONGEST, starts), dtype=np.uint64)
    hashes[0] = nth[0]
    for n in range(1, LONGEST):
        np.multiply(hashes[n - 1], _PRIME, out=hashes[n])
        hashes[n] += nth[n]
    # which windows hold no separator: a window of n + 1 points holds none when its first n
    # points hold none and its last point is not one (a row at a time: numpy's
    # `logical_and.accumulate` down the rows takes three times as long on 1 KB)
    inside = nth != 1
    for n in range(1, LONGEST):
        inside[n] &= inside[n - 1]
    hashes ^= _LENGTHS
    return _finalised(hashes[inside])


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
    found = [_word_keys(text.lower()) for text in texts]
    rows = np.repeat(np.arange(len(found), dtype=np.intp), [len(keys) for keys in found])
    return Grams(rows, np.concatenate(found) if found else np.zeros(0, dtype=np.uint64))


def _word_keys(lowered: str) -> Any:
    """The keys of a lowercased text's words and pairs of adjacent words, in that order: each
    is the CRC-32 of its UTF-8 above its Adler-32. Every step is a call mapped over all
    grams, looping in C (a pair's UTF-8 is its words' joined by a space), and the checksums
    reach numpy through `array` (a third of the time `np.array` takes for a list of ints)."""
    if lowered.isascii():  # most complaints
        encoded = _ASCII_WORD.findall(lowered.encode())
    else:
        encoded = list(map(str.encode, _WORD.findall(lowered)))
    grams = encoded + list(map(b" ".join, pairwise(encoded)))
    keys = np.frombuffer(array("Q", list(map(zlib.crc32, grams))), dtype=np.uint64)
    keys <<= np.uint64(32)
    keys |= np.frombuffer(array("Q", list(map(zlib.adler32, grams))), dtype=np.uint64)
    return keys


def _finalised(values: Any) -> Any:
    """splitmix64's finaliser: every input bit moves the low bits the buckets take. In place
    (`values` is always a new array here), which spares a new array at each of eight steps."""
    shifted = values >> np.uint64(30)
    values ^= shifted
    values *= np.uint64(0xBF58476D1CE4E5B9)
    np.right_shift(values, np.uint64(27), out=shifted)
    values ^= shifted
    values *= np.uint64(0x94D049BB133111EB)
    np.right_shift(values, np.uint64(31), out=shifted)
    values ^= shifted
    return values


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
        texts (this is the router's path, once per complaint): each kind's distinct keys are
        looked up, then both kinds are weighted and normalised together, with the same
        arithmetic as `_normalised` (each kind's squares summed in order by one `bincount`)."""
        lowered = text.lower()
        columns, counts = _looked_up(_char_keys(lowered), self.char_keys)
        idf = self.char_idf.take(columns)
        chars = len(columns)
        if words:
            found, more = _looked_up(_word_keys(lowered), self.word_keys)
            columns = np.concatenate((columns, found + len(self.char_keys)))
            counts = np.concatenate((counts, more))
            idf = np.concatenate((idf, self.word_idf.take(found)))
        values = (1.0 + np.log(counts)) * idf
        kinds = np.zeros(len(values), dtype=np.intp)
        kinds[chars:] = 1
        values /= np.sqrt(np.bincount(kinds, weights=values * values))[kinds]
        return columns, values.astype(np.float32)

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


def _looked_up(keys: Any, vocabulary: Any) -> tuple[Any, Any]:
    """The columns in `vocabulary` of one text's distinct n-gram `keys` found there, in order,
    and how often each occurs: the keys are sorted first (fewer, and sorted keys search
    faster); a key past the last one is clipped to it, which it is not."""
    keys, counts = _counted(keys, copy=False)
    if not len(vocabulary) or not len(keys):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    columns = np.searchsorted(vocabulary, keys)
    known = vocabulary.take(columns, mode="clip") == keys
    return columns[known], counts[known]


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


def _counted(keys: Any, copy: bool = True) -> tuple[Any, Any]:
    """The distinct `keys` in order and how often each occurs (a sort: faster here than
    `np.unique`); with `copy` False, `keys` is sorted in place."""
    if copy:
        keys = np.sort(keys)
    else:
        keys.sort()
    if not len(keys):
        return keys, np.zeros(0, dtype=np.intp)
    # where each run of equal keys starts, and where the last one ends
    edges = np.empty(len(keys) + 1, dtype=bool)
    edges[0] = edges[-1] = True
    np.not_equal(keys[1:], keys[:-1], out=edges[1:-1])
    starts = edges.nonzero()[0]
    return keys[starts[:-1]], starts[1:] - starts[:-1]
