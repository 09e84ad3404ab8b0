"""Article summaries: what the rest of the site needs of an article, without its text.

Index pages, feeds and digest.json list an article by its title, date and
actors; only its own page needs the body, and only the search index and the
cleaning report need its words and removals (those wait in the store).  A
summary is made on the worker that analysed the article and is cached with
it, so the build holds a hundred thousand of them in memory where it could
not hold a hundred thousand texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from sys import intern

from .analyse import ActorMention, AnalysedArticle, Quote, UnknownName, Visit
from .cache import interned, interned_for_pickle, interned_word, short_key
from .search import words_of
from .urls import article_path

LEAD_CHARS = 400  # the lead shown in feeds when an article has no sub-headline


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """One article as other pages list it, plus the figures the build report counts."""

    id: str
    source_file: str  # where it came from, for messages
    language: str
    title: str
    subtitle: str | None
    author: str | None
    source: str | None  # the publishing site
    url: str | None  # the article's address on its site
    date: str | None
    date_hints: tuple[str, ...]
    actors: tuple[ActorMention, ...]  # most mentioned first
    actor_ids: tuple[str, ...]  # the same actors' ids, read by every index
    visit: Visit | None
    topics: tuple[str, ...]
    quotes: tuple[Quote, ...]
    quotes_key: str  # changes exactly when the quotes do
    lead: str  # sub-headline, else the start of the body
    removal_rules: tuple[str, ...]  # the rule of each removal, for the report's counts
    flags: tuple[str, ...]
    unknown_names: tuple[UnknownName, ...]
    card_key: str  # changes exactly when what lists show of it (cards, feeds) changes
    # changes when its card, its actors or its visit do: what story cards and digest.json
    # show of it (a key for each list would name fewer changes, at more cost per build)
    listing_key: str
    cleaning_key: str  # changes exactly when its entry in the cleaning report does

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Read back with its recurring words interned (languages, sources, topic and actor
        ids, hints, rule names): a hundred thousand summaries then share one copy of each
        instead of holding their own.  Pickled interned too, so that a pickle of many
        summaries (a cache shard) holds each once, and is read with its words shared
        (see ``cache.interned``)."""
        values = [getattr(self, name) for name in _FIELDS]
        for number in _RECURRING_WORDS:
            if values[number] is not None:
                values[number] = intern(values[number])
        for number in _RECURRING_TUPLES:
            values[number] = interned_for_pickle(values[number])
        return (_summary_from_pickle, tuple(values))


def _summary_from_pickle(*values: object) -> ArticleSummary:
    fields_ = list(values)
    for number in _RECURRING_WORDS:
        fields_[number] = interned_word(fields_[number])  # type: ignore[arg-type]
    for number in _RECURRING_TUPLES:
        fields_[number] = interned(fields_[number])  # type: ignore[arg-type]
    return ArticleSummary(*fields_)  # type: ignore[arg-type]


_FIELDS = tuple(f.name for f in fields(ArticleSummary))
_RECURRING_WORDS = tuple(_FIELDS.index(name) for name in ("language", "source"))
_RECURRING_TUPLES = tuple(
    _FIELDS.index(name) for name in ("date_hints", "actor_ids", "topics", "removal_rules", "flags")
)


def summarise(article: AnalysedArticle, cleaning: str | None = None) -> ArticleSummary:
    """The summary of an analysed article; ``cleaning`` is its ``cleaning_entry`` when
    already made."""
    clean = article.clean
    lead = clean.subtitle or (clean.blocks[0].text[:LEAD_CHARS] if clean.blocks else "")
    card = (clean.title, clean.subtitle, lead, article.language, clean.meta.source, article.date)
    card += (clean.author,)
    return ArticleSummary(
        id=article.id,
        source_file=clean.path,
        language=article.language,
        title=clean.title,
        subtitle=clean.subtitle,
        author=clean.author,
        source=clean.meta.source,
        url=clean.meta.url,
        date=article.date,
        date_hints=article.date_hints,
        actors=article.actors,
        actor_ids=article.actor_ids,
        visit=article.visit,
        topics=article.topics,
        quotes=article.quotes,
        quotes_key=short_key(article.quotes),
        lead=lead,
        removal_rules=tuple(r.rule for r in clean.removals),
        flags=clean.flags,
        unknown_names=article.unknown_names,
        card_key=short_key(card),
        listing_key=short_key(
            card,
            [(m.actor_id, m.count) for m in article.actors],
            article.visit.ordinal if article.visit else None,
        ),
        cleaning_key=short_key(cleaning if cleaning is not None else cleaning_entry(article)),
    )


def search_words(article: AnalysedArticle) -> str:
    """The article's searchable words, space-separated (actor names are added later)."""
    clean = article.clean
    return " ".join(
        sorted(words_of(" ".join([clean.title, clean.subtitle or "", clean.body_text])))
    )


def cleaning_entry(article: AnalysedArticle) -> str:
    """The article's entry in ``_report/cleaning.json``: what was removed, and why."""
    clean = article.clean
    entry = {
        "id": article.id,
        "source_file": Path(clean.path).name,
        "page": article_path(article.id),
        "title": clean.title,
        "author": clean.author,
        "updated": clean.updated,
        "removals": [
            {"line": r.line, "rule": r.rule, "reason": r.reason, "text": r.text}
            for r in clean.removals
        ],
        "flags": list(clean.flags),
    }
    return json.dumps(entry, ensure_ascii=False)
