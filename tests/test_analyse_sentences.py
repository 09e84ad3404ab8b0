"""Tricky sentences for the analyser, from tests/data/analysis_sentences.yaml.

The sentences are data so that this file holds no Hebrew; each case is named
in the YAML and shows up in the test id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from site_builder.analyse import AnalysedArticle, analyse_article, prepare_analysis
from site_builder.analyse_text import fold_text
from site_builder.clean import Block, CleanArticle
from site_builder.load import ArticleMeta, read_actors
from site_builder.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
CASES = yaml.safe_load((ROOT / "tests/data/analysis_sentences.yaml").read_text("utf-8"))
DATA = prepare_analysis(
    read_actors(parse_yaml((ROOT / "content/actors.yaml").read_text("utf-8"))), (), ("en", "he")
)


def analyse_case(case: dict[str, Any]) -> AnalysedArticle:
    """A clean article built by hand from a case, analysed."""
    lines = case["text"].split("\n")
    title = case.get("title")
    if title is None:
        title, lines = lines[0], lines[1:]
    article = CleanArticle(
        id="case",
        path="case",
        title=title,
        subtitle=None,
        author=None,
        blocks=tuple(Block("paragraph", line) for line in lines),
        removals=(),
        meta=ArticleMeta(language=case["language"]),
    )
    return analyse_article(article, DATA)


def ids(section: str) -> list[Any]:
    return [pytest.param(case, id=case["name"].replace(" ", "_")) for case in CASES[section]]


@pytest.mark.parametrize("case", ids("actors"))
def test_actor_sentences_find_the_right_people(case: dict[str, Any]) -> None:
    counts = {m.actor_id: m.count for m in analyse_case(case).actors}
    for actor_id, count in case.get("counts", {}).items():
        assert counts.get(actor_id) == count, counts
    for actor_id in case.get("absent", []):
        assert actor_id not in counts, counts


@pytest.mark.parametrize("case", ids("visits"))
def test_visit_sentences_give_the_count_and_status(case: dict[str, Any]) -> None:
    visit = analyse_case(case).visit
    if case.get("none"):
        assert visit is None
        return
    assert visit is not None
    assert visit.ordinal == case["ordinal"]
    assert visit.status == case["status"]
    if "place" in case:
        assert visit.place == case["place"]
    if "ordinals" in case:
        assert list(visit.ordinals) == case["ordinals"]


@pytest.mark.parametrize("case", ids("quotes"))
def test_quote_sentences_are_attributed_to_the_speaker(case: dict[str, Any]) -> None:
    quotes = analyse_case(case).quotes
    expected = case.get("quotes", [])
    assert len(quotes) == case.get("count", len(expected)), quotes
    for gold, quote in zip(expected, quotes, strict=False):
        assert quote.actor_id == gold["actor"]
        assert fold_text(quote.text).startswith(fold_text(gold["starts"]))


@pytest.mark.parametrize("case", ids("unknown"))
def test_unknown_people_are_listed_with_counts(case: dict[str, Any]) -> None:
    found = {u.name: u.count for u in analyse_case(case).unknown_names}
    expected = {fold_text(k): v for k, v in case["names"].items()}
    if not expected:
        assert found == {}
    for name, count in expected.items():
        assert found.get(name) == count, found
    for name in case.get("absent", []):
        assert name not in found, found


@pytest.mark.parametrize("case", ids("dates"))
def test_date_hints_are_kept(case: dict[str, Any]) -> None:
    assert list(analyse_case(case).date_hints) == case["hints"]
