"""Time stage 3 (analyse) alone, on generated articles, and guard its results.

    python bench/generate.py /tmp/abench --articles 1000
    python bench/analyse_bench.py /tmp/abench [--dump ref.json | --check ref.json]
                                              [--profile N] [--repeat 3] [--fresh]

Articles are cleaned first (not timed; the cleaned articles are cached in
OUT_DIR/clean.pickle so that a change to the cleaner does not change the
analyser's input between runs; ``--fresh`` cleans in the timing process instead,
as a build does), then ``analyse_article`` is timed over all of them.
``--dump`` writes every article's results (plus the seeds') to a JSON file,
``--check`` compares against such a file.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pickle
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from site_builder.analyse import AnalysedArticle, analyse_article, prepare_analysis  # noqa: E402
from site_builder.clean import clean_article  # noqa: E402
from site_builder.load import load_content  # noqa: E402
from site_builder.settings import read_settings  # noqa: E402


def cleaned(seeds: Path, content: Path, cache: Path | None):
    """(clean articles, actors, topics, languages), the articles cached when asked."""
    loaded = load_content(seeds, content)
    languages = read_settings(content).languages
    if cache is not None and cache.exists():
        articles = pickle.loads(cache.read_bytes())
    else:
        articles = [clean_article(raw) for raw in loaded.articles]
        if cache is not None:
            cache.write_bytes(pickle.dumps(articles))
    return articles, loaded.actors, loaded.topics, languages


def summary(result: AnalysedArticle) -> dict[str, str]:
    return {
        "actors": repr(result.actors),
        "visit": repr(result.visit),
        "topics": repr(result.topics),
        "date_hints": repr(result.date_hints),
        "places": repr(result.places),
        "quotes": repr(result.quotes),
        "unknown_names": repr(result.unknown_names),
        "mentions": repr(result.mentions),
        "language": repr(result.language),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seeds", type=Path, default=HERE.parent / "seeds")
    parser.add_argument("--seed-content", type=Path, default=HERE.parent / "content")
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--check", type=Path)
    parser.add_argument("--profile", type=int, default=0, help="top N functions by tottime")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--fresh", action="store_true", help="clean in this process (no cached clean articles)"
    )
    args = parser.parse_args()

    root = args.directory
    cache = None if args.fresh else root / "clean.pickle"
    articles, actors, topics, languages = cleaned(root / "seeds", root / "content", cache)
    data = prepare_analysis(actors, topics, languages)
    analyse_article(articles[0], data)  # warm lexicon loading and regex compilation

    best = float("inf")
    results: list[AnalysedArticle] = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        results = [analyse_article(a, data) for a in articles]
        best = min(best, time.perf_counter() - start)
    per_article = best * 1000 / len(articles)
    print(f"{len(articles)} articles: {per_article:.3f} ms per article (best of {args.repeat})")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for a in articles:
            analyse_article(a, data)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)

    if args.dump or args.check:
        seed_articles, seed_actors, seed_topics, seed_languages = cleaned(
            args.seeds, args.seed_content, root / "seeds-clean.pickle"
        )
        seed_data = prepare_analysis(seed_actors, seed_topics, seed_languages)
        found = {f"gen/{r.id}": summary(r) for r in results}
        found.update(
            {f"seed/{a.id}": summary(analyse_article(a, seed_data)) for a in seed_articles}
        )
        if args.dump:
            args.dump.write_text(json.dumps(found, ensure_ascii=False, indent=1), "utf-8")
            print(f"wrote {len(found)} results to {args.dump}")
        if args.check:
            expected = json.loads(args.check.read_text("utf-8"))
            bad = [k for k in expected if expected[k] != found.get(k)]
            bad += [k for k in found if k not in expected]
            for key in bad[:10]:
                for field, value in (expected.get(key) or {}).items():
                    got = found.get(key, {}).get(field)
                    if got != value:
                        print(f"DIFF {key} {field}:\n  want {value}\n  got  {got}")
            print(f"{len(found) - len(bad)}/{len(expected)} identical" + ("" if bad else " (all)"))
            return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
