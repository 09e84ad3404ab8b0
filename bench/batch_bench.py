"""Why a worker processes its articles in batches, stage by stage: the measurements.

    python bench/generate.py /tmp/b/n2k --articles 2000
    python bench/batch_bench.py /tmp/b/n2k [--articles 1300] [--batch 32] [--warm 100]

The per-article work is bound by memory more than by instructions, so this
compares, in one process and alternately chunk by chunk (so that the host's
changing speed falls on both sides alike), in microseconds per article:

1. the articles processed one by one against the same articles in batches
   (``process.process_batch``, stage by stage);
2. batches with Python's default young-collection threshold (700) against a
   worker's (``process.WORKER_YOUNG_COLLECTION``);
3. a topic scan (``topics.rank_topics``) with its tables in the processor's
   caches against the same scan after 64 MiB have been written in between.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from instructions import prepared  # noqa: E402

from site_builder import process  # noqa: E402
from site_builder.analyse import _join, analyse_article  # noqa: E402
from site_builder.clean import clean_article  # noqa: E402
from site_builder.load import read_source  # noqa: E402
from site_builder.topics import rank_topics  # noqa: E402

Runner = Callable[[list], object]


def alternately(chunks: list[list], first: tuple[str, Runner], second: tuple[str, Runner]) -> str:
    """Each chunk run both ways, the order swapped every chunk; microseconds per article."""
    total = {first[0]: 0.0, second[0]: 0.0}
    for number, chunk in enumerate(chunks):
        for name, run in (first, second) if number % 2 else (second, first):
            started = time.perf_counter()
            run(chunk)
            total[name] += time.perf_counter() - started
    articles = sum(map(len, chunks))
    return ", ".join(f"{name} {seconds / articles * 1e6:.0f} µs" for name, seconds in total.items())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path, help="a folder with seeds/ and content/")
    parser.add_argument("--articles", type=int, default=1300)
    parser.add_argument("--batch", type=int, default=process.BATCH)
    parser.add_argument("--warm", type=int, default=100, help="articles processed untimed first")
    args = parser.parse_args(argv)
    sources, data = prepared(args.corpus)
    gc.freeze()  # as a worker does with what it inherits
    tasks = [("", source) for source in sources[: args.articles]]
    warm, rest = tasks[: args.warm], tasks[args.warm :]
    process.process_sources(warm, data)  # the memos as warm as a worker's
    chunks = [rest[i : i + args.batch] for i in range(0, len(rest), args.batch)]

    def one_by_one(chunk: list) -> None:
        for task in chunk:
            process.process_sources([task], data)

    def in_batch(chunk: list) -> None:
        process.process_sources(chunk, data)

    print(f"{args.corpus}, {len(rest)} articles, batches of {args.batch}, per article:")
    print("1.", alternately(chunks, ("one by one", one_by_one), ("in batches", in_batch)))

    threshold = gc.get_threshold()

    def collected_every(allocations: int) -> Runner:
        def run(chunk: list) -> None:
            gc.set_threshold(allocations, *threshold[1:])
            in_batch(chunk)

        return run

    young = process.WORKER_YOUNG_COLLECTION
    print(
        "2.",
        alternately(
            chunks,
            ("young collection every 700", collected_every(700)),
            (f"every {young}", collected_every(young)),
        ),
    )
    gc.set_threshold(*threshold)

    texts = []
    for _, source in rest[:300]:
        clean = clean_article(read_source(source))  # the text and language the analysis scans
        text, _ = _join([clean.title, clean.subtitle or "", *(b.text for b in clean.blocks)])
        texts.append((text, analyse_article(clean, data).language))
    filler = bytearray(64 << 20)
    cached = evicted = 0.0
    for text, language in texts:  # each text scanned both ways, the eviction not timed
        rank_topics(text, language, data.topics)
        started = time.perf_counter()
        rank_topics(text, language, data.topics)
        cached += time.perf_counter() - started
        filler[::64] = bytes(len(filler) // 64)
        started = time.perf_counter()
        rank_topics(text, language, data.topics)
        evicted += time.perf_counter() - started
    per_scan = 1e6 / len(texts)
    print(f"3. a topic scan: cached {cached * per_scan:.0f} µs,", end=" ")
    print(f"evicted {evicted * per_scan:.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
