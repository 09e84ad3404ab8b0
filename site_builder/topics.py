"""Topic detection from per-language keyword lists (content/topics.yaml)."""

from __future__ import annotations

from collections.abc import Sequence

from .load import Topic


def rank_topics(text: str, language: str, topics: Sequence[Topic]) -> tuple[str, ...]:
    """Topic ids whose keywords occur in ``text``, most hits first (ties by id)."""
    lowered = text.lower()
    scores = []
    for topic in topics:
        hits = sum(lowered.count(k.lower()) for k in topic.keywords.get(language, ()))
        if hits:
            scores.append((-hits, topic.id))
    return tuple(topic_id for _, topic_id in sorted(scores))
