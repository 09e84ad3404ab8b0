"""Page views: one context function per page kind, from the library to ready data.

Templates only loop and print; every decision (which title, which language,
which link) is made here.  Paths are site-root paths; the template's ``url``
filter makes them relative to the page.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from . import urls
from .clean import Block, Removal
from .cluster import Story
from .languages import Language, known_languages
from .library import Library
from .store import StoredArticle
from .summary import ArticleSummary

FEED_SIZE = 50  # entries per Atom feed
CARD_ARTICLES = 6  # articles listed in a story's card; the story page lists them all
OTHER_LANGUAGE_ARTICLES = 8  # articles listed per other language on an article page
STORY_QUOTES = 40  # quotes shown on a story page (each article page has its own)
LANGUAGE_PAGE_ARTICLES = 12  # articles listed per story on a language page; the story has all
ACTOR_PAGE_ARTICLES = 50  # articles naming the actor listed per page (its stories hold the rest)
ACTOR_PAGE_QUOTES = 30  # the actor's quotes shown per page
EPOCH = "1970-01-01T00:00:00Z"  # the "updated" of undated entries: fixed, so builds repeat


@dataclass(frozen=True, slots=True)
class Text:
    """A piece of text with the language it is written in, for lang/dir attributes."""

    text: str
    lang: str
    dir: str


@dataclass(frozen=True, slots=True)
class Link:
    path: str  # site-root path of the target page
    label: Text


@dataclass(frozen=True, slots=True)
class Alternate:
    """A <link rel="alternate">: a feed, or the same page in another language."""

    href: str  # absolute URL, or a site-root path made relative by the template
    type: str | None = None
    hreflang: str | None = None
    title: str | None = None
    absolute: bool = False


@dataclass(frozen=True, slots=True)
class ArticleCard:
    """An article as listed on other pages."""

    path: str
    title: Text
    language: str  # the article's language, named in the page's language
    source: str | None
    date: str | None
    author: str | None


@dataclass(frozen=True, slots=True)
class StoryCard:
    """A story as listed on the digest and other index pages."""

    path: str
    title: Text
    visit: Link  # "Visit 9" or "Not tied to a visit", in the page's language
    topic: Link | None
    languages: tuple[str, ...]  # language names
    sources: tuple[str, ...]
    actors: tuple[Link, ...]
    articles: tuple[ArticleCard, ...]  # the first few; the story page has them all
    more_articles: str | None  # "3 more articles in this story", when there are more


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a page of a paged list stands, and links to its neighbours."""

    number: int  # this page, from 1
    count: int  # pages in all
    previous: str | None  # site-root path of the previous page
    next: str | None
    pages: tuple[tuple[int, str | None], ...]  # (number, path) to show; path None: a gap


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article's own page: its clean text and what it links to."""

    title: str
    subtitle: str | None
    author: str | None
    source: str | None
    date: str | None
    updated: str | None
    url: str | None  # the article's address on its site
    body: tuple[Markup, ...]  # one safe HTML fragment per block
    removals: tuple[Removal, ...]  # what the cleaner removed from the source
    actors: tuple[Link, ...]
    visit: Link | None
    date_hints: str | None  # the date hints in words, when the date is unknown
    disagreement: str | None  # when sources disagree on the visit's number


@dataclass(frozen=True, slots=True)
class ArticleList:
    """Articles listed under a heading: the same story in another language, on an article page."""

    label: str
    articles: tuple[ArticleCard, ...]


@dataclass(frozen=True, slots=True)
class VisitGroup:
    """Stories of one visit, in a row of the digest."""

    visit: Link
    stories: list[StoryCard]


@dataclass(frozen=True, slots=True)
class ColumnArticle:
    """An article in its language's column of a story page."""

    card: ArticleCard
    subtitle: Text


@dataclass(frozen=True, slots=True)
class StoryColumn:
    """A story's articles in one language."""

    language: Text  # the language's own name
    articles: tuple[ColumnArticle, ...]


@dataclass(frozen=True, slots=True)
class QuoteView:
    """A quote, who said it, and the article it is from."""

    speaker: Link
    text: Text
    article: Link


