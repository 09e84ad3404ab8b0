"""The per-article stages (clean, analyse), cached and spread over worker processes.

Each article's result is a pure function of the article and the shared
analysis data, so results can be cached by content hash and computed in any
order on any worker: the output is the same as a serial run.

A worker hands back what the rest of the build keeps in memory (the
article's summary and its clustering features) and, packed, the record its
page needs, which goes to the article store and is read back when that page
is rendered.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Any

from .analyse import AnalysedArticle, AnalysisData, analyse_article
from .cache import BuildCache, fingerprint, shard_of
from .clean import clean_article
from .cluster import ArticleFeatures, article_features
from .load import ArticleSource, ContentIndex, RawArticle, read_source
from .problems import InputError, Problem
from .store import ArticleStore, StoredArticle, StoreRow, pack, pack_words
from .summary import ArticleSummary, cleaning_entry, search_words, summarise
from .views import render_block

PARALLEL_FROM = 300  # fewer articles than this are not worth starting worker processes
BATCH = 32  # articles per task sent to a worker, processed stage by stage (process_batch)
# Allocations between a worker's young collections (Python's default: 700); 1.7-2.9% less
# time per article in alternating runs (see _init_worker, bench/batch_bench.py)
WORKER_YOUNG_COLLECTION = 10_000
INDEX_SHARDS = 32  # an edit rewrites one shard of the summary index, not all of it

_worker: AnalysisData | None = None


@dataclass(frozen=True, slots=True)
class ArticleFailure:
    """An article that broke a stage: reported, left out, the build goes on."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class ProcessedArticle:
    """What a worker hands back besides the store record: the article's summary and its
    clustering features, cached by the build apart (see ``ProcessedArticles``)."""

    key: str  # cache key: the article's store record and page fingerprints use it
    summary: ArticleSummary
    features: ArticleFeatures

    @property
    def id(self) -> str:
        return self.summary.id


Result = tuple[ProcessedArticle, StoreRow] | ArticleFailure


def process_batch(batch: Sequence[tuple[str, RawArticle]], data: AnalysisData) -> list[Result]:
    """Everything the build derives from each article on its own, for a batch of articles
    (keyed), stage by stage.

    Stage by stage rather than article by article, because the per-article work is
    bound by memory more than by instructions: a stage reads tables (the lexicons'
    word memos, the topic scans' pieces, the phrase table) that the other stages of
    one article evict from the processor's caches.  A topic scan took 115 µs with its
    tables cached and 430 µs without; a batch of 32 articles, stage by stage, took
    13-21% less time than the same articles one by one, in alternating runs
    (``bench/batch_bench.py`` measures both).  An article's results are its own
    either way: a stage that raises for one article fails that article alone.
    """
    paths = [raw.path for _, raw in batch]
    clean = _stage(paths, clean_article, [raw for _, raw in batch])
    analysed = _stage(paths, lambda article: analyse_article(article, data), clean)
    bodies = _stage(paths, _body_html, analysed)
    cleaning = _stage(paths, cleaning_entry, analysed)
    summaries = _stage(paths, summarise, analysed, cleaning)
    features = _stage(paths, lambda article: article_features(article, data.topics), analysed)
    words = _stage(paths, lambda article: pack_words(search_words(article)), analysed)
    records = _stage(paths, _record, analysed, bodies)
    keys = [key for key, _ in batch]
    return _stage(paths, _result, keys, analysed, cleaning, summaries, features, words, records)


def _stage(paths: Sequence[str], step: Callable[..., Any], *inputs: list[Any]) -> list[Any]:
    """``step`` for each article of a batch, given its ``inputs``; an article that failed
    at an earlier stage keeps its failure, one for which ``step`` raises fails with it."""
    done: list[Any] = []
    for path, args in zip(paths, zip(*inputs, strict=True), strict=True):
        failed = next((a for a in args if isinstance(a, ArticleFailure)), None)
        if failed is not None:
            done.append(failed)
            continue
        try:
            done.append(step(*args))
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the build
            done.append(ArticleFailure(path, f"{type(exc).__name__}: {exc}; article skipped"))
    return done


def _result(
    key: str,
    analysed: AnalysedArticle,
    cleaning: str,
    summary: ArticleSummary,
    features: ArticleFeatures,
    words: bytes,
    record: bytes,
) -> Result:
    return ProcessedArticle(key, summary, features), StoreRow(analysed.id, record, words, cleaning)


def _body_html(analysed: AnalysedArticle) -> tuple[str, ...]:
    return tuple(str(render_block(block)) for block in analysed.clean.blocks)


