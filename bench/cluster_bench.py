"""Benchmark of the clustering stage: 100,000 generated articles must cluster in under a minute.

Run from the repository root::

    .venv/bin/python bench/cluster_bench.py            # 100,000 articles
    .venv/bin/python bench/cluster_bench.py 20000 7    # article count, random seed

It builds synthetic analysed articles directly (no cleaning or analysis): events
with a visit ordinal or none, a main topic, a few event-specific actors among
common ones, places, a date and a weekday, and short texts in two languages with
distinct alphabets.  It prints the time to cluster, the peak resident memory and
B-cubed scores against the generated events, then the time to cluster again with
the memo after one article was edited (one more word in its text).  The features
are computed first, as the build's per-article stage does, and the analysed
articles are dropped before clustering.  Not a test: timings depend on the machine.
"""

from __future__ import annotations

import dataclasses
import gc
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_builder.analyse import ActorMention, AnalysedArticle, Visit  # noqa: E402
from site_builder.clean import Block, CleanArticle  # noqa: E402
from site_builder.cluster import article_features, bcubed, cluster_features  # noqa: E402
from site_builder.load import ArticleMeta  # noqa: E402
from site_builder.settings import ClusterSettings  # noqa: E402

TOPICS = tuple(f"topic-{n}" for n in range(12))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALPHABETS = {"en": "abcdefghijklmnopqrstuvwxyz", "he": "".join(chr(c) for c in range(0x5D0, 0x5EB))}


def make_word(rng: random.Random, alphabet: str) -> str:
    """A pronounceable-enough random word of five to nine letters."""
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 9)))


def generate(count: int, seed: int) -> tuple[list[AnalysedArticle], list[list[str]]]:
    """Deterministic synthetic articles and the events (gold stories) they report."""
    rng = random.Random(seed)
    common_actors = [f"leader-{n}" for n in range(12)]
    rare_actors = [f"person-{n}" for n in range(count // 4)]
    places = [f"place-{n}" for n in range(2000)]
    generic = {
        lang: [make_word(rng, letters) for _ in range(3000)] for lang, letters in ALPHABETS.items()
    }
    start = date(2013, 1, 1)
    articles: list[AnalysedArticle] = []
    gold: list[list[str]] = []
    event = 0
    while len(articles) < count:
        size = min(rng.randint(1, 7), count - len(articles))
        ordinal = event + 1 if event % 2 == 0 else None
        topics = rng.sample(TOPICS, 3)
        actors = rng.sample(common_actors, 2) + rng.sample(rare_actors, rng.randint(2, 4))
        where = rng.sample(places, 2)
        day = start + timedelta(days=rng.randint(0, 1500))
        words = {
            lang: [make_word(rng, letters) for _ in range(8)] for lang, letters in ALPHABETS.items()
        }
        members = []
        for _ in range(size):
            article_id = f"a{len(articles):07d}"
            language = rng.choice(("en", "he"))
            text = rng.sample(words[language], 6) + rng.sample(generic[language], 40)
            stated = ordinal if ordinal is not None and rng.random() < 0.6 else None
            dated = day + timedelta(days=rng.randint(0, 1)) if rng.random() < 0.7 else None
            named = rng.sample(actors, max(2, len(actors) - 1)) + [rng.choice(rare_actors)]
            clean = CleanArticle(
                id=article_id,
                path=f"{article_id}.txt",
                title=" ".join(text[:6]),
                subtitle=None,
                author=None,
                blocks=(Block("paragraph", " ".join(text[6:])),),
                removals=(),
                meta=ArticleMeta(),
            )
            articles.append(
                AnalysedArticle(
                    clean=clean,
                    language=language,
                    actors=tuple(ActorMention(a, 1) for a in sorted(set(named))),
                    visit=Visit(stated, "over") if stated is not None else None,
                    topics=tuple(topics[:2] if rng.random() < 0.8 else topics[1:]),
                    date=dated.isoformat() if dated else None,
                    date_hints=(WEEKDAYS[day.weekday()],) if rng.random() < 0.5 else (),
                    places=tuple(rng.sample(where, rng.randint(1, 2))),
                )
            )
            members.append(article_id)
        gold.append(members)
        event += 1
    return articles, gold


def edited(article: AnalysedArticle) -> AnalysedArticle:
    """The article with one more sentence at the end of its text."""
    blocks = (*article.clean.blocks, Block("paragraph", "One more sentence."))
    return dataclasses.replace(article, clean=dataclasses.replace(article.clean, blocks=blocks))


def main(argv: list[str]) -> int:
    """Generate, cluster from scratch, cluster after one edit with the memo, report."""
    count = int(argv[0]) if argv else 100_000
    seed = int(argv[1]) if len(argv) > 1 else 2013
    began = time.perf_counter()
    articles, gold = generate(count, seed)
    generated = time.perf_counter()
    features = [article_features(a) for a in articles]
    changed = article_features(edited(articles[count // 2]))
    del articles
    gc.collect()
    featured = time.perf_counter()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    settings = ClusterSettings()
    result = cluster_features(features, settings)
    clustered = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    features[count // 2] = changed
    again = cluster_features(features, settings, memo=result.memo)
    incremental = time.perf_counter() - clustered
    precision, recall, f1 = bcubed([s.article_ids for s in result.stories], gold)
    print(f"articles {count}, events {len(gold)}, stories {len(result.stories)}")
    print(
        f"generate {generated - began:.1f} s, features {featured - generated:.1f} s, "
        f"cluster {clustered - featured:.1f} s, one edit with the memo {incremental:.2f} s "
        f"({len(again.stories)} stories)"
    )
    print(f"peak memory {peak:.0f} MiB ({baseline:.0f} MiB before clustering)")
    print(f"B-cubed precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
