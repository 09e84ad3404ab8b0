"""Score the cleaner against gold files: ``python -m site_builder.evaluate cleaning GOLD_DIR``.

Gold format: for every raw article ``GOLD_DIR/<id>.txt`` (a dump) or
``GOLD_DIR/<id>.html`` (a saved page), one gold file with the body a person
judged to be the article's own text:

- ``GOLD_DIR/<id>.gold.txt``: one body paragraph per line, in order; blank
  lines are ignored; a line starting with ``## `` is a crosshead (the prefix
  is not part of the text).  Title, sub-headline, byline and boilerplate are
  not listed: they are not body.
- or ``GOLD_DIR/<id>.gold.json``: ``{"blocks": [{"text": ...}, ...]}`` (the
  golden format of tests/golden/clean) or ``{"paragraphs": [...]}``.

Scoring is line-level: each clean body block and each gold line is compared
by its text with whitespace removed (so spacing repairs do not count, words
do).  Precision is the share of the cleaner's lines that are gold lines,
recall the share of gold lines the cleaner kept, both pooled over all
documents.  One summary line is printed; ``--verbose`` lists the misses,
``--min-precision``/``--min-recall`` make it a gate (exit status 1 below), and
``--baseline`` scores the uncleaned lines instead (every line of a dump but
the first, every line trafilatura kept of a page), to show what cleaning adds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..clean import clean_article
from ..load import read_article_file
from ..problems import InputError
from . import PrecisionRecall

RAW_SUFFIXES = (".txt", ".html", ".htm")


@dataclass(frozen=True, slots=True)
class Score(PrecisionRecall):
    """Line counts for one document or a whole folder."""

    predicted: int  # body lines the cleaner kept
    gold: int  # body lines in the gold file
    matched: int  # lines in both

    def __add__(self, other: Score) -> Score:
        return Score(
            self.predicted + other.predicted, self.gold + other.gold, self.matched + other.matched
        )


def main(argv: list[str]) -> int:
    """Score every (raw, gold) pair in the folder and print one summary line."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        prog="python -m site_builder.evaluate cleaning",
    )
    parser.add_argument("gold_dir", type=Path, help="folder of <id>.txt|html + <id>.gold.txt|json")
    parser.add_argument("--verbose", action="store_true", help="list missed and extra lines")
    parser.add_argument("--min-precision", type=float, default=0.0)
    parser.add_argument("--min-recall", type=float, default=0.0)
    parser.add_argument("--baseline", action="store_true", help="score the uncleaned lines")
    args = parser.parse_args(argv)

    pairs = find_pairs(args.gold_dir)
    if not pairs:
        print(f"cleaning: no (raw, gold) pairs in {args.gold_dir}", file=sys.stderr)
        return 2
    total = Score(0, 0, 0)
    for raw_path, gold_path in pairs:
        try:
            predicted = _predict(raw_path, args.baseline)
        except InputError as exc:
            print(f"{raw_path}: {exc}", file=sys.stderr)
            predicted = []
        gold = read_gold(gold_path)
        score = score_lines(predicted, gold)
        total += score
        if args.verbose:
            _report_misses(raw_path.stem, predicted, gold)
    kind = "cleaning baseline" if args.baseline else "cleaning"
    print(
        f"{kind}: {len(pairs)} documents, line precision {total.precision:.3f}, "
        f"recall {total.recall:.3f}, F1 {total.f1:.3f}"
    )
    ok = total.precision >= args.min_precision and total.recall >= args.min_recall
    return 0 if ok else 1


def _predict(raw_path: Path, baseline: bool) -> list[str]:
    raw = read_article_file(raw_path)
    if baseline:
        lines = [line.strip() for line in raw.lines if line.strip()]
        return lines[1:] if raw.format == "text" else lines
    return [block.text for block in clean_article(raw).blocks]


def find_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """Raw articles in ``folder`` that have a gold file beside them, sorted by id."""
    if not folder.is_dir():
        return []
    pairs = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in RAW_SUFFIXES or path.name.endswith(".gold.txt"):
            continue
        for suffix in (".gold.txt", ".gold.json"):
            gold = path.with_name(path.stem + suffix)
            if gold.is_file():
                pairs.append((path, gold))
                break
    return pairs


def read_gold(path: Path) -> list[str]:
    """The gold body lines of one document."""
    text = path.read_text(encoding="utf-8-sig")
    if path.name.endswith(".json"):
        data = json.loads(text)
        if "blocks" in data:
            return [str(block["text"]) for block in data["blocks"]]
        return [str(p) for p in data.get("paragraphs", [])]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [line[3:] if line.startswith("## ") else line for line in lines]


def score_lines(predicted: list[str], gold: list[str]) -> Score:
    """Multiset overlap of whitespace-free line texts."""
    got, want = Counter(map(_key, predicted)), Counter(map(_key, gold))
    return Score(sum(got.values()), sum(want.values()), sum((got & want).values()))


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _report_misses(doc: str, predicted: list[str], gold: list[str]) -> None:
    want = {_key(g) for g in gold}
    got = {_key(p) for p in predicted}
    for line in predicted:
        if _key(line) not in want:
            print(f"{doc}: extra: {line[:100]}", file=sys.stderr)
    for line in gold:
        if _key(line) not in got:
            print(f"{doc}: missed: {line[:100]}", file=sys.stderr)
