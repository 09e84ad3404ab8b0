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
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
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
CHUNK = 32  # articles per task sent to a worker
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


def clean_and_analyse(raw: RawArticle, data: AnalysisData) -> AnalysedArticle | ArticleFailure:
    """Both per-article stages for one article; an exception becomes a failure record."""
    try:
        return analyse_article(clean_article(raw), data)
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop the build
        return ArticleFailure(raw.path, f"{type(exc).__name__}: {exc}; article skipped")


Result = tuple[ProcessedArticle, StoreRow] | ArticleFailure


def process_article(key: str, raw: RawArticle, data: AnalysisData) -> Result:
    """Everything the build derives from one article on its own."""
    analysed = clean_and_analyse(raw, data)
    if isinstance(analysed, ArticleFailure):
        return analysed
    try:
        body = tuple(str(render_block(block)) for block in analysed.clean.blocks)
        cleaning = cleaning_entry(analysed)
        processed = ProcessedArticle(
            key, summarise(analysed, cleaning), article_features(analysed, data.topics)
        )
        row = StoreRow(
            analysed.id,
            pack(StoredArticle(_for_its_page(analysed), body)),
            pack_words(search_words(analysed)),
            cleaning,
        )
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop the build
        return ArticleFailure(raw.path, f"{type(exc).__name__}: {exc}; article skipped")
    return processed, row


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
    # What it makes, it collects (the build may have paused the collector it inherited).
    gc.freeze()
    gc.enable()


def _work(task: tuple[str, ArticleSource]) -> Result:
    """On a worker: read and process one article."""
    assert _worker is not None
    return _process_source(*task, _worker)


def _process_source(key: str, source: ArticleSource, data: AnalysisData) -> Result:
    try:
        raw = read_source(source)
    except (OSError, InputError) as exc:
        return ArticleFailure(source.path, f"{exc}; article skipped")
    return process_article(key, raw, data)


Progress = Callable[[Iterable[Any], int], Iterable[Any]]  # wraps an iterable, given its length


def article_key(shared: str, source: ArticleSource) -> str:
    """Everything an article's processing depends on: its file and the shared inputs."""
    return fingerprint(shared, source.stamp)


@dataclass(slots=True)
class ProcessedArticles:
    """Every article processed, in input order: the keys and clustering features in
    memory, the summaries wherever they are.

    Summaries and features are cached apart, so that a build that reuses most of
    them can hold the features while it clusters and the summaries only after:
    at a hundred thousand articles, each set is hundreds of megabytes.
    """

    keys: list[str]
    features: list[ArticleFeatures]
    fresh: dict[str, ArticleSummary]  # computed by this build, by key; the rest are cached
    cache: BuildCache
    recompute: Callable[[list[str]], dict[str, ArticleSummary]]  # for summaries gone missing
    # The index shards whose articles changed (new, edited or gone) since the cache had
    # them, with their articles' features: ``save_shards`` writes them.
    unsaved: dict[int, dict[str, ArticleFeatures]]

    def summaries(self) -> list[ArticleSummary]:
        """Every summary, in input order (cached ones read back from the cache; any the
        cache lost, to a deleted file say, computed again)."""
        return self._summaries_of(self.keys)

    def _summaries_of(self, keys: list[str]) -> list[ArticleSummary]:
        wanted = {shard_of(key, INDEX_SHARDS) for key in keys if key not in self.fresh}
        found: dict[str, ArticleSummary] = {}
        for shard in sorted(wanted):
            found.update(self.cache.load(_shard_file(SUMMARIES, shard), words_shared=True) or {})
        found.update(self.fresh)
        missing = [key for key in keys if key not in found]
        if missing:
            again = self.recompute(missing)
            self.fresh.update(again)
            found.update(again)
        return [found[key] for key in keys]

    def cached_features(self) -> list[ArticleFeatures]:
        """Every article's features, in input order, read back from the cache (once
        ``save_shards`` has written this build's)."""
        stored: dict[str, ArticleFeatures] = {}
        for shard in range(INDEX_SHARDS):
            stored.update(self.cache.load(_shard_file(FEATURES, shard), words_shared=True) or {})
        return [stored[key] for key in self.keys]

    def save_shards(self) -> None:
        """Write the ``unsaved`` index shards, summaries and features."""
        for shard, entries in sorted(self.unsaved.items()):
            summaries = dict(zip(entries, self._summaries_of(list(entries)), strict=True))
            # Features last, after their summaries: a shard's features promise its
            # summaries, so until both are written there are none (an interrupted build
            # computes them again).
            self.cache.forget(_shard_file(FEATURES, shard))
            self.cache.save(_shard_file(SUMMARIES, shard), summaries)
            self.cache.save(_shard_file(FEATURES, shard), entries)
        self.unsaved = {}


