"""Properties of the cleaner on generated articles: idempotent, and nothing dropped silently.

Articles are built from body sentences (Hebrew and English) mixed with
boilerplate made from the lexicons' own markers, captions, names, capitals
and stray punctuation, so every rule gets exercised.
"""

from __future__ import annotations

import os
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.clean import RULES, CleanArticle, clean_article, repair_hebrew_punctuation
from site_builder.clean_rules import MARKER_KEYS
from site_builder.load import ArticleMeta, RawArticle

HEBREW = "".join(chr(c) for c in range(0x05D0, 0x05EB))
# CLEAN_EXAMPLES=2000 for a longer search than the default run's
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("CLEAN_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _markers() -> list[str]:
    from importlib import resources

    folder = resources.files("site_builder").joinpath("data/lexicons")
    found: list[str] = []
    for name in ("clean-he.yaml", "clean-en.yaml"):
        data = yaml.safe_load(folder.joinpath(name).read_text("utf-8"))
        for key in MARKER_KEYS:
            if key != "quote_prefixes":
                found.extend(str(v) for v in data.get(key) or [])
    return found


MARKERS = _markers()

he_word = st.text(alphabet=HEBREW, min_size=1, max_size=7)
en_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
abbreviation = st.tuples(
    st.text(alphabet=HEBREW, min_size=1, max_size=3), st.sampled_from(HEBREW)
).map(lambda t: f'{t[0]}"{t[1]}')
punct = st.sampled_from([" ,", " .", " :", " ?", " !", ",", "."])


def _sentence(word: st.SearchStrategy[str], lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(word, word, word, abbreviation, punct), min_size=lo, max_size=hi).map(
        lambda ws: " ".join(ws) + " ."
    )


he_sentence = _sentence(he_word, 6, 25)
en_sentence = st.lists(en_word, min_size=6, max_size=25).map(
    lambda ws: " ".join(ws).capitalize() + "."
)
quoted = st.tuples(he_word, he_sentence).map(lambda t: f'{t[0]} " {t[1][:-2]} " .')
boilerplate = st.one_of(
    st.sampled_from(MARKERS),
    st.tuples(st.sampled_from(MARKERS), he_word).map(lambda t: f"{t[0]}: {t[1]}"),
    st.tuples(st.sampled_from(MARKERS), en_word).map(lambda t: f"( {t[0]} : {t[1]} )"),
    st.tuples(en_word, en_word).map(lambda t: f"{t[0].capitalize()} {t[1].capitalize()},"),
    st.lists(en_word, min_size=1, max_size=3).map(lambda ws: " ".join(ws).upper()),
    st.lists(he_word, min_size=1, max_size=5).map(lambda ws: "( " + " ".join(ws) + " )"),
    st.just(""),
    st.just("\u00a0"),
)
line = st.one_of(he_sentence, en_sentence, quoted, boilerplate, he_sentence, en_sentence)
# A headline never says exactly what a body line says (a line that does is a repeat of
# it, and goes), so generated headlines carry a word the body lines never have.
article_lines = st.tuples(
    st.one_of(st.lists(he_word, min_size=2, max_size=8), st.lists(en_word, min_size=2, max_size=8)),
    st.lists(line, min_size=1, max_size=14),
).map(lambda t: [" ".join(["Headline7", *t[0]]), *t[1]])


def _raw(lines: list[str]) -> RawArticle:
    return RawArticle("p", "p.txt", "text", tuple(lines), ArticleMeta())


def _as_dump(article: CleanArticle) -> list[str]:
    """A clean article written back as a dump in the seeds' format."""
    head = [article.title] + ([article.subtitle] if article.subtitle else [])
    return [*head, *(b.text for b in article.blocks), "", *head]


@PROPERTY_SETTINGS
@given(st.text(alphabet=HEBREW[:8] + " \"'(),.:;!?-" + "ab1", max_size=60))
def test_hebrew_repair_is_idempotent(text: str) -> None:
    once = repair_hebrew_punctuation(text)
    assert repair_hebrew_punctuation(once) == once


@PROPERTY_SETTINGS
@given(st.text(alphabet=HEBREW[:8] + " \"'(),.:;!?-" + "ab1", max_size=60))
def test_hebrew_repair_changes_nothing_but_spaces(text: str) -> None:
    assert re.sub(r"\s", "", repair_hebrew_punctuation(text)) == re.sub(r"\s", "", text)


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(he_word, abbreviation, quoted, punct), min_size=1, max_size=12))
def test_abbreviations_and_geresh_survive_repair(parts: list[str]) -> None:
    text = " ".join(parts) + " \u05d2'\u05d5\u05df"
    repaired = repair_hebrew_punctuation(text)
    for abbr in re.findall(f'[{HEBREW}]"[{HEBREW}]', text):
        assert abbr in repaired
    assert "\u05d2'\u05d5\u05df" in repaired


@PROPERTY_SETTINGS
@given(article_lines)
def test_every_dropped_line_has_a_recorded_reason(lines: list[str]) -> None:
    article = clean_article(_raw(lines))
    accounted = set(article.head_lines) | {b.line for b in article.blocks}
    accounted |= {r.line for r in article.removals}
    for number, text in enumerate(lines, start=1):
        if text.strip():
            assert number in accounted, (number, text)
    for removal in article.removals:
        assert removal.rule in RULES and removal.reason and removal.text.strip()


@PROPERTY_SETTINGS
@given(article_lines)
def test_no_source_text_is_lost(lines: list[str]) -> None:
    article = clean_article(_raw(lines))
    kept = [article.title, article.subtitle or "", *(b.text for b in article.blocks)]
    kept += [r.text for r in article.removals]
    haystack = re.sub(r"\s", "", "".join(kept))
    for text in lines:
        assert re.sub(r"\s", "", text) in haystack, text


@PROPERTY_SETTINGS
@given(article_lines)
def test_cleaning_is_idempotent(lines: list[str]) -> None:
    once = clean_article(_raw(lines))
    twice = clean_article(_raw(_as_dump(once)))
    assert twice.title == once.title
    assert twice.subtitle == once.subtitle
    assert [(b.kind, b.text) for b in twice.blocks] == [(b.kind, b.text) for b in once.blocks]
