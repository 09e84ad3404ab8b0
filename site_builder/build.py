"""The recipe: load, clean, analyse, cluster, render."""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import tempfile
import time
import traceback
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyse import AnalysisData, aggregate_unknown_names, prepare_analysis
from .cache import (
    BuildCache,
    code_version,
    files_fingerprint,
    fingerprint,
    paused_gc,
    tree_stamp,
)
from .clean_rules import use_user_lexicons
from .cluster import ClusterMemo, cluster_features, memo_shard
from .library import Library, build_library
from .load import ContentIndex, FileRecord, scan_content
from .output import apply_changes, staged_output
from .problems import Problem
from .process import Progress, process_articles
from .render import Manifest, RenderMemo, RenderResult, render_site
from .report import BuildReport
from .settings import Settings, read_settings
from .store import ArticleStore
from .summary import ArticleSummary


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


@dataclass
class BuildSession:
    """What a long-running process (``serve``) keeps from one build to the next.

    The cache's entries, each valid while its file on disk is unchanged, and the
    render memo (see render.py): the next build is the same build a new process
    would make, minus reading back what this process wrote or read last time.
    Its saves to the cache wait until ``settle`` (or the next build), so that
    the site is up to date, and the browser reloaded, before the cache is
    written.  Measured at 10,000 articles (bench/run.py), a one-word edit is
    on disk in about 0.7 s, against 3.4 s for a new process.
    """

    cache_entries: dict[str, Any] = field(default_factory=dict)
    unsaved: list[tuple[str, Any]] = field(default_factory=list)
    cache_folder: Path | None = None
    render_memo: RenderMemo = field(default_factory=RenderMemo)
    built: bool = False  # a build went through every stage in this session

    def cache(self, folder: Path | None) -> BuildCache:
        self.save_cache()
        if folder != self.cache_folder:
            self.cache_entries.clear()
            self.cache_folder = folder
        return BuildCache(folder, self.cache_entries, self.unsaved)

    def save_cache(self) -> None:
        """Write what the last build saved to the cache."""
        BuildCache(self.cache_folder, self.cache_entries, self.unsaved).write_deferred()

    def settle(self) -> None:
        """Between builds, while nobody waits: write the cache, collect the cycles the
        last build left, and freeze what survives.  The session holds the whole
        collection; without the freeze, each of the next build's full collections
        walks all of it again (0.2 s at 10,000 articles, several per build); and the
        builds themselves run without collections, leaving their cycles to this."""
        self.save_cache()
        gc.unfreeze()
        gc.collect()
        gc.freeze()


def build_site(
    options: BuildOptions, progress: Progress | None = None, session: BuildSession | None = None
) -> BuildReport:
    """Build the whole site from the inputs in ``options``."""
    started = time.perf_counter()
    cache = BuildCache(options.cache) if session is None else session.cache(options.cache)
    stats: dict[str, os.stat_result] = {}
    stamp = _input_stamp(options, stats)
    # A session's first build goes through every stage, even with nothing to do, so that
    # the session holds the collection when the first edit comes.
    cold = session is not None and not session.built
    unchanged = None if cold else _unchanged_since_last_build(cache, stamp, options.output)
    if unchanged is not None:
        return dataclasses.replace(
            unchanged, seconds=time.perf_counter() - started, up_to_date=True
        )
    if session is None:
        with _article_store_root(options.cache) as store_root:
            return _build(options, cache, store_root, stamp, stats, started, progress, None)
    # A session's builds leave their cycles to ``settle``, after the site is up to date.
    with paused_gc(), _article_store_root(options.cache) as store_root:
        report = _build(
            options, cache, store_root, stamp, stats, started, progress, session.render_memo
        )
    session.built = True
    return report


