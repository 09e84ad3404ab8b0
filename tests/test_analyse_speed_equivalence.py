"""The analyser's fast paths give exactly what the plain forms they replace give.

Each speed-up rewrites something with a simpler reference form: the token and
number patterns (the first character moved before the alternatives), the topic
pattern (keywords grouped by first character) and the similarity words of an
article (put together from its tokens).  Random texts over an alphabet of the
characters that matter (quotes, geresh, dashes, dots, digits, Latin, Hebrew,
Greek sigma, the modifier apostrophe) compare each with its reference.
"""

from __future__ import annotations

import random
import re

from site_builder.analyse import _terms
from site_builder.analyse_text import _FOLD, _TOKEN, _TOKEN_SPLIT, HEBREW, tokenize
from site_builder.load import Topic
from site_builder.similarity import numbers
from site_builder.similarity import tokens as similarity_tokens
from site_builder.topics import _compiled, normalise_marks, rank_topics

_REFERENCE_TOKEN = re.compile(
    rf"(?:[A-Za-z]\.){{2,}}|[^\W_]+(?:['\"][^\W_]+)*(?:(?<=[{HEBREW}])'(?![^\W_]))?"
)
_REFERENCE_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,:]\d+)*(?![\w])")

_ALPHABET = [
    *"aBzU.S'\"_ -1,:9\n\u05d0\u05d1\u05d4\u05d5\u05ea\u05f3\u05f4\u00e9\u0663\u03a3\u03c3\u0130",
    *(chr(source) for source in _FOLD),
    "U.S.",
    "O'Brien",
    "kerry's",
    "12.5",
    "\u05d1\u05d9\u05ea",
    "\u05e9\u05d1\u05d9\u05ea",
]


def _texts(seed: int, count: int, longest: int = 30) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, longest))) for _ in range(count)
    ]


def test_token_pattern_matches_the_reference():
    for text in _texts(1, 3000):
        assert [m.span() for m in _TOKEN.finditer(text)] == [
            m.span() for m in _REFERENCE_TOKEN.finditer(text)
        ]
        assert _TOKEN_SPLIT.split(text) == re.split(f"({_REFERENCE_TOKEN.pattern})", text)


def test_numbers_match_the_reference():
    for text in _texts(2, 3000):
        expected = {
            v
            for v in (m.rstrip(".,:") for m in _REFERENCE_NUMBER.findall(text))
            if len(v) >= 2 and ":" not in v
        }
        assert numbers(text) == expected


def _reference_topics(text: str, language: str, topics: list[Topic]) -> tuple[str, ...]:
    """rank_topics with the plain one-group-per-topic pattern."""
    keyword_sets = tuple((t.id, tuple(t.keywords.get(language, ()))) for t in topics)
    pattern, topic_ids = _compiled(language, keyword_sets)
    hits: dict[str, list[str]] = {}
    for match in pattern.finditer(normalise_marks(text).lower()):
        group = match.lastgroup
        if group is not None:
            hits.setdefault(topic_ids[int(group[1:])], []).append(match.group(group))
    scores = sorted((-(len(found) + len(set(found))), topic_id) for topic_id, found in hits.items())
    return tuple(topic_id for _, topic_id in scores)


def test_topics_match_the_reference():
    rng = random.Random(3)
    keywords = [
        "a", "ab", "ab c", "abc*", "a b*", "u.n.", "p5+1", '"quoted"', "-dash", "map", "cap",
        "x y z", "\u0130stanbul", "*", "ab* *", "\u05d1", "\u05d1\u05d9\u05ea",
        "\u05d1\u05d9\u05ea*", "\u05e9\u05d1*", "\u05d4",
    ]  # fmt: skip
    for round_ in range(20):
        topics = [
            Topic(
                id=f"t{k}",
                names={},
                keywords={"en": rng.sample(keywords, 6), "he": rng.sample(keywords, 6)},
            )
            for k in range(5)
        ]
        for text in _texts(100 + round_, 150):
            for language in ("en", "he", "xx"):
                assert rank_topics(text, language, topics) == _reference_topics(
                    text, language, topics
                )


def test_terms_from_tokens_match_similarity_tokens():
    rng = random.Random(4)
    for _ in range(3000):
        parts = _texts(rng.random(), rng.randint(2, 4), 12)
        text = "\n\n".join(parts)
        full_text = "\n".join([parts[0], parts[1], "\n\n".join(parts[2:])])
        for language in ("en", "he"):
            expected = tuple(similarity_tokens(full_text, language))
            assert _terms(tokenize(text), text, full_text, language) == expected
