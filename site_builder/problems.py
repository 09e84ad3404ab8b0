"""Problems found in the input: collected, reported together, never fatal to the whole build."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input file, precise enough for an editor to fix it."""

    path: str  # the file, as given on the command line or relative to the project
    line: int | None  # 1-based line in that file, when known
    message: str  # what is wrong, in a sentence
    kind: str = "error"  # "error" (the file or a part of it was skipped) or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.kind}: {self.message}"


class InputError(Exception):
    """Raised inside a loader for a file that cannot be used; turned into a Problem."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