def _build(
    options: BuildOptions,
    cache: BuildCache,
    store_root: Path,
    stamp: str,
    stats: Mapping[str, os.stat_result],
    started: float,
    progress: Progress | None,
    memo: RenderMemo | None,
) -> BuildReport:
    """The stages, in order; every stage reuses what the cache holds for unchanged input."""
    clock = StageClock()
    with clock("load"):
        settings = _with_overrides(read_settings(options.content), options)
        known = _load_input_files(cache)
        content = scan_content(options.seeds, options.content, known=known, stats=stats)
    with clock("clean+analyse"):
        analysis, shared = _analysis_data(content, settings, options)
        store = ArticleStore(store_root, generation=shared)
        with paused_gc():  # results pile up by the thousand, and none of them is cyclic
            processed, failures = process_articles(
                content, analysis, shared, cache, store, options.jobs, options.scheduler, progress
            )
            # They stay alive to the end of the build: the collector need not walk them again.
            gc.freeze()
        store.keep_only(processed.keys)  # the store holds this collection, no more
    try:
        problems = [*content.problems, *failures]
        if options.strict and any(p.kind == "error" for p in problems):
            raise StrictBuildError([p for p in problems if p.kind == "error"])
        with clock("cluster"):
            # Clustering runs on one core: the index is written on the other meanwhile.
            many = len(processed.unsaved) > 4 and cache.folder is not None
            index_saved = _in_background(processed.save_shards, many and cache.resident is None)
            memo_before = _load_cluster_memo(cache)
            clustering = cluster_features(
                processed.features,
                settings.cluster,
                topics=content.topics,
                actors=content.actors,
                memo=memo_before[0] if memo_before is not None else None,
            )
            stories = clustering.stories
            _save_cluster_memo(cache, clustering.memo, memo_before)
            del memo_before
        # Features and the memo are done with: let them go before the summaries are read and
        # pages are rendered, on workers that would each inherit them (a large collection's
        # biggest structures).
        processed.features.clear()
        del clustering
        index_saved()
        with paused_gc():
            summaries = processed.summaries()
        keys = {s.id: key for s, key in zip(summaries, processed.keys, strict=True)}
        del processed
        with clock("render"):
            with paused_gc():  # a hundred thousand articles' lists and links, acyclic
                library = build_library(
                    settings, summaries, stories, content.actors, content.topics, keys
                )
            global_key = _global_key(options, settings, content)
            rendered = _render(library, store, global_key, options, cache, memo)
        if content.read or content.forgotten:  # else the table on disk is this one
            _save_input_files(cache, content.files, known)
        store.discard_other_generations()
    finally:
        gc.unfreeze()
        store.close()
    report = _report(summaries, len(stories), rendered, problems, started, options, cache)
    report = dataclasses.replace(report, stage_seconds=clock.seconds)
    cache.save(
        LAST_BUILD, {"stamp": stamp, "output": _output_stamp(options.output), "report": report}
    )
    return report


def _in_background(work: Callable[[], None], worth: bool) -> Callable[[], None]:
    """Start ``work`` in a forked copy of this process, if ``worth`` it and possible;
    return what waits for it to end (having done the work here if not forked).

    For writing what the build holds to the cache while the build goes on: the copy
    sees the build as it is now, and the cache's writes are atomic, file by file.
    A build that keeps its cache in memory (``serve``) does the work here.
    """
    if not worth or "fork" not in multiprocessing.get_all_start_methods():
        work()
        return lambda: None
    pid = os.fork()
    if pid == 0:  # the copy: do the work and leave, running none of the build's cleanup
        status = 1
        try:
            work()
            status = 0
        except BaseException:  # noqa: BLE001 - reported here, and by the build that waits
            traceback.print_exc()
        finally:
            os._exit(status)
    return lambda: _wait_for(pid)


