"""The recipe: load, clean, analyse, cluster, render."""

from __future__ import annotations

import dataclasses
import gc
import os
import shutil
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyse import AnalysisData, aggregate_unknown_names, prepare_analysis
from .background import ForkedCall, ForkedCallLost, call_forked, start_forked
from .cache import (
    BuildCache,
    code_version,
    files_fingerprint,
    fingerprint,
    paused_gc,
    tree_stamp,
)
from .clean_rules import use_user_lexicons
from .cluster import (
    ArticleFeatures,
    StoredMemo,
    Story,
    cluster_features,
    load_memo,
    save_memo,
)
from .library import Library, build_library
from .load import (
    Actor,
    ContentIndex,
    Topic,
    load_file_table,
    save_file_table,
    scan_content,
)
from .output import apply_changes, staged_output
from .problems import Problem
from .process import (
    FeaturesLost,
    ProcessedArticles,
    Progress,
    current_features,
    features_in_cache,
    held_keys,
    plan_processing,
    process_articles,
    save_index,
    summaries_in_shard,
)
from .render import MadeAhead, Manifest, RenderMemo, RenderResult, make_ahead, render_site
from .report import BuildReport
from .settings import ClusterSettings, Settings, read_settings
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

    @property
    def forks(self) -> bool:
        """Whether the build may run copies of itself: not with one job, whose help
        promises a serial build, the whole of it in one process."""
        return self.jobs != 1


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
    last = cache.load(LAST_BUILD)
    # The build's objects live until it ends, and it makes few cycles: collections would
    # walk a heap of millions of objects again and again for nothing (seconds at a hundred
    # thousand articles).  Its workers collect as usual; a session's builds leave their
    # cycles to ``settle``, after the site is up to date.  A rebuild's clustering starts
    # in a copy of the build at once, even before the inputs are stated (a build with
    # nothing to do stops it); a session keeps what that copy would read in memory.  A
    # serial build (one job) runs in one process.
    apart = session is None and options.forks
    with paused_gc(), _clustering_apart(cache, last if apart else None) as clustering:
        stats: dict[str, os.stat_result] = {}
        stamp = _input_stamp(options, stats)
        # A session's first build goes through every stage, even with nothing to do, so
        # that the session holds the collection when the first edit comes.
        cold = session is not None and not session.built
        unchanged = None if cold else _unchanged_since_last_build(last, stamp, options.output)
        if unchanged is not None:
            return dataclasses.replace(
                unchanged, seconds=time.perf_counter() - started, up_to_date=True
            )
        memo = session.render_memo if session is not None else None
        with _article_store_root(options.cache) as store_root:
            report = _build(
                options, cache, store_root, stamp, stats, started, progress, memo, clustering
            )
    if session is not None:
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
    clustering: _Clustering | None = None,
) -> BuildReport:
    """The stages, in order; every stage reuses what the cache holds for unchanged input.
    ``clustering``: a copy of the build started to cluster, if this is a rebuild."""
    clock = StageClock()
    with clock("load"):
        settings = _with_overrides(read_settings(options.content), options)
        known = load_file_table(cache)
        content = scan_content(
            options.seeds, options.content, known=known, stats=stats, jobs=options.jobs
        )
    with clock("clean+analyse"):
        analysis, shared = _analysis_data(content, settings, options)
        store = ArticleStore(store_root, generation=shared)
    ahead: _Ahead | None = None
    try:
        with clock("clean+analyse"):
            plan = plan_processing(content, shared, cache)
            if clustering is not None and (plan.everything or len(plan.keys) < APART_FROM):
                clustering.end()  # not a rebuild after all (new actors, say)
                clustering = None
            with paused_gc():  # results pile up by the thousand, and none of them is cyclic
                processed, failures = process_articles(
                    plan, analysis, cache, store, options.jobs, options.scheduler, progress
                )
                # They stay alive to the end of the build: the collector need not walk them
                # again.
                gc.freeze()
            store.keep_only(processed.keys)  # the store holds this collection, no more
        problems = [*content.problems, *failures]
        if options.strict and any(p.kind == "error" for p in problems):
            raise StrictBuildError([p for p in problems if p.kind == "error"])
        global_key = _global_key(options, settings, content)

        def save_inputs() -> None:
            if content.read or content.forgotten:  # else the table on disk is this one
                save_file_table(cache, content.files, known)

        stories: tuple[Story, ...] | None = None
        with clock("cluster"):
            if clustering is not None:  # first: no other copy then holds the question's pipe
                clustering.ask(processed, settings, content)  # it writes the index, too
                index_saved = _written_by_the_copy
            else:
                # Clustering runs on one core.  Meanwhile, in a full build, a copy of the
                # build writes the index and the input table, then makes the files that
                # need no stories.
                if memo is None and options.forks and _worth_making_ahead(processed):
                    ahead = _start_ahead(
                        processed, save_inputs, settings, content, store, options, global_key
                    )
                stories = _cluster_here(processed, settings, content, cache)
                index_saved = (
                    cache.write_in_background(
                        processed.save_shards,
                        worth=len(processed.unsaved) > 4 and options.forks,
                    )
                    if ahead is None
                    else _written_by_the_copy
                )
        index_saved()
        with paused_gc():
            summaries = processed.summaries()
        keys = {s.id: key for s, key in zip(summaries, processed.keys, strict=True)}
        if clustering is not None:
            with clock("cluster"):
                stories = clustering.result()
                if stories is None:  # the copy could not: the build writes the index, and
                    processed.save_shards()  # clusters from the features the cache holds
                    stories = _cluster_here(processed, settings, content, cache)
        assert stories is not None
        # This build's features are done with: let them go before pages are rendered, on
        # workers that would each inherit them (a large collection's biggest structures).
        processed.fresh_features.clear()
        del processed
        with clock("render"):
            with paused_gc():  # a hundred thousand articles' lists and links, acyclic
                library = build_library(
                    settings, summaries, stories, content.actors, content.topics, keys
                )
            finished = ahead.finished if ahead is not None else None
            rendered = _render(library, store, global_key, options, cache, memo, finished)
        if ahead is None or not ahead.forked.wait():  # else the copy saved it (waited for)
            save_inputs()
        store.discard_other_generations()
        if clustering is not None:
            clustering.finish()
    finally:
        gc.unfreeze()
        store.close()
        if ahead is not None:
            ahead.forked.wait()  # a failed build's copy, even, is not left running
            shutil.rmtree(ahead.made.folder, ignore_errors=True)
    report = _report(summaries, len(stories), rendered, problems, started, options, cache)
    report = dataclasses.replace(report, stage_seconds=clock.seconds)
    cache.save(
        LAST_BUILD,
        {
            "stamp": stamp,
            "output": _output_stamp(options.output),
            "report": report,
            "code": code_version(),
        },
    )
    return report


