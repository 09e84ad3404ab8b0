"""Stage 3, analyse: the seeds against hand-written gold, and the analyser's contracts."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.analyse import (
    AnalysedArticle,
    UnknownName,
    aggregate_unknown_names,
    analyse_article,
    prepare_analysis,
    suggest_actors,
)
from site_builder.analyse_text import load_lexicon, tokenize
from site_builder.clean import Block, CleanArticle, Removal, clean_article
from site_builder.evaluate import actors as evaluate_actors
from site_builder.load import Actor, ArticleMeta, Topic, read_actors, read_article_file
from site_builder.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests/gold/analysis"
SEEDS = ROOT / "seeds"
ACTORS = read_actors(parse_yaml((ROOT / "content/actors.yaml").read_text("utf-8")))
DATA = prepare_analysis(ACTORS, (), ("en", "he"))
HEBREW_LETTER = re.compile("[\u0590-\u05ff]")

# Floors only go up: raise them when the analyser gets better.
FLOOR_PRECISION = 0.95
FLOOR_RECALL = 0.95
FLOOR_VISITS = 1.0
FLOOR_QUOTE_RECALL = 0.9


def seed(stem_prefix: str) -> AnalysedArticle:
    """A seed article, loaded, cleaned and analysed as in a build."""
    path = next(SEEDS.glob(f"{stem_prefix}*.txt"))
    return analyse_article(clean_article(read_article_file(path)), DATA)


def article(*paragraphs: str, language: str = "en", **meta: str) -> CleanArticle:
    """A clean article built by hand: first paragraph is the headline."""
    return CleanArticle(
        id="hand",
        path="hand",
        title=paragraphs[0],
        subtitle=None,
        author=None,
        blocks=tuple(Block("paragraph", p) for p in paragraphs[1:]),
        removals=(),
        meta=ArticleMeta(language=language, **meta),
    )


def test_actor_ids_match_the_gold_files_above_the_floor() -> None:
    score = evaluate_actors.evaluate(GOLD, SEEDS, ROOT / "content/actors.yaml")
    assert score.articles == len(list(GOLD.glob("*.json")))
    assert score.precision >= FLOOR_PRECISION, score.notes
    assert score.recall >= FLOOR_RECALL, score.notes


def test_visits_and_quotes_match_the_gold_files_above_the_floor() -> None:
    score = evaluate_actors.evaluate(GOLD, SEEDS, ROOT / "content/actors.yaml")
    assert score.visits_right / score.visits >= FLOOR_VISITS, score.notes
    assert score.quote_recall >= FLOOR_QUOTE_RECALL, score.notes
    assert score.unknown_found == score.unknown, score.notes


def test_evaluate_command_prints_one_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    status = evaluate_actors.main(
        [str(GOLD), str(SEEDS), "--actors", str(ROOT / "content/actors.yaml")]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    assert len(out) == 1
    assert re.fullmatch(
        r"actors: 5 articles, precision \d\.\d\d, recall \d\.\d\d, F1 \d\.\d\d", out[0]
    )


def test_evaluate_command_fails_below_a_gate(capsys: pytest.CaptureFixture[str]) -> None:
    status = evaluate_actors.main([str(GOLD), str(SEEDS), "--min-precision", "1.01"])
    capsys.readouterr()
    assert status == 1


def test_announced_visit_and_unknown_people_in_the_hebrew_seed() -> None:
    analysed = seed("002")
    assert analysed.visit is not None
    assert (analysed.visit.ordinal, analysed.visit.status) == (8, "announced")
    assert analysed.visit.place == "jerusalem"
    assert len(analysed.unknown_names) == 2
    assert all(u.count == 1 and u.example for u in analysed.unknown_names)


def test_a_visit_without_a_count_is_still_a_visit() -> None:
    visit = seed("003").visit
    assert visit is not None and visit.ordinal is None and visit.status == "under-way"


def test_pronoun_quotes_go_to_the_last_speaker() -> None:
    quotes = seed("003").quotes
    he_said = next(q for q in quotes if q.text.startswith("The interests"))
    assert he_said.actor_id == "john-kerry"


def test_boilerplate_mentions_do_not_count() -> None:
    clean = article(
        "Talks resume",
        "Kerry met Netanyahu in Jerusalem.",
    )
    clean = replace(
        clean,
        removals=(Removal("publisher-appeal", "appeal", "Mahmoud Abbas asks you to donate", 9),),
        author="Marie Harf",
    )
    ids = analyse_article(clean, DATA).actor_ids
    assert set(ids) == {"john-kerry", "benjamin-netanyahu"}


def test_repaired_and_unrepaired_hebrew_spacing_give_the_same_analysis() -> None:
    raw = clean_article(read_article_file(next(SEEDS.glob("000*.txt"))))

    def repair(text: str) -> str:
        text = re.sub(r"\s+([,.:;?!)])", r"\1", text)
        text = re.sub(r"\(\s+", "(", text)
        return re.sub(r'"\s+(.*?)\s+"', r'"\1"', text)

    repaired = replace(
        raw,
        title=repair(raw.title),
        subtitle=repair(raw.subtitle or ""),
        blocks=tuple(Block(b.kind, repair(b.text)) for b in raw.blocks),
    )
    before, after = analyse_article(raw, DATA), analyse_article(repaired, DATA)
    assert before.actors == after.actors
    assert before.visit == after.visit
    assert [q.actor_id for q in before.quotes] == [q.actor_id for q in after.quotes]
    assert before.date_hints == after.date_hints


def test_publication_date_comes_from_metadata() -> None:
    analysed = analyse_article(article("Talks", "Kerry spoke.", date="2013-12-05"), DATA)
    assert analysed.date == "2013-12-05"


def test_places_are_language_independent_ids() -> None:
    english = analyse_article(article("Talks", "Kerry flew from Rome to Tel Aviv's airport."), DATA)
    assert set(english.places) == {"rome", "tel-aviv"}


def test_topics_come_from_the_topic_lexicon() -> None:
    topics = (Topic("settlements", {"en": "Settlements"}, {"en": ("settlement",)}),)
    data = prepare_analysis(ACTORS, topics, ("en", "he"))
    analysed = analyse_article(article("Talks", "A settlement freeze was discussed."), data)
    assert analysed.topics == ("settlements",)


def test_a_name_shared_by_two_actors_names_neither() -> None:
    twins = [
        Actor("ann-lee", {"en": "Ann Lee"}, {"en": ("Lee",)}, {}),
        Actor("bob-lee", {"en": "Bob Lee"}, {"en": ("Lee",)}, {}),
    ]
    data = prepare_analysis(twins, (), ("en",))
    analysed = analyse_article(article("Talks", "Ann Lee spoke, and Lee left."), data)
    assert analysed.actor_ids == ("ann-lee",)


def test_unknown_names_are_aggregated_and_drafted_as_actors_yaml() -> None:
    first = analyse_article(article("Talks", "Envoy David Hale met Kerry. Hale said no."), DATA)
    second = analyse_article(article("More talks", "Later David Hale left Amman."), DATA)
    names = aggregate_unknown_names([first, second])
    assert names[0] == UnknownName("David Hale", 3, names[0].example)
    assert "David Hale" in names[0].example
    draft = yaml.safe_load(suggest_actors([first, second]))
    assert draft[0]["id"] == "david-hale"
    assert draft[0]["names"] == {"en": "David Hale"}
    read_actors(draft)  # the draft is valid actors.yaml


def test_hebrew_unknown_names_draft_keeps_hebrew_script() -> None:
    text = suggest_actors([seed("002")])
    assert HEBREW_LETTER.search(text)  # allow_unicode: no \\u escapes
    assert "\\u" not in text
    read_actors(yaml.safe_load(text))


def test_hebrew_ordinals_exist_in_both_genders() -> None:
    ordinals = load_lexicon("he").ordinals
    for number in range(1, 11):
        assert sum(1 for value in ordinals.values() if value == number) >= 2


def test_a_language_without_a_lexicon_still_matches_names() -> None:
    analysed = analyse_article(
        article("Pourparlers", "Kerry a rencontré Abbas.", language="fr"), DATA
    )
    assert set(analysed.actor_ids) == {"john-kerry", "mahmoud-abbas"}


def test_tokens_keep_abbreviations_and_geresh_names_whole() -> None:
    words = [t.norm for t in tokenize("U.S. envoy met Kerry's aides")]
    assert words == ["us", "envoy", "met", "kerry", "aides"]


def test_analysis_time_grows_linearly_with_text_length() -> None:
    base = clean_article(read_article_file(next(SEEDS.glob("001*.txt"))))
    small = replace(base, blocks=base.blocks * 10)
    large = replace(base, blocks=base.blocks * 40)
    analyse_article(small, DATA)  # warm the memo

    def timed(clean: CleanArticle) -> float:
        # CPU time, the best of several runs: a busy machine must not fail this test
        start = time.process_time()
        analyse_article(clean, DATA)
        return time.process_time() - start

    ratio = min(timed(large) for _ in range(5)) / min(timed(small) for _ in range(5))
    assert ratio < 8  # 4x the text: linear is ~4, quadratic ~16


def test_python_sources_of_the_analyser_hold_no_hebrew() -> None:
    files = [
        "site_builder/analyse.py",
        "site_builder/analyse_text.py",
        "site_builder/actors_match.py",
        "site_builder/visits.py",
        "site_builder/quotes.py",
        "site_builder/evaluate/actors.py",
        "tests/test_analyse.py",
        "tests/test_analyse_sentences.py",
    ]
    for name in files:
        assert not HEBREW_LETTER.search((ROOT / name).read_text("utf-8")), name


WORDS = [
    "Kerry",
    "said",
    "met",
    "visit",
    "ninth",
    "the",
    "Abbas",
    "(",
    ")",
    ",",
    ".",
    '"',
    "'s",
    "Jerusalem",
    "will",
    "arrive",
    "Secretary",
    "of",
    "State",
    "he",
    "told",
    "\u201c",
    "\u201d",
]
HEBREW_WORDS = [chr(0x05D0 + i) * 2 for i in range(0, 27, 3)] + ['"', "'", "-", "(", ")", ","]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS + HEBREW_WORDS), max_size=60))
def test_any_word_soup_analyses_without_error_and_quotes_come_from_the_text(
    words: list[str],
) -> None:
    text = " ".join(words)
    analysed = analyse_article(article("Headline", text, language="en"), DATA)
    squashed = "".join(text.split())
    for quote in analysed.quotes:
        assert "".join(quote.text.split()) in squashed
    assert all(m.count > 0 for m in analysed.actors)