def _wait_for(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    if status != 0:  # the cache lacks what the copy did not write: the next build redoes it
        warnings.warn(f"writing the cache in the background failed ({status})", stacklevel=2)


INPUT_SHARDS = 16  # an edit rewrites one shard of the input table, not all of it


def _input_shard(path: str) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogatepass")) % INPUT_SHARDS


def _input_files_name(shard: int) -> str:
    """Every input file's stat and digest from the last build, some of them by path."""
    return f"input-files-{shard:02d}.pickle"


def _load_input_files(cache: BuildCache) -> dict[str, FileRecord]:
    known: dict[str, FileRecord] = {}
    for shard in range(INPUT_SHARDS):
        known.update(cache.load(_input_files_name(shard)) or {})
    return known


def _save_input_files(
    cache: BuildCache, files: Mapping[str, FileRecord], known: Mapping[str, FileRecord]
) -> None:
    """Save the shards holding a file read or gone since ``known`` (records of files not
    read again are the very objects of ``known``)."""
    shards: list[dict[str, FileRecord]] = [{} for _ in range(INPUT_SHARDS)]
    for path, record in files.items():
        shards[_input_shard(path)][path] = record
    changed = {_input_shard(p) for p, record in files.items() if known.get(p) is not record}
    changed.update(_input_shard(p) for p in known if p not in files)
    for shard in sorted(changed):
        cache.save(_input_files_name(shard), shards[shard])


CLUSTER_MEMO = "cluster-memo.pickle"  # what clustering can reuse when few articles changed
MEMO_SHARDS = 32  # its articles' entries, in groups: an edit rewrites a few of them
StoredMemo = tuple[ClusterMemo, list[int]]  # the memo, and the generation of each group


def _memo_group_name(shard: int) -> str:
    return f"cluster-memo-{shard:02d}.pickle"


def _load_cluster_memo(cache: BuildCache) -> StoredMemo | None:
    """The last clustering memo, if its shared part and every group of its articles'
    entries were saved by the same build (a group of another build: no memo)."""
    stored = cache.load(CLUSTER_MEMO)
    if not isinstance(stored, dict) or not isinstance(stored.get("shared"), ClusterMemo):
        return None
    generations = stored.get("generations")
    if not isinstance(generations, list) or len(generations) != MEMO_SHARDS:
        return None
    groups = []
    for shard, generation in enumerate(generations):
        group = cache.load(_memo_group_name(shard))
        if not isinstance(group, tuple) or len(group) != 2 or group[0] != generation:
            return None
        groups.append(group[1])
    return ClusterMemo.joined(stored["shared"], groups), generations


def _save_cluster_memo(cache: BuildCache, memo: ClusterMemo, before: StoredMemo | None) -> None:
    """Save the groups holding an article whose entry is not the very one loaded, then
    the shared part naming each group's generation: a build interrupted in between
    leaves groups the shared part does not name, and the next build starts afresh."""
    old, generations = before if before is not None else (None, [-1] * MEMO_SHARDS)
    changed = set(range(MEMO_SHARDS))
    if old is not None:
        changed = {
            memo_shard(i, MEMO_SHARDS)
            for i, entry in memo.contributions.items()
            if old.contributions.get(i) is not entry
            or old.vectors.get(i) is not memo.vectors.get(i)
        }
        changed.update(
            memo_shard(i, MEMO_SHARDS) for i in old.contributions if i not in memo.contributions
        )
    generation = max(generations) + 1
    shared, groups = memo.split(MEMO_SHARDS)
    generations = list(generations)
    for shard in sorted(changed):
        cache.save(_memo_group_name(shard), (generation, groups[shard]))
        generations[shard] = generation
    cache.save(CLUSTER_MEMO, {"shared": shared, "generations": generations})


@contextmanager
def _article_store_root(cache: Path | None) -> Iterator[Path]:
    """The cache's article store; without a cache, a temporary one for this build."""
    if cache is not None:
        yield cache / "articles"
        return
    with tempfile.TemporaryDirectory(prefix="digest-articles-") as folder:
        yield Path(folder)


def _analysis_data(
    content: ContentIndex, settings: Settings, options: BuildOptions
) -> tuple[AnalysisData, str]:
    """What every article's processing shares, compiled once, and a key of all of it
    (the code included): results cached under another key are never used."""
    user_lexicons = options.content / "lexicons"
    use_user_lexicons(user_lexicons if user_lexicons.is_dir() else None)
    analysis = prepare_analysis(content.actors, content.topics, settings.languages)
    shared = fingerprint(
        code_version(),
        content.actors,
        content.topics,
        settings.languages,
        files_fingerprint([user_lexicons]),
    )
    return analysis, shared


def _global_key(options: BuildOptions, settings: Settings, content: ContentIndex) -> str:
    """What every page depends on: code, templates, settings, actors and topics."""
    return fingerprint(
        code_version(),
        files_fingerprint(options.templates),
        settings,
        content.actors,
        content.topics,
    )


def _render(
    library: Library,
    store: ArticleStore,
    global_key: str,
    options: BuildOptions,
    cache: BuildCache,
    memo: RenderMemo | None,
) -> RenderResult:
    """Update the site in place when the last build's manifest still describes it, else
    render it all into a staging folder and swap that in.  Either way, a failure leaves
    the last good site as it was."""
    # A manifest describes one output folder's files: one per folder.
    manifest_name = f"manifest-{fingerprint(str(options.output.resolve()))[:16]}.pickle"
    last = cache.load(manifest_name)
    previous = last.get("manifest") if isinstance(last, dict) else None
    if (
        isinstance(previous, Manifest)
        and previous.global_key == global_key
        and last.get("output") == _output_stamp(options.output)
    ):
        parent = options.output.resolve().parent
        with tempfile.TemporaryDirectory(
            prefix=f".{options.output.name}.changes-", dir=parent
        ) as folder:
            changes = Path(folder)
            rendered = render_site(
                library, store, options.templates, changes, global_key, previous, options.jobs, memo
            )
            cache.forget(manifest_name)  # while files move, the manifest is not to be trusted
            stale = [p for p in previous.files if p not in rendered.manifest.files]
            apply_changes(changes, options.output, rendered.made, stale)
    else:
        with staged_output(options.output) as staging:
            rendered = render_site(
                library, store, options.templates, staging, global_key, None, options.jobs, memo
            )
    cache.save(
        manifest_name, {"manifest": rendered.manifest, "output": _output_stamp(options.output)}
    )
    return rendered


def _input_stamp(options: BuildOptions, stats: dict[str, os.stat_result]) -> str:
    """Everything a build reads, cheaply: code, options, and every input file's stat
    (collected into ``stats`` for the build that follows)."""
    return fingerprint(
        code_version(),
        dataclasses.replace(options, output=options.output.resolve()),
        tree_stamp([options.seeds, options.content, *options.templates], stats),
    )


LAST_BUILD = "last-build.pickle"


def _output_stamp(output: Path) -> tuple[int, int, int] | None:
    """The site folder's identity: a swap, a deletion or another build changes it."""
    try:
        folder = output.stat()
        index = (output / "index.html").stat()
    except OSError:
        return None
    return (folder.st_ino, index.st_ino, index.st_mtime_ns)


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
    summaries: list[ArticleSummary],
    stories: int,
    rendered: RenderResult,
    problems: list[Problem],
    started: float,
    options: BuildOptions,
    cache: BuildCache,
) -> BuildReport:
    removals = Counter(rule for summary in summaries for rule in summary.removal_rules)
    unknown = aggregate_unknown_names(summaries)  # type: ignore[arg-type] - reads unknown_names
    return BuildReport(
        articles=len(summaries),
        articles_per_language=dict(Counter(s.language for s in summaries)),
        stories=stories,
        actors_mentioned=len({m.actor_id for s in summaries for m in s.actors}),
        pages=len(rendered.written),
        removals_per_rule=dict(removals),
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
        output=str(options.output),
        unknown_names=tuple((u.name, u.count, u.example) for u in unknown),
        flagged_articles=sum(1 for s in summaries if s.flags),
        cached_articles=cache.hits,
        reused_pages=rendered.reused,
    )
