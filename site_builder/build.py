"""The recipe: load, clean, analyse, cluster, render."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .analyse import AnalysedArticle, analyse_article, prepare_analysis
from .clean import CleanArticle, clean_article
from .cluster import cluster_articles
from .library import build_library
from .load import load_content
from .output import staged_output
from .problems import Problem
from .render import render_site
from .report import BuildReport
from .settings import read_settings

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Where the build reads and writes."""

    seeds: Path  # raw dumps and saved pages
    content: Path  # Markdown articles, site.yaml, actors.yaml, topics.yaml
    templates: tuple[Path, ...]  # template folders, first wins (a user's overrides go first)
    output: Path  # the site folder, replaced only by a successful build


def build_site(options: BuildOptions) -> BuildReport:
    """Build the whole site from the inputs in ``options``."""
    started = time.perf_counter()
    settings = read_settings(options.content)
    content = load_content(options.seeds, options.content)
    problems = list(content.problems)
    cleaned = _each(content.articles, clean_article, problems)
    analysis = prepare_analysis(content.actors, content.topics, settings.languages)
    analysed = _each(cleaned, lambda article: analyse_article(article, analysis), problems)
    stories = cluster_articles(analysed, settings.cluster)
    library = build_library(settings, analysed, stories, content.actors, content.topics)
    with staged_output(options.output) as staging:
        written = render_site(library, options.templates, staging)
    return _report(analysed, cleaned, len(stories), written, problems, started, options.output)


def _each(items: Iterable[T], stage: Callable[[T], U], problems: list[Problem]) -> list[U]:
    """Run a per-article stage; an article that breaks it is reported and left out."""
    results = []
    for item in items:
        try:
            results.append(stage(item))
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the build
            path = getattr(item, "path", "?")
            problems.append(Problem(path, None, f"{type(exc).__name__}: {exc}; article skipped"))
    return results


def _report(
    analysed: list[AnalysedArticle],
    cleaned: list[CleanArticle],
    stories: int,
    written: list[str],
    problems: list[Problem],
    started: float,
    output: Path,
) -> BuildReport:
    removals = Counter(r.rule for article in cleaned for r in article.removals)
    unknown: Counter[str] = Counter()
    for article in analysed:
        for name in article.unknown_names:
            unknown[name.name] += name.count
    return BuildReport(
        articles=len(analysed),
        articles_per_language=dict(Counter(a.language for a in analysed)),
        stories=stories,
        actors_mentioned=len({m.actor_id for a in analysed for m in a.actors}),
        pages=len(written),
        removals_per_rule=dict(removals),
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
        output=str(output),
        unknown_names=tuple(sorted(unknown.items(), key=lambda item: (-item[1], item[0]))),
    )