def _record(analysed: AnalysedArticle, body: tuple[str, ...]) -> bytes:
    return pack(StoredArticle(_for_its_page(analysed), body))


def _for_its_page(analysed: AnalysedArticle) -> AnalysedArticle:
    """The article without what only earlier stages read: its text is in the body HTML,
    and every record written costs disk bandwidth, the scarce resource of a full build."""
    return dataclasses.replace(
        analysed,
        clean=dataclasses.replace(analysed.clean, blocks=()),
        quotes=(),
        unknown_names=(),
        mentions=(),
        terms=None,
        numbers=None,
    )


def _init_worker(data: AnalysisData) -> None:
    global _worker
    _worker = data
    # What the worker inherited lives as long as it does: the collector need not walk it.
    # What it makes, it collects (the build may have paused the collector it inherited),
    # but seldom: processing makes no reference cycles (a full collection after every
    # thousand articles found none), so a young collection finds nothing, yet walks every
    # young object of the batch, evicting the stages' tables from the caches besides.
    gc.freeze()
    gc.set_threshold(WORKER_YOUNG_COLLECTION, *gc.get_threshold()[1:])
    gc.enable()


def _work(tasks: list[tuple[str, ArticleSource]]) -> list[Result]:
    """On a worker: read and process a batch of articles."""
    assert _worker is not None
    return process_sources(tasks, _worker)


def process_sources(tasks: Sequence[tuple[str, ArticleSource]], data: AnalysisData) -> list[Result]:
    """Read and process articles (keyed), in order: ``process_batch`` once they are read."""
    read: list[ArticleFailure | tuple[str, RawArticle]] = []
    for key, source in tasks:
        try:
            read.append((key, read_source(source)))
        except (OSError, InputError) as exc:
            read.append(ArticleFailure(source.path, f"{exc}; article skipped"))
    readable = [task for task in read if not isinstance(task, ArticleFailure)]
    processed = iter(process_batch(readable, data))
    return [task if isinstance(task, ArticleFailure) else next(processed) for task in read]


def _batches(todo: Sequence[tuple[str, ArticleSource]]) -> list[list[tuple[str, ArticleSource]]]:
    return [list(todo[start : start + BATCH]) for start in range(0, len(todo), BATCH)]


def process_in_batches(
    tasks: Sequence[tuple[str, ArticleSource]], data: AnalysisData
) -> Iterator[Result]:
    """``process_sources`` here, in a worker's batches."""
    for batch in _batches(tasks):
        yield from process_sources(batch, data)


Progress = Callable[[Iterable[Any], int], Iterable[Any]]  # wraps an iterable, given its length


def article_key(shared: str, source: ArticleSource) -> str:
    """Everything an article's processing depends on: its file and the shared inputs."""
    return fingerprint(shared, source.stamp)


@dataclass(frozen=True, slots=True)
class ProcessingPlan:
    """Every article's key, and which of them the cache holds, before any is processed:
    enough to start work that needs the cached articles only (see build.py)."""

    keys: list[str]  # every article's, in input order
    sources: dict[str, ArticleSource]  # by key
    held: list[frozenset[str]]  # by index shard: the keys whose summary and features it holds
    todo: list[tuple[str, ArticleSource]]  # the articles to process

    @property
    def everything(self) -> bool:
        """Whether every article is to be processed (a first build, new code)."""
        return len(self.todo) == len(self.keys)


def plan_processing(content: ContentIndex, shared: str, cache: BuildCache) -> ProcessingPlan:
    """Key every article (``shared`` fingerprints what every article's analysis depends
    on: code, actors, topics, settings) and look up which the cache holds, reading only
    the index's lists of keys."""
    keys = [article_key(shared, source) for source in content.sources]
    held = held_keys(cache)
    cached = frozenset().union(*held)
    todo = [
        (key, source)
        for source, key in zip(content.sources, keys, strict=True)
        if key not in cached
    ]
    return ProcessingPlan(keys, dict(zip(keys, content.sources, strict=True)), held, todo)


def held_keys(cache: BuildCache) -> list[frozenset[str]]:
    """The keys of the articles the cache's index holds, by shard."""
    return [frozenset(cache.load(_shard_file(KEYS, n)) or ()) for n in range(INDEX_SHARDS)]


def features_in_cache(cache: BuildCache, held: list[frozenset[str]]) -> dict[str, ArticleFeatures]:
    """The features of the articles ``held`` (``held_keys``), by key."""
    return _features_in_shards(cache, [n for n, keys in enumerate(held) if keys])


