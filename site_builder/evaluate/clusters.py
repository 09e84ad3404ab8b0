"""Story clustering against a gold file: ``python -m site_builder.evaluate clusters GOLD``.

Builds the stories from the articles (load, clean, analyse, cluster) and prints
B-cubed precision, recall and F1.  The gold file is YAML::

    stories:
      - name: visit-9          # any label; only the grouping counts
        articles: [000_faf525becafb27f0, 001_96655519975bfc03]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from ..analyse import analyse_article, prepare_analysis
from ..clean import clean_article
from ..cluster import Story, bcubed, cluster_articles
from ..load import load_content
from ..settings import read_settings
from ..yamlio import parse_yaml


def read_gold(path: Path) -> list[list[str]]:
    """The gold stories: lists of article ids."""
    data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    stories = data.get("stories") if isinstance(data, dict) else data
    if not isinstance(stories, list):
        raise ValueError(f"{path}: expected 'stories:', a list of {{name, articles}}")
    gold = []
    for entry in stories:
        ids = entry.get("articles") if isinstance(entry, dict) else entry
        if not isinstance(ids, list) or not ids:
            raise ValueError(f"{path}: every story needs a non-empty 'articles' list")
        gold.append([str(i) for i in ids])
    return gold


def build_stories(seeds: Path, content: Path) -> tuple[Story, ...]:
    """The whole pipeline up to clustering, as the site build runs it."""
    loaded = load_content(seeds, content)
    settings = read_settings(content)
    data = prepare_analysis(loaded.actors, loaded.topics, settings.languages)
    analysed = [analyse_article(clean_article(raw), data) for raw in loaded.articles]
    return cluster_articles(analysed, settings.cluster, topics=loaded.topics, actors=loaded.actors)


def main(argv: Sequence[str]) -> int:
    """Print one summary line (and each story with --show); 0 unless the input is unusable."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        prog="python -m site_builder.evaluate clusters",
    )
    parser.add_argument("gold", type=Path)
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--show", action="store_true", help="print every story and its reasons")
    args = parser.parse_args(list(argv))
    gold = read_gold(args.gold)
    stories = build_stories(args.seeds, args.content)
    if args.show:
        for story in stories:
            print(f"{story.id}: {', '.join(story.article_ids)}")
            for reason in story.reasons:
                print(f"    {reason}")
    precision, recall, f1 = bcubed([s.article_ids for s in stories], gold)
    count = len({item for cluster in gold for item in cluster})
    print(
        f"clusters: {count} articles, B-cubed precision {precision:.3f}, "
        f"recall {recall:.3f}, F1 {f1:.3f}"
    )
    return 0
