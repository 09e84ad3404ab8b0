"""Time stage 2 (clean) alone, and check that a change to the cleaner changes nothing.

    python bench/generate.py /tmp/b/n2k --articles 2000
    python bench/clean_bench.py /tmp/b/n2k [--repeat 3] [--profile 25]
    python bench/clean_bench.py /tmp/b/n2k /tmp/b/n10k --dump ref.pickle [--code OLD_TREE]
    python bench/clean_bench.py /tmp/b/n2k /tmp/b/n10k --check ref.pickle

Each CORPUS is a folder with ``seeds/`` and ``content/`` (what bench/generate.py
writes); a folder without them (e.g. tests/gold/cleaning) is read file by file.
Loading is not timed; ``clean_article`` is timed over every article and the
best of ``--repeat`` rounds is printed in CPU ms per article.

``--dump`` writes ``repr(clean_article(raw))`` of every article to a pickle,
``--check`` compares against one and lists the articles that differ.  With
``--code DIR`` the ``site_builder`` package is imported from DIR instead of
this tree, so a pristine checkout can write the reference:

    git worktree add /tmp/clean-base HEAD
    python bench/clean_bench.py CORPUS... --dump ref.pickle --code /tmp/clean-base
    python bench/clean_bench.py CORPUS... --check ref.pickle
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pickle
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "corpora", type=Path, nargs="+", help="folders of seeds/ + content/, or of article files"
    )
    parser.add_argument(
        "--code", type=Path, default=HERE.parent, help="tree to import site_builder from"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds (best is printed)")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--dump", type=Path, help="write every article's cleaned repr here")
    parser.add_argument(
        "--check", type=Path, help="compare every article's cleaned repr with this file"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    from site_builder.clean import clean_article

    articles = [raw for corpus in args.corpora for raw in load_articles(corpus)]
    print(f"{len(articles)} articles from {args.code.resolve()}/site_builder")

    if args.dump or args.check:
        results = {_key(raw): repr(clean_article(raw)) for raw in articles}
        if args.dump:
            args.dump.write_bytes(pickle.dumps(results))
            print(f"wrote {len(results)} cleaned articles to {args.dump}")
        if args.check:
            return compare(pickle.loads(args.check.read_bytes()), results)
        return 0

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [clean_article(raw) for raw in articles])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
        return 0

    best = min(_time_once(clean_article, articles) for _ in range(max(1, args.repeat)))
    print(f"clean: {best * 1000 / len(articles):.3f} ms/article (CPU time, best of {args.repeat})")
    return 0


def load_articles(corpus: Path) -> list:
    """Every raw article of a generated corpus, or every article file of a plain folder."""
    from site_builder.load import load_content, read_article_file

    if (corpus / "seeds").is_dir():
        return list(load_content(corpus / "seeds", corpus / "content").articles)
    suffixes = {".txt", ".html", ".htm", ".md"}
    files = sorted(p for p in corpus.iterdir() if p.suffix in suffixes and ".gold." not in p.name)
    return [read_article_file(path) for path in files]


def _key(raw) -> tuple[str, str, int]:
    """An article's identity, its input included, so that both runs clean the same text."""
    return (raw.path, raw.id, hashlib.sha1(repr(raw).encode()).hexdigest())


def _time_once(clean_article, articles: list) -> float:
    """CPU seconds of one round: steadier than wall time on a shared machine."""
    start = time.process_time()
    for raw in articles:
        clean_article(raw)
    return time.process_time() - start


def compare(reference: dict, results: dict) -> int:
    """Print how many articles agree; exit status 1 when any differs or is missing."""
    missing = reference.keys() ^ results.keys()
    differ = [key for key in reference.keys() & results.keys() if reference[key] != results[key]]
    for key in sorted(differ)[:20]:
        print(f"differs: {key[0]}")
    for key in sorted(missing)[:20]:
        print(f"only in one run (input changed?): {key[0]}")
    same = len(reference.keys() & results.keys()) - len(differ)
    print(
        f"compared {len(reference)} reference articles: {same} identical, "
        f"{len(differ)} differ, {len(missing)} missing"
    )
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
