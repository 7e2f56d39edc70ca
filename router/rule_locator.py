"""Where in the settings file a routing table is, for errors that name the line."""

from __future__ import annotations

import re
from pathlib import Path


class Locator:
    """Finds the line of a table in the TOML source, since `tomllib` keeps no positions."""

    def __init__(self, source: Path, text: str) -> None:
        self.source = source
        self.lines = text.splitlines()

    def at(self, needle: str, reason: str) -> str:
        for number, line in enumerate(self.lines, start=1):
            if line.strip().startswith(needle):
                return f"{self.source}:{number}: {reason}"
        return f"{self.source}: {reason}"

    def key(self, table: str, key: str, reason: str) -> str:
        """`reason` about `key` of `[table]` said as the settings loader says every key's
        ("[departments.billing] supervisor: must be …"), at the key's line if written there,
        else at the table's."""
        said = f"[{table}] {key}: {reason}"
        written = re.compile(rf"{re.escape(key)}\s*=")
        header = None
        for number, line in enumerate(self.lines, start=1):
            stripped = line.partition("#")[0].strip()
            if header is None:
                header = number if stripped.replace(" ", "") == f"[{table}]" else None
            elif stripped.startswith("["):
                break
            elif written.match(stripped):
                return f"{self.source}:{number}: {said}"
        return f"{self.source}:{header}: {said}" if header else f"{self.source}: {said}"

    def rule(self, index: int, reason: str) -> str:
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if line.strip().replace(" ", "").startswith("[[rules]]"):
                seen += 1
                if seen == index:
                    return f"{self.source}:{number}: {reason}"
        return f"{self.source}: rule #{index + 1}: {reason}"
