"""The library: every article, story, actor, topic and language by stable id.

Cross-links (an actor's articles, an article's story, the same story in the
other language) are computed here once, so page views only look things up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from .cluster import Story
from .languages import Language, known_languages
from .load import Actor, Topic
from .search import shard_count
from .settings import Settings
from .summary import ArticleSummary


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class Library:
    """The finished data of the whole site; pages only read it."""

    settings: Settings
    articles: Mapping[str, ArticleSummary]  # by article id; full records are in the store
    article_keys: Mapping[str, str]  # article id -> its cache key (its record in the store)
    stories: Mapping[str, Story]  # by story id
    actors: Mapping[str, Actor]  # by actor id
    topics: Mapping[str, Topic]  # by topic id
    languages: Mapping[str, Language]  # the site's languages, in settings order
    story_order: tuple[str, ...]  # digest order: newest visit first
    story_of: Mapping[str, str]  # article id -> story id
    articles_of_language: Mapping[str, tuple[str, ...]]  # language -> article ids, story order
    articles_of_actor: Mapping[str, tuple[str, ...]]  # actor id -> article ids, story order
    stories_of_actor: Mapping[str, tuple[str, ...]]  # actor id -> story ids, digest order
    visit_order: tuple[int | None, ...]  # visit ordinals with stories, newest first, None last
    stories_of_language: Mapping[str, tuple[str, ...]]  # language -> story ids, digest order
    story_languages: Mapping[str, Mapping[str, tuple[str, ...]]]  # story -> language -> articles
    stories_of_visit: Mapping[int | None, tuple[str, ...]]  # visit -> story ids, digest order
    stories_of_topic: Mapping[str, tuple[str, ...]]  # main topic -> story ids, digest order
    stories_touching_topic: Mapping[str, tuple[str, ...]]  # secondary topic -> story ids
    search_shards: int  # files the search index is split into
    # actor id -> (other actor id, articles naming both), most such articles first
    actors_together: Mapping[str, tuple[tuple[str, int], ...]]

    def article_order(self) -> tuple[str, ...]:
        """All article ids, story by story in digest order."""
        return tuple(a for s in self.story_order for a in self.stories[s].article_ids)


def build_library(
    settings: Settings,
    articles: Sequence[ArticleSummary],
    stories: Sequence[Story],
    actors: Sequence[Actor],
    topics: Sequence[Topic],
    article_keys: Mapping[str, str] | None = None,
) -> Library:
    """Index everything by id and compute the cross-links once."""
    by_id = {a.id: a for a in articles}
    story_by_id = {s.id: s for s in stories}
    order = tuple(s.id for s in sorted(stories, key=lambda s: _digest_key(s, by_id)))
    story_of = {a: s.id for s in stories for a in s.article_ids}

    known = known_languages()
    site_languages = {code: known[code] for code in settings.languages if code in known}
    of_language: dict[str, list[str]] = defaultdict(list)
    of_actor: dict[str, list[str]] = defaultdict(list)
    stories_of_actor: dict[str, list[str]] = defaultdict(list)
    for story_id in order:
        for article_id in story_by_id[story_id].article_ids:
            article = by_id[article_id]
            of_language[article.language].append(article_id)
            for actor_id in article.actor_ids:
                of_actor[actor_id].append(article_id)
                if story_id not in stories_of_actor[actor_id]:
                    stories_of_actor[actor_id].append(story_id)
    return Library(
        settings=settings,
        articles=by_id,
        article_keys=dict(article_keys or {}),
        stories=story_by_id,
        actors={a.id: a for a in actors},
        topics={t.id: t for t in topics},
        languages=site_languages,
        story_order=order,
        story_of=story_of,
        articles_of_language={k: tuple(v) for k, v in of_language.items()},
        articles_of_actor={k: tuple(v) for k, v in of_actor.items()},
        stories_of_actor={k: tuple(v) for k, v in stories_of_actor.items()},
        visit_order=tuple(dict.fromkeys(story_by_id[s].visit for s in order)),
        story_languages={
            s.id: {
                code: tuple(a for a in s.article_ids if by_id[a].language == code)
                for code in sorted({by_id[a].language for a in s.article_ids})
            }
            for s in stories
        },
        stories_of_language=_group(
            order, lambda s: sorted({by_id[a].language for a in story_by_id[s].article_ids})
        ),
        stories_of_visit=_group(order, lambda s: [story_by_id[s].visit]),
        stories_of_topic=_group(
            order, lambda s: [story_by_id[s].topic] if story_by_id[s].topic else []
        ),
        stories_touching_topic=_group(order, lambda s: list(story_by_id[s].secondary_topics)),
        search_shards=shard_count(len(by_id)),
        actors_together=_named_together(articles, {a.id for a in actors}),
    )


def _named_together(
    articles: Sequence[ArticleSummary], known: set[str]
) -> dict[str, tuple[tuple[str, int], ...]]:
    """For each actor, the others named in the same articles, and in how many."""
    # Articles name the same few people again and again: pairs are counted once per
    # distinct cast, not once per article (millions of pairs in a large collection).
    casts = Counter(article.actor_ids for article in articles)
    pairs: Counter[tuple[str, str]] = Counter()
    for cast, articles_with_it in casts.items():
        for pair in permutations([a for a in cast if a in known], 2):
            pairs[pair] += articles_with_it
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for (actor_id, other), count in pairs.items():
        counts[actor_id][other] = count
    return {
        actor_id: tuple(sorted(found.items(), key=lambda item: (-item[1], item[0])))
        for actor_id, found in counts.items()
    }


def _group(order: Sequence[str], keys_of: Callable[[str], list[Any]]) -> dict[Any, tuple[str, ...]]:
    """Story ids under each of their keys, keeping the digest order."""
    groups: dict[Any, list[str]] = defaultdict(list)
    for story_id in order:
        for key in keys_of(story_id):
            groups[key].append(story_id)
    return {key: tuple(ids) for key, ids in groups.items()}


def _digest_key(story: Story, articles: Mapping[str, ArticleSummary]) -> tuple[object, ...]:
    """Newest first: by visit ordinal when known, then by the newest member's date, then id."""
    dates = [articles[a].date or "" for a in story.article_ids]
    newest = max(dates) if dates else ""
    visit = story.visit if story.visit is not None else -1
    return (-visit, _reverse(newest), story.id)


def _reverse(text: str) -> tuple[int, ...]:
    """A sort key that orders strings descending inside an ascending sort."""
    return tuple(-ord(ch) for ch in text) + (1,)
