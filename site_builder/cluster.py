"""Stage 4, cluster: articles grouped into stories, one visit and one main topic each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .analyse import AnalysedArticle
from .settings import ClusterSettings


@dataclass(frozen=True, slots=True)
class Story:
    """Articles about the same visit and topic, across sources and languages."""

    id: str  # stable: the same articles give the same id whatever the file order
    article_ids: tuple[str, ...]  # members, oldest first, then by id
    visit: int | None  # the visit ordinal the story is about, if any
    topic: str | None = None  # main topic id
    secondary_topics: tuple[str, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)  # title per language code
    reasons: tuple[str, ...] = ()  # why these articles are together, for readers


def cluster_articles(
    articles: Sequence[AnalysedArticle], settings: ClusterSettings
) -> tuple[Story, ...]:
    """Group articles into stories (first version: by stated visit ordinal, else alone)."""
    groups: dict[str, list[AnalysedArticle]] = defaultdict(list)
    for article in sorted(articles, key=lambda a: a.id):
        if article.visit is not None and article.visit.ordinal is not None:
            groups[f"visit-{article.visit.ordinal}"].append(article)
        else:
            groups[f"story-{article.id}"].append(article)
    stories = []
    for story_id, members in sorted(groups.items()):
        titles: dict[str, str] = {}
        for member in members:
            titles.setdefault(member.language, member.clean.title)
        visit = members[0].visit.ordinal if members[0].visit else None
        reasons = (f"visit {visit}",) if visit is not None else ()
        stories.append(
            Story(
                id=story_id,
                article_ids=tuple(m.id for m in members),
                visit=visit,
                titles=titles,
                reasons=reasons,
            )
        )
    return tuple(stories)
