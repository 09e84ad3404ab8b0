"""The per-article stages (clean, analyse), cached and spread over worker processes.

Each article's result is a pure function of the article and the shared
analysis data, so results can be cached by content hash and computed in any
order on any worker: the output is the same as a serial run.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from .analyse import AnalysedArticle, AnalysisData, analyse_article
from .cache import BuildCache, code_version, fingerprint
from .clean import clean_article
from .load import RawArticle
from .problems import Problem

PARALLEL_FROM = 300  # fewer articles than this are not worth starting worker processes
CHUNK = 64  # articles per task sent to a worker
CACHE_SHARDS = 32  # an edit rewrites one shard of the article cache, not all of it

_worker_data: AnalysisData | None = None


@dataclass(frozen=True, slots=True)
class ArticleFailure:
    """An article that broke a stage: reported, left out, the build goes on."""

    path: str
    message: str


def clean_and_analyse(raw: RawArticle, data: AnalysisData) -> AnalysedArticle | ArticleFailure:
    """Both per-article stages for one article; an exception becomes a failure record."""
    try:
        return analyse_article(clean_article(raw), data)
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop the build
        return ArticleFailure(raw.path, f"{type(exc).__name__}: {exc}; article skipped")


def _shared_strings(
    result: AnalysedArticle | ArticleFailure,
) -> AnalysedArticle | ArticleFailure:
    """Intern an article's terms as it arrives from a worker: the same few thousand words
    recur in every article, and one copy of each keeps a large collection in memory."""
    if isinstance(result, AnalysedArticle) and result.terms:
        return dataclasses.replace(result, terms=tuple(map(sys.intern, result.terms)))
    return result


def _init_worker(data: AnalysisData) -> None:
    global _worker_data
    _worker_data = data


def _work(raw: RawArticle) -> AnalysedArticle | ArticleFailure:
    assert _worker_data is not None
    return clean_and_analyse(raw, _worker_data)


Progress = Callable[[Iterable[Any], int], Iterable[Any]]  # wraps an iterable, given its length


def process_articles(
    raws: Sequence[RawArticle],
    data: AnalysisData,
    shared_inputs: str,
    cache: BuildCache,
    jobs: int = 0,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> tuple[list[AnalysedArticle], list[Problem]]:
    """Clean and analyse every article, reusing cached results; keep the input order.

    ``shared_inputs`` fingerprints what every article's analysis depends on
    (actors, topics, settings); ``jobs`` is the number of worker processes
    (0: one per core, 1: serial); ``scheduler`` is the address of a Dask
    scheduler to run on instead.
    """
    shared = fingerprint(code_version(), shared_inputs)
    keys = [fingerprint(shared, raw) for raw in raws]
    shards = {shard: cache.load(_shard_file(shard)) or {} for shard in range(CACHE_SHARDS)}
    stored = {key: value for shard in shards.values() for key, value in shard.items()}
    todo = [raw for raw, key in zip(raws, keys, strict=True) if key not in stored]
    cache.hits += len(raws) - len(todo)
    cache.misses += len(todo)
    computed: Iterable[AnalysedArticle | ArticleFailure] = _run(todo, data, jobs, scheduler)
    if progress is not None and todo:
        computed = progress(computed, len(todo))
    fresh = map(_shared_strings, computed)
    results: dict[str, AnalysedArticle | ArticleFailure] = {}
    for key in keys:
        results[key] = stored[key] if key in stored else next(fresh)
    _save_changed_shards(cache, shards, results)
    analysed = [r for r in results.values() if isinstance(r, AnalysedArticle)]
    problems = [
        Problem(r.path, None, r.message) for r in results.values() if isinstance(r, ArticleFailure)
    ]
    return analysed, problems


def _shard_of(key: str) -> int:
    return int(key[:4], 16) % CACHE_SHARDS


def _shard_file(shard: int) -> str:
    return f"articles-{shard:02d}.pickle"


def _save_changed_shards(
    cache: BuildCache,
    shards: dict[int, dict[str, AnalysedArticle]],
    results: dict[str, AnalysedArticle | ArticleFailure],
) -> None:
    """Rewrite the shards whose articles changed (new, edited or gone), and only those."""
    current: dict[int, dict[str, AnalysedArticle]] = {shard: {} for shard in shards}
    for key, result in results.items():
        if isinstance(result, AnalysedArticle):
            current[_shard_of(key)][key] = result
    for shard, entries in current.items():
        if entries.keys() != shards[shard].keys():
            cache.save(_shard_file(shard), entries)


def _run(
    todo: Sequence[RawArticle], data: AnalysisData, jobs: int, scheduler: str | None
) -> Iterator[AnalysedArticle | ArticleFailure]:
    """Results in the order of ``todo``, computed serially, on local workers or on Dask."""
    if not todo:
        return
    if scheduler:
        from .distributed import run_on_dask

        yield from run_on_dask(scheduler, todo, data)
        return
    workers = jobs or os.cpu_count() or 1
    # Asked for by number, workers are used; chosen automatically, only when worth it.
    if workers == 1 or (jobs == 0 and len(todo) < PARALLEL_FROM):
        for raw in todo:
            yield clean_and_analyse(raw, data)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(data,)) as pool:
        yield from pool.map(_work, todo, chunksize=CHUNK)