@dataclass(frozen=True, slots=True)
class LanguageStory:
    """A story on a language page, with its articles in that language."""

    card: StoryCard
    articles: tuple[ArticleCard, ...]  # the first few
    more: str | None  # "3 more articles in this story", when there are more


@dataclass(frozen=True, slots=True)
class ActorView:
    """The head of an actor's page."""

    name: Text
    names: tuple[Text, ...]  # in every language known
    roles: tuple[Text, ...]
    description: str | None
    article_count: int


@dataclass(frozen=True, slots=True)
class MetWith:
    """Another actor named in the same articles, and in how many."""

    link: Link
    count: int


@dataclass(frozen=True, slots=True)
class ActorRow:
    """An actor in the index of actors."""

    link: Link
    other_names: tuple[Text, ...]  # the names in the other languages
    articles: int  # articles naming the actor


@dataclass(frozen=True, slots=True)
class IndexRow:
    """A topic or a visit in its index, with its count of stories."""

    link: Link
    stories: int


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """An article in an Atom feed."""

    id: str
    title: str
    lang: str
    path: str
    href: str | None  # absolute URL when the site has a base URL
    updated: str
    author: str
    summary: str


@dataclass(frozen=True, slots=True)
class Feed:
    """An Atom feed."""

    id: str
    title: str
    lang: str | None
    updated: str
    self: str | None  # absolute URLs, when the site has a base URL
    home: str | None
    entries: tuple[FeedEntry, ...]


