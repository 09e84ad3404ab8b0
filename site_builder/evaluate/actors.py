"""Score the analyser's actors against gold files: ``python -m site_builder.evaluate actors``.

Usage: ``python -m site_builder.evaluate actors GOLD_DIR [RAW_DIR] [--actors FILE]``.

Gold format: one ``GOLD_DIR/<id>.json`` per article, written by a person who
read it::

    {"actors": ["john-kerry", ...],
     "visit": {"ordinal": 9, "status": "under-way", "place": "jerusalem"} or null,
     "quotes": [{"actor": "john-kerry", "starts": "first words of the quote"}],
     "unknown": ["names of people not in actors.yaml"]}

The raw article ``<id>.txt`` (or ``.html``) is looked up beside the gold file,
then in RAW_DIR (default ``seeds``).  Each raw article is loaded, cleaned and
analysed as in a build.  Precision and recall are over (article, actor id)
pairs, pooled over all articles.  One summary line is printed; ``--verbose``
adds a line per article with its misses, visit and quote results, and
``--min-precision``/``--min-recall`` make it a gate (exit status 1 below).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analyse import AnalysedArticle, analyse_article, prepare_analysis
from ..analyse_text import fold_text
from ..clean import clean_article
from ..load import read_actors, read_article_file
from ..problems import InputError
from ..yamlio import parse_yaml
from . import PrecisionRecall

RAW_SUFFIXES = (".txt", ".html", ".htm")


@dataclass(slots=True)
class Score(PrecisionRecall):
    """Pooled counts over the evaluated articles."""

    articles: int = 0
    predicted: int = 0  # (article, actor) pairs the analyser found
    gold: int = 0  # pairs in the gold files
    matched: int = 0  # pairs in both
    visits: int = 0  # gold visits checked
    visits_right: int = 0  # ... with ordinal and status right
    quotes: int = 0  # gold quotes
    quotes_found: int = 0  # ... found with the right speaker
    unknown: int = 0  # gold unknown people
    unknown_found: int = 0  # ... listed by the analyser
    notes: list[str] = field(default_factory=list)  # one line per article, for --verbose

    @property
    def quote_recall(self) -> float:
        return self.quotes_found / self.quotes if self.quotes else 1.0

    def summary(self) -> str:
        """The one line the command prints."""
        return (
            f"actors: {self.articles} articles, precision {self.precision:.2f}, "
            f"recall {self.recall:.2f}, F1 {self.f1:.2f}"
        )


def main(argv: list[str]) -> int:
    """Evaluate every gold file in the folder and print one summary line."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        prog="python -m site_builder.evaluate actors",
    )
    parser.add_argument("gold_dir", type=Path, help="folder of <id>.json gold files")
    parser.add_argument(
        "raw_dir",
        type=Path,
        nargs="?",
        default=Path("seeds"),
        help="folder of raw articles, when they are not beside the gold",
    )
    parser.add_argument("--actors", type=Path, default=Path("content/actors.yaml"))
    parser.add_argument("--verbose", action="store_true", help="a line per article")
    parser.add_argument("--min-precision", type=float, default=0.0)
    parser.add_argument("--min-recall", type=float, default=0.0)
    args = parser.parse_args(argv)
    try:
        score = evaluate(args.gold_dir, args.raw_dir, args.actors)
    except (InputError, OSError, ValueError) as exc:
        print(f"actors: {exc}", file=sys.stderr)
        return 2
    if not score.articles:
        print(f"actors: no gold files with raw articles in {args.gold_dir}", file=sys.stderr)
        return 2
    if args.verbose:
        for note in score.notes:
            print(note)
        print(
            f"visits: {score.visits_right}/{score.visits} right; "
            f"quotes: {score.quotes_found}/{score.quotes} found; "
            f"unknown people: {score.unknown_found}/{score.unknown} found"
        )
    print(score.summary())
    low = score.precision < args.min_precision or score.recall < args.min_recall
    return 1 if low else 0


def evaluate(gold_dir: Path, raw_dir: Path, actors_path: Path) -> Score:
    """Analyse each article that has a gold file and pool the scores."""
    actors = read_actors(parse_yaml(actors_path.read_text(encoding="utf-8")) or [])
    data = prepare_analysis(actors, (), ("en", "he"))
    score = Score()
    for gold_path in sorted(gold_dir.glob("*.json")):
        raw_path = _raw_for(gold_path.stem, gold_dir, raw_dir)
        if raw_path is None:
            score.notes.append(f"{gold_path.stem}: no raw article, skipped")
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        analysed = analyse_article(clean_article(read_article_file(raw_path)), data)
        _score_one(score, gold, analysed)
    return score


def _raw_for(article_id: str, gold_dir: Path, raw_dir: Path) -> Path | None:
    for folder in (gold_dir, raw_dir):
        for suffix in RAW_SUFFIXES:
            path = folder / f"{article_id}{suffix}"
            if path.is_file():
                return path
    return None


def _score_one(score: Score, gold: dict[str, Any], analysed: AnalysedArticle) -> None:
    found, expected = set(analysed.actor_ids), set(gold.get("actors", []))
    score.articles += 1
    score.predicted += len(found)
    score.gold += len(expected)
    score.matched += len(found & expected)
    note = [f"{analysed.id}: missed {sorted(expected - found)} extra {sorted(found - expected)}"]
    if "visit" in gold:
        score.visits += 1
        if visit_matches(gold["visit"], analysed):
            score.visits_right += 1
        else:
            note.append(f"visit {analysed.visit} (gold {gold['visit']})")
    listed = {fold_text(u.name) for u in analysed.unknown_names}
    for name in gold.get("unknown", []):
        score.unknown += 1
        if fold_text(name) in listed:
            score.unknown_found += 1
        else:
            note.append(f"unknown person missed: {name}")
    for quote in gold.get("quotes", []):
        score.quotes += 1
        if quote_found(quote, analysed):
            score.quotes_found += 1
        else:
            note.append(f"quote missed: {quote['actor']} {quote['starts']!r}")
    score.notes.append("; ".join(note))


def visit_matches(gold: dict[str, Any] | None, analysed: AnalysedArticle) -> bool:
    """Whether the analysed visit agrees with the gold one (ordinal, status, place if given)."""
    visit = analysed.visit
    if gold is None or visit is None:
        return gold is None and visit is None
    if visit.ordinal != gold.get("ordinal") or visit.status != gold.get("status"):
        return False
    return "place" not in gold or visit.place == gold["place"]


def _squash(text: str) -> str:
    return "".join(fold_text(text).split())


def quote_found(gold: dict[str, str], analysed: AnalysedArticle) -> bool:
    """Whether a quote starting with the gold words was attributed to the gold actor."""
    starts = _squash(gold["starts"])
    return any(
        q.actor_id == gold["actor"] and _squash(q.text).startswith(starts) for q in analysed.quotes
    )
