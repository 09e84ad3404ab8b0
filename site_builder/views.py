"""Page views: one context function per page kind, from the library to ready data.

Templates only loop and print; every decision (which title, which language,
which link) is made here.  Paths are site-root paths; the template's ``url``
filter makes them relative to the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import markdown as markdown_lib
from markupsafe import Markup

from . import urls
from .analyse import AnalysedArticle
from .clean import Block
from .cluster import Story
from .languages import Language
from .library import Library


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
class ArticleCard:
    """An article as listed on other pages."""

    path: str
    title: Text
    language: str  # the language's name in the page's language
    source: str | None
    date: str | None
    author: str | None


@dataclass(frozen=True, slots=True)
class StoryCard:
    """A story as listed on the digest and other index pages."""

    path: str
    title: Text
    visit: str  # "Visit 9" or "Not tied to a visit", in the page's language
    topic: str | None
    languages: tuple[str, ...]  # language names
    sources: tuple[str, ...]
    actors: tuple[Link, ...]
    articles: tuple[ArticleCard, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """What every page needs: where it is, its language, and the site-wide navigation."""

    path: str  # site-root path of this page
    lang: str
    dir: str
    title: str
    site_title: str
    ui: Mapping[str, str]  # interface words in the page's language
    nav: tuple[Link, ...]
    stylesheet: str = urls.STYLESHEET
    extra: Mapping[str, Any] = field(default_factory=dict)


def _text(value: str, language: Language) -> Text:
    return Text(value, language.code, language.direction)


def page_frame(library: Library, path: str, lang: str, title: str) -> Page:
    language = library.languages.get(lang) or next(iter(library.languages.values()))
    ui = language.ui
    nav = [Link(urls.DIGEST, _text(ui["digest"], language))]
    for code, other in library.languages.items():
        nav.append(Link(urls.language_path(code), _text(other.native_name, other)))
    nav.append(Link(urls.ACTORS_INDEX, _text(ui["actors"], language)))
    return Page(
        path=path,
        lang=language.code,
        dir=language.direction,
        title=title,
        site_title=library.settings.site_title(language.code),
        ui=ui,
        nav=tuple(nav),
        extra=library.settings.extra,
    )


def _language(library: Library, code: str) -> Language:
    from .languages import known_languages

    return library.languages.get(code) or known_languages().get(code) or known_languages()["en"]


def actor_name(library: Library, actor_id: str, lang: str) -> Text:
    """The actor's name in ``lang`` when known, else in the first language that has one."""
    actor = library.actors[actor_id]
    if lang in actor.names:
        return _text(actor.names[lang], _language(library, lang))
    code, name = next(iter(sorted(actor.names.items())))
    return _text(name, _language(library, code))


def article_card(library: Library, article: AnalysedArticle, lang: str) -> ArticleCard:
    page_language = _language(library, lang)
    own = _language(library, article.language)
    return ArticleCard(
        path=urls.article_path(article.id),
        title=_text(article.clean.title, own),
        language=page_language.ui.get(f"language_{own.code}", own.native_name),
        source=article.clean.meta.source,
        date=article.date,
        author=article.clean.author,
    )


def story_title(library: Library, story: Story, lang: str) -> Text:
    if lang in story.titles:
        return _text(story.titles[lang], _language(library, lang))
    if story.titles:
        code, title = sorted(story.titles.items())[0]
        return _text(title, _language(library, code))
    return _text(story.id, _language(library, lang))


def visit_label(story: Story, ui: Mapping[str, str]) -> str:
    return ui["visit_n"].format(n=story.visit) if story.visit is not None else ui["no_visit"]


def story_card(library: Library, story: Story, lang: str) -> StoryCard:
    language = _language(library, lang)
    members = [library.articles[a] for a in story.article_ids]
    actor_counts: dict[str, int] = {}
    for article in members:
        for mention in article.actors:
            actor_counts[mention.actor_id] = actor_counts.get(mention.actor_id, 0) + mention.count
    top_actors = sorted(actor_counts, key=lambda a: (-actor_counts[a], a))[:6]
    topic = library.topics.get(story.topic or "")
    return StoryCard(
        path=urls.story_path(story.id),
        title=story_title(library, story, lang),
        visit=visit_label(story, language.ui),
        topic=(topic.names.get(lang) or next(iter(topic.names.values()), topic.id))
        if topic
        else None,
        languages=tuple(
            _language(library, code).native_name
            for code in sorted({m.language for m in members})
        ),
        sources=tuple(sorted({m.clean.meta.source for m in members if m.clean.meta.source})),
        actors=tuple(
            Link(urls.actor_path(a), actor_name(library, a, lang))
            for a in top_actors
            if a in library.actors
        ),
        articles=tuple(article_card(library, m, lang) for m in members),
    )