def page_count(library: Library, story_ids: Sequence[str]) -> int:
    """Pages a list of stories fills (at least one, which may say there is nothing)."""
    return max(1, -(-len(story_ids) // library.settings.page_size))


def pager(first_page: str, number: int, count: int, window: int = 2) -> Pager:
    shown = sorted({1, count, *range(max(1, number - window), min(count, number + window) + 1)})
    pages: list[tuple[int, str | None]] = []
    for index, n in enumerate(shown):
        if index and n - shown[index - 1] > 1:
            pages.append((0, None))
        pages.append((n, urls.paged_path(first_page, n)))
    return Pager(
        number=number,
        count=count,
        previous=urls.paged_path(first_page, number - 1) if number > 1 else None,
        next=urls.paged_path(first_page, number + 1) if number < count else None,
        pages=tuple(pages),
    )


def page_slice(library: Library, items: Sequence[Any], number: int) -> Sequence[Any]:
    size = library.settings.page_size
    return items[(number - 1) * size : number * size]


class Words(dict[str, str]):
    """Interface words in one language: a mapping that templates also read as attributes
    (``page.ui.by``) at the cost of a plain attribute, where Jinja's lookup on a dict first
    fails as an attribute, then finds the item."""

    def __init__(self, words: Mapping[str, str]) -> None:
        super().__init__(words)
        # A word named like a dict method (none is) is left to the item lookup.
        self.__dict__.update((k, v) for k, v in words.items() if not hasattr(dict, k))


@dataclass(frozen=True, slots=True)
class Page:
    """What every page needs: where it is, its language, and the site-wide navigation."""

    path: str  # site-root path of this page
    lang: str
    dir: str
    title: str
    site_title: str
    ui: Words  # interface words in the page's language
    nav: tuple[Link, ...]
    canonical: str | None  # absolute URL when the site has a base URL
    alternates: tuple[Alternate, ...]
    stylesheet: str = urls.STYLESHEET
    search: str = urls.SEARCH
    extra: Mapping[str, Any] = field(default_factory=dict)


def language_of(library: Library, code: str) -> Language:
    """The site language ``code``, or any known one, falling back to English."""
    known = known_languages()
    return library.languages.get(code) or known.get(code) or known["en"]


def _text(value: str, language: Language) -> Text:
    return Text(value, language.code, language.direction)


@dataclass(frozen=True, slots=True)
class _Frame:
    """The parts of a page's frame that depend only on its language: made once per build."""

    language: Language
    ui: Words
    nav: tuple[Link, ...]
    site_title: str
    site_feed: Alternate


@lru_cache(maxsize=64)
def _frame(library: Library, lang: str) -> _Frame:
    language = language_of(library, lang)
    ui = language.ui
    nav = [Link(urls.DIGEST, _text(ui["digest"], language))]
    for code, other in library.languages.items():
        nav.append(Link(urls.language_path(code), _text(other.native_name, other)))
    nav.append(Link(urls.ACTORS_INDEX, _text(ui["actors"], language)))
    nav.append(Link(urls.TOPICS_INDEX, _text(ui["topics"], language)))
    nav.append(Link(urls.VISITS_INDEX, _text(ui["visits"], language)))
    nav.append(Link(urls.SEARCH, _text(ui["search"], language)))
    return _Frame(
        language=language,
        ui=Words(ui),
        nav=tuple(nav),
        site_title=library.settings.site_title(language.code),
        site_feed=_feed_alternate(library, urls.SITE_FEED, ui["feed"]),
    )


def _feed_alternate(library: Library, feed: str, title: str) -> Alternate:
    base = library.settings.base_url
    return Alternate(
        href=urls.absolute_url(base, feed) if base else feed,
        type="application/atom+xml",
        title=title,
        absolute=bool(base),
    )


def page_frame(
    library: Library,
    path: str,
    lang: str,
    title: str,
    feeds: Sequence[tuple[str, str]] = (),
    translations: Sequence[tuple[str, str]] = (),
) -> Page:
    """The frame of a page: language, navigation, canonical and alternate links.

    ``feeds`` are (path, title) of Atom feeds for this page; ``translations``
    are (language code, path) of the same page in other languages.
    """
    frame = _frame(library, lang)
    base = library.settings.base_url
    alternates = [frame.site_feed]
    alternates.extend(_feed_alternate(library, feed, feed_title) for feed, feed_title in feeds)
    if base:
        for code, other_path in translations:
            alternates.append(
                Alternate(urls.absolute_url(base, other_path), hreflang=code, absolute=True)
            )
    return Page(
        path=path,
        lang=frame.language.code,
        dir=frame.language.direction,
        title=title,
        site_title=frame.site_title,
        ui=frame.ui,
        nav=frame.nav,
        canonical=urls.absolute_url(base, path) if base else None,
        alternates=tuple(alternates),
        extra=library.settings.extra,
    )


def actor_name(library: Library, actor_id: str, lang: str) -> Text:
    """The actor's name in ``lang`` when known, else in the first language that has one."""
    actor = library.actors[actor_id]
    if lang in actor.names:
        return _text(actor.names[lang], language_of(library, lang))
    code, name = sorted(actor.names.items())[0]
    return _text(name, language_of(library, code))


@lru_cache(maxsize=4096)
def actor_link(library: Library, actor_id: str, lang: str) -> Link:
    return Link(urls.actor_path(actor_id), actor_name(library, actor_id, lang))


@lru_cache(maxsize=4096)
def topic_link(library: Library, topic_id: str | None, lang: str) -> Link | None:
    topic = library.topics.get(topic_id or "")
    if topic is None:
        return None
    if lang in topic.names:
        label = _text(topic.names[lang], language_of(library, lang))
    elif topic.names:
        code, name = sorted(topic.names.items())[0]
        label = _text(name, language_of(library, code))
    else:
        label = _text(topic.id, language_of(library, "en"))
    return Link(urls.topic_path(topic.id), label)


@lru_cache(maxsize=4096)
def visit_link(library: Library, ordinal: int | None, lang: str) -> Link:
    language = language_of(library, lang)
    label = (
        language.ui["visit_n"].format(n=ordinal) if ordinal is not None else language.ui["no_visit"]
    )
    return Link(urls.visit_path(ordinal), _text(label, language))


def article_card(library: Library, article: ArticleSummary, lang: str) -> ArticleCard:
    """An article's card in the page language ``lang``; cached, since the articles of a
    story are listed on each other's pages."""
    return _cached_article_card(library, article.id, lang)


@lru_cache(maxsize=65536)
def _cached_article_card(library: Library, article_id: str, lang: str) -> ArticleCard:
    article = library.articles[article_id]
    page_language = language_of(library, lang)
    own = language_of(library, article.language)
    return ArticleCard(
        path=urls.article_path(article.id),
        title=_text(article.title, own),
        language=page_language.ui.get(f"language_{own.code}", own.native_name),
        source=article.source,
        date=article.date,
        author=article.author,
    )


def story_title(library: Library, story: Story, lang: str) -> Text:
    if lang in story.titles:
        return _text(story.titles[lang], language_of(library, lang))
    if story.titles:
        code, title = sorted(story.titles.items())[0]
        return _text(title, language_of(library, code))
    return _text(story.id, language_of(library, lang))


def _story_actor_counts(library: Library, story: Story) -> Counter[str]:
    counts: Counter[str] = Counter()
    for article_id in story.article_ids:
        for mention in library.articles[article_id].actors:
            if mention.actor_id in library.actors:
                counts[mention.actor_id] += mention.count
    return counts


def story_card(library: Library, story: Story, lang: str, max_actors: int = 6) -> StoryCard:
    """A story's card; cached, since a story appears on many index pages."""
    return _cached_story_card(library, story.id, lang, max_actors)


def forget_cached_views() -> None:
    """Drop cached views of an earlier build (they hold its library)."""
    cached_views = (_frame, _cached_story_card, _cached_article_card)
    for cached in (*cached_views, actor_link, topic_link, visit_link):
        cached.cache_clear()


@lru_cache(maxsize=4096)
def _cached_story_card(library: Library, story_id: str, lang: str, max_actors: int) -> StoryCard:
    return _story_card(library, library.stories[story_id], lang, max_actors)


def _story_card(library: Library, story: Story, lang: str, max_actors: int) -> StoryCard:
    members = [library.articles[a] for a in story.article_ids]
    counts = _story_actor_counts(library, story)
    top_actors = sorted(counts, key=lambda a: (-counts[a], a))[:max_actors]
    page_language = language_of(library, lang)
    return StoryCard(
        path=urls.story_path(story.id),
        title=story_title(library, story, lang),
        visit=visit_link(library, story.visit, lang),
        topic=topic_link(library, story.topic, lang),
        languages=tuple(
            page_language.ui.get(f"language_{code}", language_of(library, code).native_name)
            for code in sorted({m.language for m in members})
        ),
        sources=tuple(sorted({m.source for m in members if m.source})),
        actors=tuple(actor_link(library, a, lang) for a in top_actors),
        articles=tuple(article_card(library, m, lang) for m in members[:CARD_ARTICLES]),
        more_articles=page_language.ui["more_articles"].format(n=len(members) - CARD_ARTICLES)
        if len(members) > CARD_ARTICLES
        else None,
    )


def _grouped_by_visit(library: Library, story_ids: Sequence[str], lang: str) -> list[VisitGroup]:
    groups: list[VisitGroup] = []
    for story_id in story_ids:
        story = library.stories[story_id]
        link = visit_link(library, story.visit, lang)
        if not groups or groups[-1].visit != link:
            groups.append(VisitGroup(link, []))
        groups[-1].stories.append(story_card(library, story, lang))
    return groups


def digest_pages(library: Library) -> int:
    return page_count(library, library.story_order)


def digest_context(library: Library, number: int = 1) -> dict[str, Any]:
    lang = library.settings.default_language
    path = urls.paged_path(urls.DIGEST, number)
    page = page_frame(library, path, lang, library.settings.site_title(lang))
    story_ids = page_slice(library, library.story_order, number)
    return {
        "page": page,
        "description": library.settings.description.get(lang, "") if number == 1 else "",
        "groups": _grouped_by_visit(library, story_ids, lang),
        "pager": pager(urls.DIGEST, number, digest_pages(library)),
    }


def story_context(library: Library, story_id: str) -> dict[str, Any]:
    lang = library.settings.default_language
    story = library.stories[story_id]
    card = story_card(library, story, lang, max_actors=50)
    page = page_frame(library, urls.story_path(story_id), lang, card.title.text)
    columns = []
    for code, members in library.story_languages[story_id].items():
        language = language_of(library, code)
        columns.append(
            StoryColumn(
                language=_text(language.native_name, language),
                articles=tuple(
                    ColumnArticle(
                        card=article_card(library, library.articles[a], lang),
                        subtitle=_text(library.articles[a].subtitle or "", language),
                    )
                    for a in members
                ),
            )
        )
    timeline = sorted(
        (article_card(library, library.articles[a], lang) for a in story.article_ids),
        key=lambda c: (c.date or "9999", c.path),
    )
    ui = language_of(library, lang).ui
    disagreement = None
    if len(story.visit_counts) > 1:
        counts = ", ".join(
            ui["visit_n"].format(n=n) + f" ({k})" for n, k in sorted(story.visit_counts.items())
        )
        disagreement = ui["counts_disagree"].format(counts=counts)
    return {
        "page": page,
        "story": card,
        "disagreement": disagreement,
        "columns": columns,
        "reasons": story.reasons,
        "quotes": _quotes(library, story.article_ids, lang, STORY_QUOTES),
        "timeline": timeline,
    }


def _quotes(
    library: Library,
    article_ids: Sequence[str],
    lang: str,
    limit: int,
    actor_id: str | None = None,
) -> list[QuoteView]:
    """The first ``limit`` quotes in these articles, in their order (only ``actor_id``'s
    when given)."""
    rows: list[QuoteView] = []
    for article_id in article_ids:
        article = library.articles[article_id]
        own = language_of(library, article.language)
        for quote in article.quotes:
            if quote.actor_id not in library.actors:
                continue
            if actor_id is not None and quote.actor_id != actor_id:
                continue
            if len(rows) == limit:
                return rows
            rows.append(
                QuoteView(
                    speaker=actor_link(library, quote.actor_id, lang),
                    text=_text(quote.text, own),
                    article=Link(urls.article_path(article_id), _text(article.title, own)),
                )
            )
    return rows


def render_block(block: Block) -> Markup:
    """HTML of one body block; all text escaped, Markdown rendered without raw HTML."""
    # escape() is what Markup.format applies to each argument, without its slow
    # string.Formatter machinery (this runs once per paragraph of every article)
    if block.kind == "heading":
        return Markup(f"<h2>{escape(block.text)}</h2>")
    if block.kind == "markdown":
        # imported here: most sites have no Markdown body, and its import costs every
        # build process 8 ms (an edit's build takes about a second)
        import markdown as markdown_lib

        source = block.text.replace("&", "&amp;").replace("<", "&lt;")
        return Markup(markdown_lib.markdown(source, output_format="html"))
    return Markup(f"<p>{escape(block.text)}</p>")


_JSON_LD = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # made once, not per page


def json_ld(data: Mapping[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json">, safe against '</script>'."""
    text = _JSON_LD.encode(data)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def article_context(library: Library, record: StoredArticle) -> dict[str, Any]:
    """An article's own page: the one page that needs its whole record from the store."""
    article = record.article
    article_id = article.id
    language = language_of(library, article.language)
    code = language.code
    story = library.stories[library.story_of[article_id]]
    by_language = library.story_languages[story.id]
    translations = [
        (other_code, urls.article_path(members[0]))
        for other_code, members in by_language.items()
        if other_code != code
    ]
    page = page_frame(
        library,
        urls.article_path(article_id),
        code,
        article.clean.title,
        translations=translations,
    )
    other_languages = []
    for other_code, members in by_language.items():
        if other_code == code:
            continue
        other = language_of(library, other_code)
        other_languages.append(
            ArticleList(
                label=language.ui["same_story_in"].format(
                    language=language.ui.get(f"language_{other_code}", other.native_name)
                ),
                articles=tuple(
                    article_card(library, library.articles[a], code)
                    for a in members[:OTHER_LANGUAGE_ARTICLES]
                ),
            )
        )
    clean = article.clean
    metadata: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": clean.title,
        "inLanguage": code,
    }
    if clean.author:
        metadata["author"] = {"@type": "Person", "name": clean.author}
    if article.date:
        metadata["datePublished"] = article.date
    if clean.meta.source:
        metadata["publisher"] = {"@type": "Organization", "name": clean.meta.source}
    if clean.meta.url:
        metadata["isBasedOn"] = clean.meta.url
    if page.canonical:
        metadata["mainEntityOfPage"] = page.canonical
    if article.actors:
        metadata["mentions"] = [
            {
                "@type": "Person",
                "name": library.actors[m.actor_id].names.get("en")
                or actor_name(library, m.actor_id, code).text,
            }
            for m in article.actors
            if m.actor_id in library.actors
        ]
    return {
        "page": page,
        "article": ArticleView(
            title=clean.title,
            subtitle=clean.subtitle,
            author=clean.author,
            source=clean.meta.source,
            date=article.date,
            updated=clean.updated,
            url=clean.meta.url,
            body=tuple(Markup(html) for html in record.body_html),
            removals=tuple(clean.removals),
            actors=tuple(
                actor_link(library, m.actor_id, code)
                for m in article.actors
                if m.actor_id in library.actors
            ),
            visit=visit_link(library, story.visit, code) if story.visit is not None else None,
            date_hints=date_hints_text(article.date_hints, language.ui)
            if not article.date
            else None,
            disagreement=language.ui["counts_disagree"].format(
                counts=", ".join(str(n) for n in sorted(set(article.visit.ordinals)))
            )
            if article.visit and len(set(article.visit.ordinals)) > 1
            else None,
        ),
        "json_ld": json_ld(metadata),
        "story": Link(urls.story_path(story.id), story_title(library, story, code)),
        "other_languages": other_languages,
    }


def language_pages(library: Library, code: str) -> int:
    stories = library.stories_of_language.get(code, ())
    return page_count(library, stories)


def language_context(library: Library, code: str, number: int = 1) -> dict[str, Any]:
    language = library.languages[code]
    first = urls.language_path(code)
    page = page_frame(
        library,
        urls.paged_path(first, number),
        code,
        language.ui["language_page"],
        feeds=[(urls.language_feed_path(code), language.ui["feed"])],
        translations=[(c, urls.language_path(c)) for c in library.languages if c != code]
        if number == 1
        else [],
    )
    story_ids = library.stories_of_language.get(code, ())
    stories = []
    for story_id in page_slice(library, story_ids, number):
        story = library.stories[story_id]
        members = library.story_languages[story_id].get(code, ())
        shown = members[:LANGUAGE_PAGE_ARTICLES]
        more = len(members) - len(shown)
        stories.append(
            LanguageStory(
                card=story_card(library, story, code),
                articles=tuple(article_card(library, library.articles[a], code) for a in shown),
                more=language.ui["more_articles"].format(n=more) if more else None,
            )
        )
    return {
        "page": page,
        "stories": stories,
        "pager": pager(first, number, language_pages(library, code)),
    }


def actor_context(library: Library, actor_id: str, number: int = 1) -> dict[str, Any]:
    lang = library.settings.default_language
    actor = library.actors[actor_id]
    name = actor_name(library, actor_id, lang)
    ui = language_of(library, lang).ui
    first = urls.actor_path(actor_id)
    page = page_frame(
        library,
        urls.paged_path(first, number),
        lang,
        name.text,
        feeds=[(urls.actor_feed_path(actor_id), f"{ui['feed']}: {name.text}")],
    )
    names = tuple(
        _text(actor.names[code], language_of(library, code))
        for code in sorted(actor.names, key=lambda c: (c not in library.languages, c))
    )
    roles = tuple(
        _text(role, language_of(library, code))
        for code in sorted(actor.roles)
        for role in actor.roles[code][:1]
    )
    article_ids = library.articles_of_actor.get(actor_id, ())
    together = library.actors_together.get(actor_id, ())
    story_ids = library.stories_of_actor.get(actor_id, ())
    page_stories = page_slice(library, story_ids, number)
    page_articles = actor_page_articles(library, actor_id, page_stories)
    return {
        "page": page,
        "actor": ActorView(
            name=name,
            names=names,
            roles=roles,
            description=actor.description.get(lang),
            article_count=len(article_ids),
        ),
        "stories": [story_card(library, library.stories[s], lang) for s in page_stories],
        "articles": [article_card(library, library.articles[a], lang) for a in page_articles],
        "quotes": _quotes(library, page_articles, lang, ACTOR_PAGE_QUOTES, actor_id),
        "met_with": [MetWith(actor_link(library, other, lang), n) for other, n in together[:8]]
        if number == 1
        else [],
        "pager": pager(first, number, actor_pages(library, actor_id)),
    }


def actor_page_articles(library: Library, actor_id: str, page_stories: Sequence[str]) -> list[str]:
    """The articles naming the actor in a page's stories, the first few: a story of a
    thousand articles would otherwise make a page nobody can read, or render."""
    found = []
    for story_id in page_stories:
        for article_id in library.stories[story_id].article_ids:
            if actor_id in library.articles[article_id].actor_ids:
                found.append(article_id)
                if len(found) == ACTOR_PAGE_ARTICLES:
                    return found
    return found


def actor_pages(library: Library, actor_id: str) -> int:
    return page_count(library, library.stories_of_actor.get(actor_id, ()))


def actors_index_context(library: Library) -> dict[str, Any]:
    lang = library.settings.default_language
    ui = language_of(library, lang).ui
    page = page_frame(library, urls.ACTORS_INDEX, lang, ui["actors"])
    rows = [
        ActorRow(
            link=actor_link(library, actor_id, lang),
            other_names=tuple(
                _text(name, language_of(library, code))
                for code, name in sorted(actor.names.items())
                if code != lang
            ),
            articles=len(library.articles_of_actor.get(actor_id, ())),
        )
        for actor_id, actor in sorted(library.actors.items())
    ]
    rows.sort(key=lambda row: (-row.articles, row.link.label.text))
    return {"page": page, "actors": rows}


def topic_context(library: Library, topic_id: str, number: int = 1) -> dict[str, Any]:
    lang = library.settings.default_language
    link = topic_link(library, topic_id, lang)
    assert link is not None
    first = urls.topic_path(topic_id)
    page = page_frame(library, urls.paged_path(first, number), lang, link.label.text)
    main = library.stories_of_topic.get(topic_id, ())
    also = library.stories_touching_topic.get(topic_id, ())
    return {
        "page": page,
        "topic": link,
        "stories": [
            story_card(library, library.stories[s], lang) for s in page_slice(library, main, number)
        ],
        "also": [
            story_card(library, library.stories[s], lang)
            for s in also[: library.settings.page_size]
        ]
        if number == 1
        else [],
        "pager": pager(first, number, topic_pages(library, topic_id)),
    }


def topic_pages(library: Library, topic_id: str) -> int:
    return page_count(library, library.stories_of_topic.get(topic_id, ()))


def topics_index_context(library: Library) -> dict[str, Any]:
    lang = library.settings.default_language
    ui = language_of(library, lang).ui
    page = page_frame(library, urls.TOPICS_INDEX, lang, ui["topics"])
    rows = [
        IndexRow(
            link=link,
            stories=len(library.stories_of_topic.get(topic_id, ())),
        )
        for topic_id in sorted(library.topics)
        if (link := topic_link(library, topic_id, lang)) is not None
    ]
    return {"page": page, "topics": rows}


def visit_context(library: Library, ordinal: int | None, number: int = 1) -> dict[str, Any]:
    lang = library.settings.default_language
    link = visit_link(library, ordinal, lang)
    first = urls.visit_path(ordinal)
    page = page_frame(library, urls.paged_path(first, number), lang, link.label.text)
    story_ids = library.stories_of_visit.get(ordinal, ())
    return {
        "page": page,
        "visit": link,
        "stories": [
            story_card(library, library.stories[s], lang)
            for s in page_slice(library, story_ids, number)
        ],
        "pager": pager(first, number, visit_pages(library, ordinal)),
    }


def visit_pages(library: Library, ordinal: int | None) -> int:
    return page_count(library, library.stories_of_visit.get(ordinal, ()))


def visits_index_context(library: Library) -> dict[str, Any]:
    lang = library.settings.default_language
    ui = language_of(library, lang).ui
    page = page_frame(library, urls.VISITS_INDEX, lang, ui["visits"])
    rows = [
        IndexRow(
            link=visit_link(library, ordinal, lang),
            stories=len(library.stories_of_visit.get(ordinal, ())),
        )
        for ordinal in library.visit_order
    ]
    return {"page": page, "visits": rows}


def search_context(library: Library) -> dict[str, Any]:
    lang = library.settings.default_language
    ui = language_of(library, lang).ui
    page = page_frame(library, urls.SEARCH, lang, ui["search"])
    return {
        "page": page,
        "index_scripts": [urls.search_shard_path(n) for n in range(library.search_shards)],
        "search_script": urls.SEARCH_SCRIPT,
        "messages": json_ld({"results": ui["search_results"], "nothing": ui["search_nothing"]}),
    }


def not_found_context(library: Library) -> dict[str, Any]:
    lang = library.settings.default_language
    ui = language_of(library, lang).ui
    page = page_frame(library, urls.NOT_FOUND, lang, ui["not_found_title"])
    # A host serves 404.html at any missing address, so its relative links need a base.
    return {"page": page, "base": library.settings.base_url}


def feed_context(
    library: Library, path: str, title: str, article_ids: Sequence[str], lang: str | None
) -> dict[str, Any]:
    """An Atom feed: the newest articles first (undated ones after, in digest order)."""
    base = library.settings.base_url
    entries = []
    for article_id in feed_entries(library, article_ids):
        article = library.articles[article_id]
        entries.append(
            FeedEntry(
                id=_tag_uri(base, urls.article_path(article_id)),
                title=article.title,
                lang=article.language,
                path=urls.article_path(article_id),
                href=urls.absolute_url(base, urls.article_path(article_id)) if base else None,
                updated=_timestamp(article.date),
                author=article.author
                or article.source
                or library.settings.site_title(article.language),
                summary=article.lead,
            )
        )
    updated = max((e.updated for e in entries), default=EPOCH)
    return {
        "page": page_frame(library, path, lang or library.settings.default_language, title),
        "feed": Feed(
            id=_tag_uri(base, path),
            title=title,
            lang=lang,
            updated=updated,
            self=urls.absolute_url(base, path) if base else None,
            home=urls.absolute_url(base, urls.DIGEST) if base else None,
            entries=tuple(entries),
        ),
    }


def feed_entries(library: Library, article_ids: Sequence[str]) -> list[str]:
    """The articles a feed lists: the newest first, undated ones after, in digest order."""
    articles = library.articles
    return sorted(article_ids, key=lambda a: articles[a].date or "", reverse=True)[:FEED_SIZE]


def date_hints_text(hints: Sequence[str], ui: Mapping[str, str]) -> str | None:
    """The analyser's date hints ("weekday:thursday", "updated:22:24") in the page's words."""
    shown = []
    for hint in hints:
        kind, _, value = hint.partition(":")
        if kind == "weekday" and f"weekday_{value}" in ui:
            shown.append(ui[f"weekday_{value}"])
        elif kind == "updated" and value:
            shown.append(f"{ui['updated']} {value}")
    return ui["date_hints"].format(hints=", ".join(dict.fromkeys(shown))) if shown else None


def _timestamp(date: str | None) -> str:
    if not date:
        return EPOCH
    if len(date) == 10:
        return f"{date}T00:00:00Z"
    text = date.replace(" ", "T")
    return text if text.endswith("Z") or "+" in text[10:] else text + "Z"


def _tag_uri(base: str | None, path: str) -> str:
    """A stable Atom id: the page's URL when published, else a tag: URI of its path."""
    if base:
        return urls.absolute_url(base, path)
    return f"tag:digest-builder,2013:{path}"


def sitemap_context(library: Library, paths: Sequence[str]) -> dict[str, Any]:
    base = library.settings.base_url or ""
    return {
        "page": page_frame(library, urls.SITEMAP, library.settings.default_language, "sitemap"),
        "urls": [urls.absolute_url(base, p) for p in paths],
    }
