"""The traditional-to-simplified character table search folds by (`store.folding`), shipped as
`store/data/hk2s.txt` ("traditional simplified" a line) rather than built at start.

Building it from OpenCC's `hk2s` converter means converting every CJK character once: about
70 ms, and 10 MB of resident memory a running bot never gets back (the converter's
dictionaries and 140,000 converted strings, freed into arenas the process keeps). The file
holds the same 4,583 pairs in 38 KB. OpenCC is therefore a tool of the tests, not of the bot:
`python -m store.fold_table` rebuilds the file, and tests/store/test_search_text.py checks that
the shipped file is what OpenCC gives.
"""

from __future__ import annotations

from pathlib import Path

SHIPPED = Path(__file__).with_name("data") / "hk2s.txt"
CJK_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2EBEF))
"""Where OpenCC's table has its characters: CJK extension A, the unified ideographs, the
compatibility ideographs, extensions B to F."""
APART = "\n"
"""Between the characters converted together: no phrase spans it, so each is converted alone."""


def shipped() -> dict[str, str]:
    """The shipped table: each traditional character and its simplified form."""
    pairs = (line.split(" ") for line in SHIPPED.read_text(encoding="utf-8").splitlines())
    return {char: into for char, into in pairs}


def from_opencc() -> dict[str, str]:
    """OpenCC's hk2s, character by character (a phrase table would fold a word differently from
    a word inside it, and a search for part of a text must find the text), closed so that a
    character's simplified form maps to itself (the table has a few chains, such as
    薴 → 苧 → 苎)."""
    import opencc  # a test dependency: only rebuilding the table needs it

    characters = [chr(point) for low, high in CJK_BLOCKS for point in range(low, high + 1)]
    converted = opencc.OpenCC("hk2s").convert(APART.join(characters)).split(APART)
    mapping = {
        char: into
        for char, into in zip(characters, converted, strict=True)
        if into != char and len(into) == 1
    }
    for char, into in mapping.items():
        seen = {char}
        while into in mapping and into not in seen:
            seen.add(into)
            into = mapping[into]
        mapping[char] = into
    return mapping


def write(mapping: dict[str, str]) -> None:
    """The table as shipped: one pair a line, in code point order, so a rebuild diffs cleanly."""
    lines = (f"{char} {mapping[char]}\n" for char in sorted(mapping))
    SHIPPED.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    write(from_opencc())