AHEAD_FROM = 1000  # articles processed afresh from which the story-free files are made ahead
APART_FROM = 1000  # articles from which a rebuild clusters in a copy of itself


@contextmanager
def _clustering_apart(cache: BuildCache, last: object) -> Iterator[_Clustering | None]:
    """A copy of the build that clusters, started at once if this build looks like a
    rebuild of many articles (``last``, the last build's record: as many, by this code):
    while the build states and reads its inputs, the copy reads what it needs of the
    cache, and the build hands it the rest once its changed articles are processed.  It
    does not outlive the build."""
    worth = False
    if isinstance(last, dict) and cache.folder is not None:
        report = last.get("report")
        worth = (
            isinstance(report, BuildReport)
            and report.articles >= APART_FROM
            and last.get("code") == code_version()
        )
    clustering = _start_clustering(cache) if worth else None
    try:
        yield clustering
    finally:
        if clustering is not None:
            clustering.end()  # a failed build's copy, even, is not left running


def _clustered(
    features: Sequence[ArticleFeatures],
    settings: ClusterSettings,
    topics: Sequence[Topic],
    actors: Sequence[Actor],
    cache: BuildCache,
    before: StoredMemo | None,
) -> tuple[tuple[Story, ...], Callable[[], None]]:
    """The stories, with the last run's memo, and what saves the new memo."""
    clustering = cluster_features(
        features,
        settings,
        topics=topics,
        actors=actors,
        memo=before[0] if before is not None else None,
    )
    return clustering.stories, lambda: save_memo(cache, clustering.memo, before)


def _cluster_here(
    processed: ProcessedArticles, settings: Settings, content: ContentIndex, cache: BuildCache
) -> tuple[Story, ...]:
    before = load_memo(cache)
    stories, save = _clustered(
        processed.features(), settings.cluster, content.topics, content.actors, cache, before
    )
    save()
    return stories


def _start_clustering(cache: BuildCache) -> _Clustering | None:
    """Start a copy of the build that reads the features the cache holds and the memo,
    then, handed the rest (``_Clustering.ask``), clusters, answers with the stories, and
    writes the index shards that changed and the new memo."""
    kept: list[object] = []  # what the copy would otherwise free, one by one, before answering

    def cluster(question: Callable[[], Any]) -> tuple[tuple[Story, ...], Callable[[], None]]:
        held = held_keys(cache)
        cached = features_in_cache(cache, held)
        before = load_memo(cache)
        gone, fresh, fresh_summaries, unsaved, settings, topics, actors = question()
        features = current_features(held, cached, gone, fresh)
        kept.append((cached, features))  # gone with the copy (0.04 s at 10,000, freed)
        stories, save = _clustered(features, settings, topics, actors, cache, before)

        def summaries_of(shard: int, keys: list[str]) -> list[ArticleSummary]:
            stored = summaries_in_shard(cache, shard)
            return [fresh_summaries[k] if k in fresh_summaries else stored[k] for k in keys]

        def then() -> None:
            save_index(
                cache,
                unsaved,
                summaries_of,
                lambda shard, keys: [fresh[k] if k in fresh else cached[k] for k in keys],
            )
            save()

        return stories, then

    call = call_forked(cluster)
    return _Clustering(call) if call is not None else None


