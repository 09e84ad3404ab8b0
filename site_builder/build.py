"""The recipe: load, clean, analyse, cluster, render."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .analyse import AnalysedArticle, aggregate_unknown_names, prepare_analysis
from .cache import BuildCache, code_version, files_fingerprint, fingerprint, tree_stamp
from .clean_rules import use_user_lexicons
from .cluster import cluster_articles
from .library import Library, build_library
from .load import LoadedContent, load_content
from .output import staged_output
from .problems import Problem
from .process import Progress, process_articles
from .render import RenderResult, render_site
from .report import BuildReport
from .settings import Settings, read_settings


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Where the build reads and writes, and how."""

    seeds: Path  # raw dumps and saved pages
    content: Path  # Markdown articles, site.yaml, actors.yaml, topics.yaml
    templates: tuple[Path, ...]  # template folders, first wins (a user's overrides go first)
    output: Path  # the site folder, replaced only by a successful build
    cache: Path | None = None  # build cache folder; None: build everything from scratch
    jobs: int = 0  # worker processes for the per-article stages (0: one per core)
    scheduler: str | None = None  # a Dask scheduler address, to run those stages there
    base_url: str | None = None  # overrides the settings' base_url
    strict: bool = False  # any input error stops the build before the site is replaced


class StrictBuildError(Exception):
    """Input errors in a strict build; the previous site is untouched."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} input errors")


def build_site(options: BuildOptions, progress: Progress | None = None) -> BuildReport:
    """Build the whole site from the inputs in ``options``."""
    started = time.perf_counter()
    cache = BuildCache(options.cache)
    stamp = _input_stamp(options)
    unchanged = _unchanged_since_last_build(cache, stamp, options.output)
    if unchanged is not None:
        return dataclasses.replace(
            unchanged, seconds=time.perf_counter() - started, up_to_date=True
        )
    clock = StageClock()
    with clock("load"):
        settings = _with_overrides(read_settings(options.content), options)
        content = load_content(options.seeds, options.content)
    with clock("clean+analyse"):
        analysed, failures = _clean_and_analyse(content, settings, options, cache, progress)
    content = dataclasses.replace(content, articles=())  # the raw text is not needed again
    problems = [*content.problems, *failures]
    if options.strict and any(p.kind == "error" for p in problems):
        raise StrictBuildError([p for p in problems if p.kind == "error"])
    with clock("cluster"):
        stories = cluster_articles(
            analysed, settings.cluster, topics=content.topics, actors=content.actors
        )
    with clock("render"):
        library = build_library(settings, analysed, stories, content.actors, content.topics)
        rendered = _render(library, options, cache)
    report = _report(
        analysed, len(stories), rendered.written, problems, started, options.output, cache
    )
    report = dataclasses.replace(report, reused_pages=rendered.reused, stage_seconds=clock.seconds)
    cache.save(
        LAST_BUILD, {"stamp": stamp, "output": _output_stamp(options.output), "report": report}
    )
    return report


def _clean_and_analyse(
    content: LoadedContent,
    settings: Settings,
    options: BuildOptions,
    cache: BuildCache,
    progress: Progress | None,
) -> tuple[list[AnalysedArticle], list[Problem]]:
    """The per-article stages, with the shared data they need compiled once."""
    user_lexicons = options.content / "lexicons"
    use_user_lexicons(user_lexicons if user_lexicons.is_dir() else None)
    analysis = prepare_analysis(content.actors, content.topics, settings.languages)
    shared = fingerprint(
        content.actors, content.topics, settings.languages, files_fingerprint([user_lexicons])
    )
    return process_articles(
        content.articles, analysis, shared, cache, options.jobs, options.scheduler, progress
    )


def _render(library: Library, options: BuildOptions, cache: BuildCache) -> RenderResult:
    """Render into a staging folder, swap it in, then remember the pages' fingerprints."""
    templates = fingerprint(code_version(), files_fingerprint(options.templates))
    # Page fingerprints describe one output folder's files: one manifest per folder.
    manifest_name = f"pages-{fingerprint(str(options.output.resolve()))[:16]}.pickle"
    with staged_output(options.output) as staging:
        rendered = render_site(
            library,
            options.templates,
            staging,
            templates,
            options.output,
            cache.load(manifest_name) or {},
            options.jobs,
        )
    cache.save(manifest_name, rendered.manifest)  # only now: the pages it lists are live
    return rendered


def _input_stamp(options: BuildOptions) -> str:
    """Everything a build reads, cheaply: code, options, and every input file's stat."""
    return fingerprint(
        code_version(),
        dataclasses.replace(options, output=options.output.resolve()),
        tree_stamp([options.seeds, options.content, *options.templates]),
    )


LAST_BUILD = "last-build.pickle"


def _output_stamp(output: Path) -> tuple[int, int] | None:
    """The site folder's identity: a swap (or a deletion) changes it."""
    try:
        stat = (output / "index.html").stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def _unchanged_since_last_build(cache: BuildCache, stamp: str, output: Path) -> BuildReport | None:
    """The last build's report if neither its inputs nor its output have changed since."""
    last = cache.load(LAST_BUILD)
    if not isinstance(last, dict) or last.get("stamp") != stamp:
        return None
    current = _output_stamp(output)
    if current is None or current != last.get("output"):
        return None
    report = last.get("report")
    return report if isinstance(report, BuildReport) else None


class StageClock:
    """Wall time per stage, for the report and the benchmark."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


def _with_overrides(settings: Settings, options: BuildOptions) -> Settings:
    if options.base_url is None:
        return settings
    base = options.base_url if options.base_url.endswith("/") else options.base_url + "/"
    return dataclasses.replace(settings, base_url=base or None)


def _report(
    analysed: list[AnalysedArticle],
    stories: int,
    written: list[str],
    problems: list[Problem],
    started: float,
    output: Path,
    cache: BuildCache,
) -> BuildReport:
    removals = Counter(r.rule for article in analysed for r in article.clean.removals)
    unknown = aggregate_unknown_names(analysed)
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
        unknown_names=tuple((u.name, u.count, u.example) for u in unknown),
        flagged_articles=sum(1 for a in analysed if a.clean.flags),
        cached_articles=cache.hits,
    )