def process_articles(
    content: ContentIndex,
    data: AnalysisData,
    shared: str,
    cache: BuildCache,
    store: ArticleStore,
    jobs: int = 0,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> tuple[ProcessedArticles, list[Problem]]:
    """Process every article, reusing cached results; keep the input order.

    ``shared`` fingerprints what every article's analysis depends on (code,
    actors, topics, settings); ``jobs`` is the number of worker processes
    (0: one per core, 1: serial); ``scheduler`` is the address of a Dask
    scheduler to run on instead.
    """
    keys = [article_key(shared, source) for source in content.sources]
    shards = {
        n: cache.load(_shard_file(FEATURES, n), words_shared=True) or {}
        for n in range(INDEX_SHARDS)
    }
    stored = {key: value for shard in shards.values() for key, value in shard.items()}
    todo = [
        (key, source)
        for source, key in zip(content.sources, keys, strict=True)
        if key not in stored
    ]
    cache.hits += len(keys) - len(todo)
    cache.misses += len(todo)
    computed: Iterable[Result] = _run(todo, data, jobs, scheduler)
    if progress is not None and todo:
        computed = progress(computed, len(todo))
    fresh = iter(list(_stored(computed, store)))
    results: dict[str, ArticleFeatures | ArticleFailure] = {}
    summaries: dict[str, ArticleSummary] = {}
    for key in keys:
        if key in stored:
            results[key] = stored[key]
            continue
        result = next(fresh)
        if isinstance(result, ProcessedArticle):
            results[key], summaries[key] = result.features, result.summary
        else:
            results[key] = result
    done = [key for key, result in results.items() if isinstance(result, ArticleFeatures)]
    sources = dict(zip(keys, content.sources, strict=True))

    def recompute(missing: list[str]) -> dict[str, ArticleSummary]:
        again = _stored((_process_source(key, sources[key], data) for key in missing), store)
        return {r.key: r.summary for r in again if isinstance(r, ProcessedArticle)}

    current: dict[int, dict[str, ArticleFeatures]] = {shard: {} for shard in shards}
    for key in done:
        current[shard_of(key, INDEX_SHARDS)][key] = results[key]  # type: ignore[assignment]
    processed = ProcessedArticles(
        done,
        [results[key] for key in done],
        summaries,
        cache,
        recompute,  # type: ignore[misc]
        {n: entries for n, entries in current.items() if entries.keys() != shards[n].keys()},
    )
    problems = [
        Problem(r.path, None, r.message) for r in results.values() if isinstance(r, ArticleFailure)
    ]
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


FEATURES, SUMMARIES = "features", "summaries"  # the two halves of the index, sharded alike


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
        for key, source in todo:
            yield _process_source(key, source, data)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(data,)) as pool:
        yield from pool.map(_work, todo, chunksize=CHUNK)


def _read_all(todo: Sequence[tuple[str, ArticleSource]]) -> list[tuple[str, RawArticle]]:
    return [(key, read_source(source)) for key, source in todo]
