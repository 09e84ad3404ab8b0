"""The end-of-build report: counts, problems, removals, time."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .problems import Problem


def problem_kind(message: str) -> str:
    """The kind of a problem: its message up to the first detail (a colon or a quote)."""
    head = re.split(r"[:'\"(]", message, maxsplit=1)[0].strip()
    return head or message


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the terminal and for tests."""

    articles: int
    articles_per_language: dict[str, int]
    stories: int
    actors_mentioned: int
    pages: int
    removals_per_rule: dict[str, int]
    problems: tuple[Problem, ...]
    seconds: float
    output: str
    unknown_names: tuple[tuple[str, int, str], ...] = field(
        default_factory=tuple
    )  # name, n, example
    flagged_articles: int = 0  # articles where the cleaner kept text it was unsure about
    cached_articles: int = 0  # articles whose clean/analyse results came from the cache
    reused_pages: int = 0  # pages whose inputs had not changed since the last build
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    up_to_date: bool = False  # nothing had changed: the site was left as it was

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.kind == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.kind != "error")

    def summary(self) -> str:
        """A few lines a user reads after every build."""
        languages = ", ".join(
            f"{n} {code}" for code, n in sorted(self.articles_per_language.items())
        )
        removed = sum(self.removals_per_rule.values())
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.removals_per_rule.items()))
        if self.up_to_date:
            return (
                f"Nothing changed since the last build: {self.output} is up to date "
                f"({self.seconds:.2f} s)."
            )
        reused = ""
        if self.cached_articles or self.reused_pages:
            reused = f" ({self.cached_articles} articles and {self.reused_pages} pages unchanged)"
        lines = [
            f"Built {self.pages} files into {self.output} in {self.seconds:.2f} s{reused}.",
            f"  articles: {self.articles} ({languages or 'none'}); stories: {self.stories}; "
            f"actors mentioned: {self.actors_mentioned}",
            f"  removed from sources: {removed} pieces" + (f" ({rules})" if rules else ""),
        ]
        if self.flagged_articles:
            lines.append(
                f"  kept but flagged for an editor: {self.flagged_articles} articles "
                "(see _report/cleaning.json)"
            )
        if self.unknown_names:
            lines.append(
                f"  unknown people (not in actors.yaml; `build.py actors --suggest` drafts them): "
                f"{len(self.unknown_names)}"
            )
            for name, n, example in self.unknown_names[:8]:
                shown = example if len(example) <= 90 else example[:87] + "..."
                lines.append(f"    {name} ({n}): {shown}")
        kinds = Counter(p.kind for p in self.problems)
        if self.problems:
            lines.append(
                f"  problems: {kinds.get('error', 0)} errors, {kinds.get('warning', 0)} warnings"
            )
            by_kind = Counter(f"{p.kind}: {problem_kind(p.message)}" for p in self.problems)
            lines.extend(f"    {n} × {kind}" for kind, n in sorted(by_kind.items()))
            lines.extend(f"    {p}" for p in self.problems[:50])
            if len(self.problems) > 50:
                lines.append(f"    ... and {len(self.problems) - 50} more")
        return "\n".join(lines)
