"""Where in the settings file a routing table is, for errors that name the line."""

from __future__ import annotations

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

    def rule(self, index: int, reason: str) -> str:
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if line.strip().replace(" ", "").startswith("[[rules]]"):
                seen += 1
                if seen == index:
                    return f"{self.source}:{number}: {reason}"
        return f"{self.source}: rule #{index + 1}: {reason}"