def _features_in_shards(cache: BuildCache, shards: Iterable[int]) -> dict[str, ArticleFeatures]:
    found: dict[str, ArticleFeatures] = {}
    for shard in sorted(shards):
        found.update(cache.load(_shard_file(FEATURES, shard), words_shared=True) or {})
    return found


class FeaturesLost(Exception):
    """The cache's index lists an article whose features are gone (a deleted file, say)."""


def current_features(
    held: list[frozenset[str]],
    cached: Mapping[str, ArticleFeatures],
    gone: Iterable[str],
    fresh: Mapping[str, ArticleFeatures],
) -> list[ArticleFeatures]:
    """Every article's features as ``process_articles`` leaves them, in input order (by
    id), from what the cache held (``held_keys``, ``features_in_cache``): less the
    articles ``gone`` (deleted, changed), plus those ``fresh`` (new, changed)."""
    keys = frozenset().union(*held).difference(gone)
    lost = keys.difference(cached)
    if lost:
        raise FeaturesLost(f"{len(lost)} articles' features are gone from the cache")
    found = [cached[key] for key in keys]
    found.extend(fresh.values())
    return sorted(found, key=lambda features: features.id)


@dataclass(slots=True)
class ProcessedArticles:
    """Every article processed, in input order: the keys in memory, this build's summaries
    and clustering features too, and the cached ones wherever they are.

    Summaries and features are cached apart, so that a build that reuses most of
    them need not hold both at once: at a hundred thousand articles, each set is
    hundreds of megabytes.
    """

    keys: list[str]
    fresh_features: dict[str, ArticleFeatures]  # computed by this build, by key
    fresh: dict[str, ArticleSummary]  # computed by this build, by key; the rest are cached
    cache: BuildCache
    plan: ProcessingPlan
    # Articles whose summary or features the cache lost (a deleted file, say), processed
    # again (their records stored again)
    recompute: Callable[[list[str]], dict[str, ProcessedArticle]]
    # The index shards whose articles changed (new, edited or gone) since the cache had
    # them, with the keys they hold now: ``save_shards`` writes them.
    unsaved: dict[int, list[str]]

    def features(self) -> list[ArticleFeatures]:
        """Every article's features, in input order (cached ones read from the cache)."""
        return self._features_of(self.keys)

    def _features_of(self, keys: list[str]) -> list[ArticleFeatures]:
        wanted = {shard_of(key, INDEX_SHARDS) for key in keys if key not in self.fresh_features}
        cached = _features_in_shards(self.cache, wanted)
        fresh = self.fresh_features
        self._again([key for key in keys if key not in fresh and key not in cached])
        return [fresh[key] if key in fresh else cached[key] for key in keys]

    def summaries(self) -> list[ArticleSummary]:
        """Every summary, in input order (cached ones read back from the cache; any the
        cache lost, to a deleted file say, computed again)."""
        return self._summaries_of(self.keys)

    def _summaries_of(self, keys: list[str]) -> list[ArticleSummary]:
        wanted = {shard_of(key, INDEX_SHARDS) for key in keys if key not in self.fresh}
        found: dict[str, ArticleSummary] = {}
        for shard in sorted(wanted):
            found.update(summaries_in_shard(self.cache, shard))
        fresh = self.fresh
        self._again([key for key in keys if key not in fresh and key not in found])
        return [fresh[key] if key in fresh else found[key] for key in keys]

    def _again(self, missing: list[str]) -> None:
        """Process again the articles the cache lost: fresh now, summary and features."""
        if missing:
            for key, result in self.recompute(missing).items():
                self.fresh[key], self.fresh_features[key] = result.summary, result.features

    def save_shards(self) -> None:
        """Write the ``unsaved`` index shards: summaries, features and their keys."""
        save_index(
            self.cache,
            self.unsaved,
            lambda shard, keys: self._summaries_of(keys),
            lambda shard, keys: self._features_of(keys),
        )
        self.unsaved = {}


def save_index(
    cache: BuildCache,
    shards: Mapping[int, list[str]],
    summaries_of: Callable[[int, list[str]], list[ArticleSummary]],
    features_of: Callable[[int, list[str]], list[ArticleFeatures]],
) -> None:
    """Write index ``shards`` (their keys now, by shard number), with the summaries and
    features the functions give of a shard's keys; a shard whose articles they cannot
    give (a ``KeyError``) is left as it was, holding what its keys list."""
    for shard, keys in sorted(shards.items()):
        try:
            summaries = dict(zip(keys, summaries_of(shard, keys), strict=True))
            features = dict(zip(keys, features_of(shard, keys), strict=True))
        except KeyError:
            continue
        # The keys last, after what they list: until all three are written, the shard
        # holds nothing (an interrupted build computes its articles again).
        cache.forget(_shard_file(KEYS, shard))
        cache.save(_shard_file(SUMMARIES, shard), summaries)
        cache.save(_shard_file(FEATURES, shard), features)
        cache.save(_shard_file(KEYS, shard), tuple(keys))


