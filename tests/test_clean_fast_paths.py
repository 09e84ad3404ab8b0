"""The cleaner's newer shortcuts give the answers of the plain forms they replace.

The related-headlines ``EndGate``, the capital-first test before counting glued
junctions, keys compared by their openings first, the possessive word pattern, search
words without a regex, and blocks escaped without ``Markup.format``: each against its
reference on random lines over an alphabet of the characters that matter.
"""

from __future__ import annotations

import random
import re

from markupsafe import Markup

from site_builder import clean_rules
from site_builder.clean import Block
from site_builder.clean_rules import lexicon, line_key, same_key
from site_builder.search import words_of
from site_builder.views import render_block

_PIECES = [
    "Read more", "read  MORE", "Related", "related coverage", "More on this story",
    "Editor\u2019s picks", "\u017ftories", "R\u0130lated", "also", "The", "x", "aB",
    "abcDe", "abc\u201dDe", "abc?De", "McDonald",
    "\u05e2\u05d5\u05d3 \u05d1\u05e0\u05d5\u05e9\u05d0",
    "\u05e7\u05e8\u05d0\u05d5 \u05d2\u05dd", ":", " - ", "\u2013", "|", ">", "\u00bb", " ", "  ",
    ".", "\n", "'", '"', "\u05f3", "\u05f4", "_", "1.5", "a.b.", "\u0345", "\u00df", "\u0130",
]  # fmt: skip


def _lines(seed: int, count: int, longest: int = 8) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, longest))) for _ in range(count)
    ]


def test_related_end_gate_never_hides_a_match() -> None:
    related = lexicon().related
    for line in _lines(1, 50_000):
        found, expected = related.search(line), related.pattern.search(line)
        assert (found and found.span()) == (expected and expected.span()), repr(line)


def test_glued_junctions_match_the_plain_count() -> None:
    for line in _lines(2, 20_000):
        assert clean_rules.glued_junctions(line) == len(clean_rules._GLUE.findall(line))


def test_same_key_is_equality_of_line_keys() -> None:
    rng = random.Random(3)
    lines = _lines(3, 4000, 20)
    for first in lines:
        second = rng.choice([first, first.upper(), first + ".", rng.choice(lines)])
        assert same_key(first, second) == (line_key(first) == line_key(second))
        assert line_key(first) == re.sub(r"[\W_]+", "", first.casefold())


def test_words_match_the_backtracking_pattern() -> None:
    reference = re.compile(r"\w+(?:['\u2019\u05f3\"\u05f4.-]\w+)*")
    for line in _lines(4, 20_000):
        assert clean_rules._WORD.findall(line) == reference.findall(line)


def test_search_words_match_the_regex_substitution() -> None:
    quotes = re.compile(r"[\"'\u05f3\u05f4]")
    for line in _lines(5, 5000):
        assert words_of(line) == set(re.findall(r"\w+", quotes.sub("", line.lower())))


def test_render_block_escapes_as_markup_format() -> None:
    for line in [*_lines(6, 2000), "<b>&amp;</b> 'a' \"b\""]:
        assert render_block(Block("paragraph", line)) == Markup("<p>{}</p>").format(line)
        assert render_block(Block("heading", line)) == Markup("<h2>{}</h2>").format(line)