def digest_context(library: Library) -> dict[str, Any]:
    lang = library.settings.default_language
    page = page_frame(library, urls.DIGEST, lang, library.settings.site_title(lang))
    groups: list[dict[str, Any]] = []
    for story_id in library.story_order:
        story = library.stories[story_id]
        label = visit_label(story, page.ui)
        if not groups or groups[-1]["label"] != label:
            groups.append({"label": label, "stories": []})
        groups[-1]["stories"].append(story_card(library, story, lang))
    return {
        "page": page,
        "description": library.settings.description.get(lang, ""),
        "groups": groups,
    }


def story_context(library: Library, story_id: str) -> dict[str, Any]:
    lang = library.settings.default_language
    story = library.stories[story_id]
    card = story_card(library, story, lang)
    page = page_frame(library, urls.story_path(story_id), lang, card.title.text)
    columns = []
    for code in sorted({library.articles[a].language for a in story.article_ids}):
        language = _language(library, code)
        columns.append(
            {
                "language": _text(language.native_name, language),
                "articles": [
                    {
                        "card": article_card(library, library.articles[a], lang),
                        "subtitle": _text(library.articles[a].clean.subtitle or "", language),
                    }
                    for a in story.article_ids
                    if library.articles[a].language == code
                ],
            }
        )
    return {"page": page, "story": card, "columns": columns, "reasons": story.reasons}


def render_block(block: Block) -> Markup:
    """HTML of one body block; all text escaped, Markdown rendered without raw HTML."""
    if block.kind == "heading":
        return Markup("<h2>{}</h2>").format(block.text)
    if block.kind == "markdown":
        source = block.text.replace("&", "&amp;").replace("<", "&lt;")
        return Markup(markdown_lib.markdown(source, output_format="html"))
    return Markup("<p>{}</p>").format(block.text)


def article_context(library: Library, article_id: str) -> dict[str, Any]:
    article = library.articles[article_id]
    language = _language(library, article.language)
    page = page_frame(library, urls.article_path(article_id), language.code, article.clean.title)
    story = library.stories[library.story_of[article_id]]
    other_languages = []
    for code in sorted({library.articles[a].language for a in story.article_ids} - {language.code}):
        other = _language(library, code)
        other_languages.append(
            {
                "label": language.ui["same_story_in"].format(language=other.native_name),
                "articles": [
                    article_card(library, library.articles[a], language.code)
                    for a in story.article_ids
                    if library.articles[a].language == code
                ],
            }
        )
    return {
        "page": page,
        "article": {
            "title": article.clean.title,
            "subtitle": article.clean.subtitle,
            "author": article.clean.author,
            "source": article.clean.meta.source,
            "date": article.date,
            "updated": article.clean.updated,
            "url": article.clean.meta.url,
            "body": [render_block(b) for b in article.clean.blocks],
            "removals": article.clean.removals,
            "actors": [
                Link(urls.actor_path(m.actor_id), actor_name(library, m.actor_id, language.code))
                for m in article.actors
                if m.actor_id in library.actors
            ],
        },
        "story": Link(urls.story_path(story.id), story_title(library, story, language.code)),
        "other_languages": other_languages,
    }


def language_context(library: Library, code: str) -> dict[str, Any]:
    language = library.languages[code]
    page = page_frame(library, urls.language_path(code), code, language.ui["language_page"])
    ids = set(library.articles_of_language.get(code, ()))
    stories = []
    for story_id in library.story_order:
        story = library.stories[story_id]
        members = [a for a in story.article_ids if a in ids]
        if members:
            stories.append(
                {
                    "card": story_card(library, story, code),
                    "articles": [
                        article_card(library, library.articles[a], code) for a in members
                    ],
                }
            )
    return {"page": page, "stories": stories}


def actor_context(library: Library, actor_id: str) -> dict[str, Any]:
    lang = library.settings.default_language
    actor = library.actors[actor_id]
    name = actor_name(library, actor_id, lang)
    page = page_frame(library, urls.actor_path(actor_id), lang, name.text)
    names = [
        _text(actor.names[code], _language(library, code))
        for code in library.languages
        if code in actor.names
    ]
    return {
        "page": page,
        "actor": {
            "name": name,
            "names": names,
            "description": actor.description.get(lang),
        },
        "stories": [
            story_card(library, library.stories[s], lang)
            for s in library.stories_of_actor.get(actor_id, ())
        ],
    }


def actors_index_context(library: Library) -> dict[str, Any]:
    lang = library.settings.default_language
    page = page_frame(library, urls.ACTORS_INDEX, lang, page_title(library, lang, "actors"))
    rows = [
        {
            "link": Link(urls.actor_path(actor_id), actor_name(library, actor_id, lang)),
            "other_names": [
                _text(name, _language(library, code))
                for code, name in sorted(actor.names.items())
                if code != lang
            ],
            "articles": len(library.articles_of_actor.get(actor_id, ())),
        }
        for actor_id, actor in sorted(library.actors.items())
    ]
    rows.sort(key=lambda row: (-row["articles"], row["link"].label.text))
    return {"page": page, "actors": rows}


def page_title(library: Library, lang: str, key: str) -> str:
    return _language(library, lang).ui[key]
