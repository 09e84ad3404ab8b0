"""The per-article features: topic words as each topic's own scan finds them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.cluster import _topic_words
from site_builder.load import Topic
from site_builder.topics import topic_terms

from .test_cluster_incremental import TOPICS

HEBREW = "\u05d5\u05d4\u05d1\u05dc\u05de\u05e9"  # the prefix letters, and a few words of them
TRICKY = (
    Topic("overlap", {"en": ["peace talks", "talk*", "u.n.", "p5+1"]}, {"en": "Overlap"}),
    Topic("inner", {"en": ["talks", "eu", 'mo"m', "pre-1967"]}, {"en": "Inner"}),
)


def one_scan_per_topic(text: str, language: str, topics: tuple[Topic, ...]) -> tuple:
    """The definition: each topic's own pattern over the whole text."""
    found = ((t.id, topic_terms(text, language, t)) for t in topics)
    return tuple((topic_id, tuple(w.strip() for w in words)) for topic_id, words in found if words)


def test_topic_words_equal_one_scan_per_topic_on_tricky_texts() -> None:
    texts = [
        "Peace talks, talks and talkative peace\ntalks; the U.N. and P5+1 met (EU) in europe.",
        'mo"m and pre-1967 lines; xtalks talks-talks peace  talks',
        "",
        "talks",
    ]
    for text in texts:
        assert _topic_words(text, "en", TRICKY) == one_scan_per_topic(text, "en", TRICKY)


FRAGMENTS = st.sampled_from(
    [
        "peace",
        "talks",
        "talk",
        "u.n.",
        "p5+1",
        "eu",
        "europe",
        'mo"m',
        "pre-1967",
        " ",
        "  ",
        "\n",
        ",",
        "-",
        "x",
        *HEBREW,
        *(w for t in TOPICS for words in t.keywords.values() for w in words),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30), st.sampled_from(["en", "he"]))
def test_topic_words_equal_one_scan_per_topic_on_any_text(parts: list[str], language: str) -> None:
    text = "".join(parts)
    for topics in (TRICKY, tuple(TOPICS)):
        assert _topic_words(text, language, topics) == one_scan_per_topic(text, language, topics)
