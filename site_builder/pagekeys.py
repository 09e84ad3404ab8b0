"""Page keys: what each page shows, named cheaply, so an edit re-renders only what it changes.

A page is rendered again only when its key differs from the key it had in
the previous build.  A key is a tuple of the ids and version strings of
everything the page's context (views.py) reads; it must change whenever the
context can.  Everything that all pages read (settings, actors, topics,
languages, templates, code) is covered once by the build's global key, so
it is not repeated here.

Each function mirrors the context function of the same name in views.py; a
change to what a view reads must be made here too (the incremental build
tests compare an edited build with a full one, page by page).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from . import views
from .cache import short_key, short_key_of_items
from .library import Library

Key = tuple[Any, ...]


class PageKeys:
    """Key functions for one library; per-story keys are computed once and shared."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._cards: dict[str, str] = {}
        self._for_articles: dict[tuple[str, str], Key] = {}

    def story_card(self, story_id: str) -> str:
        """Everything a story's card shows (views.story_card): its titles, visit and topic,
        its members' cards and actors.  Not its reasons, which only its own page shows: an
        edit that changes only those re-renders the story's page, not every list of it."""
        key = self._cards.get(story_id)
        if key is None:
            story = self.library.stories[story_id]
            articles = self.library.articles
            members = [articles[a].listing_key for a in story.article_ids]
            titles = sorted(story.titles.items())
            key = short_key(story.id, story.article_ids, titles, story.visit, story.topic, members)
            self._cards[story_id] = key
        return key

    def _cards_of(self, story_ids: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.story_card(s) for s in story_ids)

    def _page(self, story_ids: Sequence[str], number: int) -> tuple[int, int, tuple[str, ...]]:
        count = views.page_count(self.library, story_ids)
        return number, count, self._cards_of(views.page_slice(self.library, story_ids, number))

    def digest(self, number: int) -> Key:
        return ("digest", *self._page(self.library.story_order, number))

    def story(self, story_id: str) -> Key:
        members = self.library.stories[story_id].article_ids
        quotes = tuple(self.library.articles[a].quotes_key for a in members)
        story = self.library.stories[story_id]
        return ("story", self.story_card(story_id), short_key(story), short_key(quotes))

    def article(self, article_id: str) -> Key:
        """The article's own record, and what its page shows of its story."""
        library = self.library
        story_id = library.story_of[article_id]
        language = library.articles[article_id].language
        shared = self._for_articles.get((story_id, language))
        if shared is None:
            story = library.stories[story_id]
            others = tuple(
                (
                    code,
                    tuple(
                        library.articles[a].card_key
                        for a in members[: views.OTHER_LANGUAGE_ARTICLES]
                    ),
                    members[0],
                )
                for code, members in library.story_languages[story_id].items()
                if code != language
            )
            shared = (story.id, short_key(story.titles, story.visit, others))
            self._for_articles[(story_id, language)] = shared
        return ("article", library.article_keys[article_id], *shared)

    def language(self, code: str, number: int) -> Key:
        return (
            "language",
            code,
            *self._page(self.library.stories_of_language.get(code, ()), number),
        )

    def actors_index(self) -> Key:
        counts = self.library.articles_of_actor
        return ("actors", tuple(len(counts.get(a, ())) for a in sorted(self.library.actors)))

    def actor(self, actor_id: str, number: int) -> Key:
        library = self.library
        article_ids = library.articles_of_actor.get(actor_id, ())
        stories = library.stories_of_actor.get(actor_id, ())
        page = views.page_slice(library, stories, number)
        shown = views.actor_page_articles(library, actor_id, page)
        quotes = tuple(library.articles[a].quotes_key for a in shown)
        return (
            "actor",
            actor_id,
            *self._page(stories, number),
            len(article_ids),
            short_key(library.actors_together.get(actor_id, ())[:8]),
            tuple(shown),
            quotes,
        )

    def topics_index(self) -> Key:
        of_topic = self.library.stories_of_topic
        return ("topics", tuple(len(of_topic.get(t, ())) for t in sorted(self.library.topics)))

    def topic(self, topic_id: str, number: int) -> Key:
        library = self.library
        also = library.stories_touching_topic.get(topic_id, ())[: library.settings.page_size]
        main = library.stories_of_topic.get(topic_id, ())
        return ("topic", topic_id, *self._page(main, number), self._cards_of(also))

    def visits_index(self) -> Key:
        of_visit = self.library.stories_of_visit
        return ("visits", tuple((o, len(of_visit.get(o, ()))) for o in self.library.visit_order))

    def visit(self, ordinal: int | None, number: int) -> Key:
        stories = self.library.stories_of_visit.get(ordinal, ())
        return ("visit", ordinal, *self._page(stories, number))

    def search(self) -> Key:
        return ("search", self.library.search_shards)

    def digest_data(self) -> Key:
        """digest.json (render.digest_json): each article's card fields, mentions, visit and
        story, in order; each story's list fields; each actor's articles."""
        library = self.library
        articles = library.articles

        def parts() -> Iterator[tuple[Any, ...]]:
            for article_id in library.article_order():
                yield article_id, articles[article_id].listing_key, library.story_of[article_id]
            for s in map(library.stories.__getitem__, library.story_order):
                yield (s.id, s.visit, s.topic, sorted(s.titles.items()), s.article_ids)
            for actor_id in sorted(library.actors):
                yield (actor_id, library.articles_of_actor.get(actor_id, ()))

        return ("digest-data", short_key_of_items(parts()))

    def cleaning_report(self) -> Key:
        """_report/cleaning.json: each article's entry, by id (its counts follow from them)."""
        articles = self.library.articles
        entries = ((a, articles[a].cleaning_key) for a in sorted(articles))
        return ("cleaning", short_key_of_items(entries))

    def fixed(self, name: str) -> Key:
        """A page that shows nothing but what the global key covers (the 404 page)."""
        return ("fixed", name)

    def feed(self, path: str, article_ids: Sequence[str]) -> Key:
        entries = views.feed_entries(self.library, article_ids)
        articles = self.library.articles
        return ("feed", path, tuple((a, articles[a].card_key) for a in entries))