def summaries_in_shard(cache: BuildCache, shard: int) -> dict[str, ArticleSummary]:
    """The summaries an index shard holds, by key."""
    return cache.load(_shard_file(SUMMARIES, shard), words_shared=True) or {}


def process_articles(
    plan: ProcessingPlan,
    data: AnalysisData,
    cache: BuildCache,
    store: ArticleStore,
    jobs: int = 0,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> tuple[ProcessedArticles, list[Problem]]:
    """Process the articles ``plan`` lists to do; keep the input order.

    ``jobs`` is the number of worker processes (0: one per core, 1: serial);
    ``scheduler`` is the address of a Dask scheduler to run on instead.
    """
    cache.hits += len(plan.keys) - len(plan.todo)
    cache.misses += len(plan.todo)
    computed: Iterable[Result] = _run(plan.todo, data, jobs, scheduler)
    if progress is not None and plan.todo:
        computed = progress(computed, len(plan.todo))
    features: dict[str, ArticleFeatures] = {}
    summaries: dict[str, ArticleSummary] = {}
    failures: list[ArticleFailure] = []
    failed: set[str] = set()
    for (key, _), result in zip(plan.todo, _stored(computed, store), strict=True):
        if isinstance(result, ProcessedArticle):
            features[key], summaries[key] = result.features, result.summary
        else:
            failures.append(result)
            failed.add(key)
    done = [key for key in plan.keys if key not in failed]

    def recompute(missing: list[str]) -> dict[str, ProcessedArticle]:
        again: dict[str, ProcessedArticle] = {}
        tasks = [(key, plan.sources[key]) for key in missing]
        for result in _stored(process_in_batches(tasks, data), store):
            if isinstance(result, ArticleFailure):  # read at the start of this build
                raise InputError(f"{result.path}: {result.message}; build again")
            again[result.key] = result
        return again

    current: list[list[str]] = [[] for _ in range(INDEX_SHARDS)]
    for key in done:
        current[shard_of(key, INDEX_SHARDS)].append(key)
    processed = ProcessedArticles(
        done,
        features,
        summaries,
        cache,
        plan,
        recompute,
        {n: keys for n, keys in enumerate(current) if set(keys) != plan.held[n]},
    )
    problems = [Problem(f.path, None, f.message) for f in failures]
    return processed, problems


def _stored(
    results: Iterable[Result], store: ArticleStore, batch: int = 500
) -> Iterator[ProcessedArticle | ArticleFailure]:
    """Put each result's record in the store, a few hundred per transaction."""
    pending: list[tuple[str, StoreRow]] = []
    for result in results:
        if isinstance(result, ArticleFailure):
            yield result
            continue
        processed, record = result
        pending.append((processed.key, record))
        if len(pending) >= batch:
            store.put_many(pending)
            pending = []
        yield processed
    store.put_many(pending)


# The index: summaries and features, sharded alike, and each shard's keys (written last)
FEATURES, SUMMARIES, KEYS = "features", "summaries", "keys"


def _shard_file(kind: str, shard: int) -> str:
    return f"{kind}-{shard:02d}.pickle"


def _run(
    todo: Sequence[tuple[str, ArticleSource]],
    data: AnalysisData,
    jobs: int,
    scheduler: str | None,
) -> Iterator[Result]:
    """Results in the order of ``todo``, computed serially, on local workers or on Dask."""
    if not todo:
        return
    if scheduler:
        from .distributed import run_on_dask

        # Dask workers may not see this machine's files: the articles travel with the tasks.
        yield from run_on_dask(scheduler, _read_all(todo), data)
        return
    workers = jobs or os.cpu_count() or 1
    # Asked for by number, workers are used; chosen automatically, only when worth it.
    if workers == 1 or (jobs == 0 and len(todo) < PARALLEL_FROM):
        yield from process_in_batches(todo, data)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(data,)) as pool:
        yield from chain.from_iterable(pool.map(_work, _batches(todo)))


def _read_all(todo: Sequence[tuple[str, ArticleSource]]) -> list[tuple[str, RawArticle]]:
    return [(key, read_source(source)) for key, source in todo]