@dataclass(slots=True)
class _Clustering:
    """Clustering under way in a forked copy of the build."""

    call: ForkedCall[tuple[Story, ...]]
    here: bool = False  # the copy could not cluster: the build did

    def ask(self, processed: ProcessedArticles, settings: Settings, content: ContentIndex) -> None:
        """Hand the copy what it lacks: the articles the cache holds that are gone or
        changed, the features and summaries of the new and changed ones, the index
        shards to write, and the settings.  (Not every key: a question larger than a
        pipe holds waits for the copy to read it.)"""
        gone = frozenset().union(*processed.plan.held).difference(processed.plan.keys)
        self.call.ask(
            (
                gone,
                processed.fresh_features,
                processed.fresh,
                processed.unsaved,
                settings.cluster,
                content.topics,
                content.actors,
            )
        )

    def result(self) -> tuple[Story, ...] | None:
        """The stories; None from a copy lost (killed, out of memory) or short of features
        the cache lost, whose work is then the build's."""
        try:
            return self.call.result()
        except FeaturesLost:
            self.here = True
            return None
        except ForkedCallLost:
            warnings.warn(
                "the build's copy that clusters the articles ended without an answer; "
                "they are clustered here",
                stacklevel=2,
            )
            self.here = True
            return None

    def finish(self) -> None:
        """Wait for the copy to have saved the memo and the index."""
        if not self.call.wait() and not self.here:
            # The next build finds no memo it can use, and clusters from scratch; it
            # processes again the articles of the index shards not written.
            warnings.warn(
                "the build's copy that clusters the articles failed to save its memo "
                "or the cache's index (see above)",
                stacklevel=2,
            )

    def end(self) -> None:
        """Let the copy finish what it was asked (the index, the memo); one never asked is
        stopped at once: it has only read the cache."""
        if self.call.asked:
            self.call.wait()
        else:
            self.call.kill()


@dataclass(frozen=True, slots=True)
class _Ahead:
    """The copy of the build that writes the index and makes the story-free files."""

    made: MadeAhead
    forked: ForkedCall[None]

    def finished(self) -> MadeAhead | None:
        if self.forked.wait():
            return self.made
        # The next build finds what the copy did not write missing, and redoes it.
        warnings.warn(
            "the build's copy that writes the cache index and makes the search index "
            "failed (see above); those files are made after clustering",
            stacklevel=2,
        )
        return None


def _written_by_the_copy() -> None:
    """The index is written by the copy that makes the files ahead: waited for with them."""


def _worth_making_ahead(processed: ProcessedArticles) -> bool:
    """Whether to make the search index and the cleaning report while clustering: when
    every article was processed afresh (a first build, new code), and there are many.
    Their summaries are then all in memory; and an edit remakes a shard or two, which
    are not worth a copy of the build."""
    return len(processed.fresh) == len(processed.keys) >= AHEAD_FROM


def _start_ahead(
    processed: ProcessedArticles,
    save_inputs: Callable[[], None],
    settings: Settings,
    content: ContentIndex,
    store: ArticleStore,
    options: BuildOptions,
    global_key: str,
) -> _Ahead | None:
    """Start a copy of the build that writes the index and the table of input files
    (what the next build reads, off this one's tail), then makes the story-free files
    into a folder beside the site (so that they move into it by renaming)."""
    parent = options.output.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    made = MadeAhead(Path(tempfile.mkdtemp(prefix=f".{options.output.name}.ahead-", dir=parent)))

    def make() -> None:
        processed.save_shards()  # first: the next build needs it, this one only gains time
        save_inputs()
        summaries = processed.summaries()
        keys = {s.id: key for s, key in zip(summaries, processed.keys, strict=True)}
        library = build_library(settings, summaries, (), content.actors, content.topics, keys)
        make_ahead(
            library, store, options.templates, global_key, made, _compiled_templates(options)
        )

    forked = start_forked(make)
    if forked is None:
        shutil.rmtree(made.folder, ignore_errors=True)
        return None
    return _Ahead(made, forked)


def _compiled_templates(options: BuildOptions) -> Path | None:
    """Where the templates' compiled code is kept between builds: in the cache, if any."""
    return options.cache / "templates" if options.cache is not None else None


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
    ahead: Callable[[], MadeAhead | None] | None,
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
                library,
                store,
                options.templates,
                changes,
                global_key,
                previous,
                options.jobs,
                memo,
                ahead,
                _compiled_templates(options),
            )
            cache.forget(manifest_name)  # while files move, the manifest is not to be trusted
            stale = [p for p in previous.files if p not in rendered.manifest.files]
            apply_changes(changes, options.output, rendered.made, stale)
    else:
        with staged_output(options.output) as staging:
            rendered = render_site(
                library,
                store,
                options.templates,
                staging,
                global_key,
                None,
                options.jobs,
                memo,
                ahead,
                _compiled_templates(options),
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


def _unchanged_since_last_build(last: object, stamp: str, output: Path) -> BuildReport | None:
    """The last build's report (``last``, as saved) if neither its inputs nor its output
    have changed since."""
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
