"""The end-of-build report: counts, problems, removals, time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .problems import Problem


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
    unknown_names: tuple[tuple[str, int], ...] = field(default_factory=tuple)
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
        if self.unknown_names:
            names = ", ".join(f"{name} ({n})" for name, n in self.unknown_names[:8])
            lines.append(f"  unknown people (not in actors.yaml): {names}")
        kinds = Counter(p.kind for p in self.problems)
        if self.problems:
            lines.append(
                f"  problems: {kinds.get('error', 0)} errors, {kinds.get('warning', 0)} warnings"
            )
            lines.extend(f"    {p}" for p in self.problems)
        return "\n".join(lines)
