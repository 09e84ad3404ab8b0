"""Stage 3, analyse: language, actors, the visit reported, topics, dates and quotes.

Works on the clean text only, so nothing in removed boilerplate (a byline, a
related headline, a publisher's appeal) can make someone an actor.
Language-specific knowledge (prefixes, ordinals, role words) is data in
``data/lexicons/analyse-*.yaml``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .clean import CleanArticle
from .languages import detect_language
from .load import Actor, Topic


@dataclass(frozen=True, slots=True)
class ActorMention:
    """An actor named in an article, and how often."""

    actor_id: str
    count: int  # mentions in the clean title, sub-headline and body


@dataclass(frozen=True, slots=True)
class Visit:
    """The visit an article reports on."""

    ordinal: int | None  # 9 for "the ninth visit"; None when the count is not stated
    status: str  # "announced", "under-way", "over" or "unknown"
    place: str | None = None  # where, when stated (a place name as written)
    evidence: str = ""  # the words that gave the ordinal away


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation attributed to an actor."""

    actor_id: str
    text: str  # the quoted words, without quote marks
    block: int  # index of the clean block that holds it


@dataclass(frozen=True, slots=True)
class UnknownName:
    """A person-like name that is not in actors.yaml."""

    name: str
    count: int
    example: str  # a sentence where it occurs


@dataclass(frozen=True, slots=True)
class AnalysedArticle:
    """A clean article plus what the analyser found in it."""

    clean: CleanArticle
    language: str  # language code
    actors: tuple[ActorMention, ...]  # most mentioned first, then by id
    visit: Visit | None  # None: the article reports on no visit
    topics: tuple[str, ...] = ()  # topic ids, most relevant first
    date: str | None = None  # publication date (ISO) when known
    date_hints: tuple[str, ...] = ()  # weekday and time hints from the text
    places: tuple[str, ...] = ()  # place ids or names, for clustering
    quotes: tuple[Quote, ...] = ()
    unknown_names: tuple[UnknownName, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return self.clean.id

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(m.actor_id for m in self.actors)


@dataclass(frozen=True, slots=True)
class AnalysisData:
    """Actors, topics and lexicons, compiled once and shared by every article."""

    actors: tuple[Actor, ...]
    topics: tuple[Topic, ...]
    languages: tuple[str, ...]
    actor_patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (actor id, any of its names)


def prepare_analysis(
    actors: Sequence[Actor], topics: Sequence[Topic], languages: Sequence[str]
) -> AnalysisData:
    """Compile the matchers once per build."""
    patterns = []
    for actor in actors:
        forms = {n for n in actor.names.values()}
        for aliases in actor.aliases.values():
            forms.update(aliases)
        alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        patterns.append((actor.id, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")))
    return AnalysisData(tuple(actors), tuple(topics), tuple(languages), tuple(patterns))


def analyse_article(article: CleanArticle, data: AnalysisData) -> AnalysedArticle:
    """Analyse one clean article (first version: language and actors by name)."""
    text = "\n".join([article.title, article.subtitle or "", article.body_text])
    language = article.meta.language or detect_language(text, data.languages or None)
    counts: Counter[str] = Counter()
    for actor_id, pattern in data.actor_patterns:
        found = len(pattern.findall(text))
        if found:
            counts[actor_id] = found
    mentions = tuple(
        ActorMention(actor_id, count)
        for actor_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    return AnalysedArticle(
        clean=article,
        language=language,
        actors=mentions,
        visit=None,
        date=article.meta.date,
    )
