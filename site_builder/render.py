"""Stage 5, render: the library becomes files (HTML pages, feeds, data files, assets).

Jinja runs with autoescape and StrictUndefined; each page kind has one named
template, one context function in views.py and one key function in
pagekeys.py.  A file whose key is unchanged since the last build is not made
again: an edit to one article re-renders the few pages that show it.
"""

from __future__ import annotations

import functools
import gc
import json
import multiprocessing
import os
import shutil
import typing
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from . import urls, views
from .background import can_fork
from .cache import BuildCache, paused_gc, shard_of
from .languages import known_languages
from .library import Library
from .output import apply_changes
from .pagekeys import Key, PageKeys
from .search import SearchDocument, shard_script, words_of
from .store import ArticleStore


class RenderError(Exception):
    """A template failed; names the template and the page being rendered."""


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One file to write: its path, the key of what it shows, and how to make it."""

    path: str
    key: Callable[[], Key] | None  # see pagekeys.py; None: made on every build
    make: Callable[[jinja2.Environment], str | Iterable[str]]  # the text, whole or in pieces
    # Made from many articles, at up to a hundred times a page's cost: workers are given
    # these first and one at a time, so that none is left making them all at the end.
    heavy: bool = False
    memoised: bool = False  # made with the build's RenderMemo, so in the build process
    story_free: bool = False  # drawn from the articles alone: see story_free_specs


def _page(
    path: str, template: str, key: Callable[[], Key], context: Callable[[], dict]
) -> PageSpec:
    return PageSpec(path, key, lambda env: render_page(env, template, path, context()))


def make_environment(
    template_dirs: Sequence[Path], compiled: Path | None = None
) -> jinja2.Environment:
    """Jinja with autoescape, StrictUndefined and the ``url`` filter; first folder wins.

    ``compiled`` keeps the templates' compiled code between processes: compiling them
    took 40-55 ms in every build that renders (an edit's whole build is about a second),
    and in each render worker.  Jinja keys each entry by the template's source and
    Python's version, so an edited template is compiled again.
    """
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build: no stat per page
        bytecode_cache=(
            jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None
        ),
    )
    env.filters["url"] = _url_filter
    return env


@jinja2.pass_context
def _url_filter(context: jinja2.runtime.Context, target: str) -> str:
    """Link from the page being rendered to ``target`` (a site-root path)."""
    return urls.relative_url(context["page"].path, target)


def page_specs(
    library: Library, store: ArticleStore, keys: PageKeys, memo: RenderMemo | None = None
) -> Iterator[PageSpec]:
    """Every page, feed and data file of the site, each with its key and maker."""
    yield from _paged(
        urls.DIGEST,
        views.digest_pages(library),
        "digest.html",
        keys.digest,
        lambda n: views.digest_context(library, n),
    )
    for story_id in library.story_order:
        yield _page(
            urls.story_path(story_id),
            "story.html",
            lambda s=story_id: keys.story(s),
            lambda s=story_id: views.story_context(library, s),
        )
    for article_id in library.article_order():
        yield _page(
            urls.article_path(article_id),
            "article.html",
            lambda a=article_id: keys.article(a),
            lambda a=article_id: views.article_context(library, store.get(library.article_keys[a])),
        )
    for code in library.languages:
        yield from _paged(
            urls.language_path(code),
            views.language_pages(library, code),
            "language.html",
            lambda n, c=code: keys.language(c, n),
            lambda n, c=code: views.language_context(library, c, n),
        )
    yield _page(
        urls.ACTORS_INDEX,
        "actors.html",
        keys.actors_index,
        lambda: views.actors_index_context(library),
    )
    for actor_id in sorted(library.actors):
        yield from _paged(
            urls.actor_path(actor_id),
            views.actor_pages(library, actor_id),
            "actor.html",
            lambda n, a=actor_id: keys.actor(a, n),
            lambda n, a=actor_id: views.actor_context(library, a, n),
        )
    yield _page(
        urls.TOPICS_INDEX,
        "topics.html",
        keys.topics_index,
        lambda: views.topics_index_context(library),
    )
    for topic_id in sorted(library.topics):
        yield from _paged(
            urls.topic_path(topic_id),
            views.topic_pages(library, topic_id),
            "topic.html",
            lambda n, t=topic_id: keys.topic(t, n),
            lambda n, t=topic_id: views.topic_context(library, t, n),
        )
    yield _page(
        urls.VISITS_INDEX,
        "visits.html",
        keys.visits_index,
        lambda: views.visits_index_context(library),
    )
    for ordinal in library.visit_order:
        yield from _paged(
            urls.visit_path(ordinal),
            views.visit_pages(library, ordinal),
            "visit.html",
            lambda n, o=ordinal: keys.visit(o, n),
            lambda n, o=ordinal: views.visit_context(library, o, n),
        )
    yield _page(urls.SEARCH, "search.html", keys.search, lambda: views.search_context(library))
    yield _page(
        urls.NOT_FOUND,
        "404.html",
        lambda: keys.fixed(urls.NOT_FOUND),
        lambda: views.not_found_context(library),
    )
    yield from feed_specs(library, keys)
    # Made from the whole collection: a file of a hundred megabytes is written again only
    # when an entry changed (a word fixed in a body changes neither).
    yield PageSpec(
        urls.DIGEST_JSON,
        keys.digest_data,
        lambda env: digest_json(library, memo),
        heavy=True,
        memoised=True,
    )
    yield from story_free_specs(library, store, keys, memo)


def story_free_specs(
    library: Library, store: ArticleStore, keys: PageKeys, memo: RenderMemo | None = None
) -> Iterator[PageSpec]:
    """The files drawn from the articles alone, never from their stories: the search
    index and the cleaning report.  A build can make them while it clusters (see
    ``make_ahead``), from a library that has no stories yet."""
    yield from search_specs(library, store)
    yield PageSpec(
        urls.CLEANING_REPORT,
        keys.cleaning_report,
        lambda env: cleaning_report_json(library, store, memo),
        heavy=True,
        memoised=True,
        story_free=True,
    )


@dataclass
class RenderMemo:
    """What a long-running process (``serve``) keeps between builds to remake the files
    drawn from the whole collection quickly: each article's entry in digest.json and in
    the cleaning report, as JSON text, by what the entry is made from.  Each build keeps
    only the entries it used."""

    digest_entries: dict[tuple[str, str, str], str] = field(default_factory=dict)
    cleaning_entries: dict[str, str] = field(default_factory=dict)


def _paged(
    first_page: str,
    count: int,
    template: str,
    key: Callable[[int], Key],
    context: Callable[[int], dict[str, Any]],
) -> Iterator[PageSpec]:
    """The pages 1..count of a paged list."""
    for number in range(1, count + 1):
        yield _page(
            urls.paged_path(first_page, number),
            template,
            lambda n=number: key(n),
            lambda n=number: context(n),
        )


def feed_specs(library: Library, keys: PageKeys) -> Iterator[PageSpec]:
    """Atom feeds: the whole site, each language, each actor."""
    default = library.settings.default_language
    feeds = [(urls.SITE_FEED, library.settings.site_title(default), library.article_order(), None)]
    for code, language in library.languages.items():
        feeds.append(
            (
                urls.language_feed_path(code),
                f"{library.settings.site_title(code)}: {language.native_name}",
                library.articles_of_language.get(code, ()),
                code,
            )
        )
    for actor_id in sorted(library.actors):
        feeds.append(
            (
                urls.actor_feed_path(actor_id),
                f"{library.settings.site_title(default)}: "
                f"{views.actor_name(library, actor_id, default).text}",
                library.articles_of_actor.get(actor_id, ()),
                None,
            )
        )
    for path, title, article_ids, lang in feeds:
        yield _page(
            path,
            "atom.xml",
            lambda p=path, a=article_ids: keys.feed(p, a),
            lambda p=path, t=title, a=article_ids, c=lang: views.feed_context(library, p, t, a, c),
        )


def search_specs(library: Library, store: ArticleStore) -> Iterator[PageSpec]:
    """The search index, one shard per few hundred articles (see search.py)."""
    shards: list[list[str]] = [[] for _ in range(library.search_shards)]
    for article_id in sorted(library.articles):
        shards[shard_of(article_id, library.search_shards)].append(article_id)
    for number, members in enumerate(shards):
        yield PageSpec(
            urls.search_shard_path(number),
            lambda m=members: ("search", tuple(library.article_keys[a] for a in m)),
            lambda env, m=members: search_shard(library, store, m),
            heavy=True,
            story_free=True,
        )


def search_shard(library: Library, store: ArticleStore, article_ids: Sequence[str]) -> str:
    languages = known_languages()
    prefixes = tuple(
        sorted(
            {p for code in library.languages for p in languages[code].prefixes},
            key=lambda p: (-len(p), p),
        )
    )
    name_words = {
        actor_id: frozenset(words_of(" ".join(actor.names.values())))
        for actor_id, actor in library.actors.items()
    }
    stored_words = store.search_words(library.article_keys[a] for a in article_ids)
    documents = []
    for article_id in article_ids:
        article = library.articles[article_id]
        words = set(stored_words[library.article_keys[article_id]])
        for actor_id in article.actor_ids:
            words |= name_words.get(actor_id, frozenset())
        documents.append(
            SearchDocument(
                path=urls.article_path(article_id),
                title=article.title,
                language=article.language,
                subtitle=article.subtitle or "",
                date=article.date or "",
                words=words,
            )
        )
    return shard_script(documents, prefixes)


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a site folder holds: every file's key, under the key of what all pages share."""

    global_key: str  # code, templates, settings, actors, topics: a change re-renders all
    files: Mapping[str, Key | None]  # site-root path -> key (None: made on every build)


@dataclass(frozen=True, slots=True)
class MadeAhead:
    """Files made before the stories were known, by ``make_ahead``: under ``folder``/files,
    with the key each was made for saved last in ``folder`` (a folder without them holds
    nothing finished)."""

    folder: Path

    @property
    def files(self) -> Path:
        return self.folder / "files"

    def keys(self) -> Mapping[str, Key | None]:
        found = BuildCache(self.folder).load(_AHEAD_KEYS)
        return found if isinstance(found, dict) else {}


_AHEAD_KEYS = "keys.pickle"


def make_ahead(
    library: Library,
    store: ArticleStore,
    template_dirs: Sequence[Path],
    global_key: str,
    ahead: MadeAhead,
    compiled: Path | None = None,
) -> None:
    """Make the story-free files of ``library`` (whose stories it does not read) into
    ``ahead``, for ``render_site`` to take those it would make the same."""
    env = _environment(tuple(template_dirs), global_key, compiled)
    specs = list(story_free_specs(library, store, PageKeys(library)))
    for spec in specs:
        _write(ahead.files / spec.path, spec.make(env))
    made = {spec.path: spec.key() if spec.key is not None else None for spec in specs}
    BuildCache(ahead.folder).save(_AHEAD_KEYS, made)


@dataclass(frozen=True, slots=True)
class RenderResult:
    written: list[str]  # every file of the site, as site-root paths
    made: list[str]  # the files made by this build (in the folder it rendered into)
    reused: int  # files left as they were in the previous build
    manifest: Manifest  # to save once the site is in place


ASSET = ("asset",)  # the manifest's key of a file copied from the templates' assets
PARALLEL_PAGES_FROM = 1000  # fewer files than this are made faster in one process
PAGE_CHUNK = 100  # files per task sent to a worker
_specs: list[PageSpec] = []  # inherited by forked workers
# template folders, the build's global key, and the folder of compiled templates
_templates: tuple[tuple[Path, ...], str, Path | None] = ((), "", None)
_target: Path | None = None


def render_site(
    library: Library,
    store: ArticleStore,
    template_dirs: Sequence[Path],
    target: Path,
    global_key: str,
    previous: Manifest | None = None,
    jobs: int = 1,
    memo: RenderMemo | None = None,
    ahead: Callable[[], MadeAhead | None] | None = None,
    compiled: Path | None = None,
) -> RenderResult:
    """Make every file of the site whose key changed since ``previous``, into ``target``.

    With no usable ``previous`` manifest (first build, other templates or
    settings), every file is made, and ``target`` becomes the whole site;
    otherwise ``target`` receives only the changed files, to be moved into
    the site.  With ``jobs`` other than 1, files are made by worker
    processes; every file is a function of its spec, so the result is the same.
    ``ahead`` waits for the story-free files a copy of the build made while it clustered
    (``make_ahead``; None if it failed): it is called once the other files are made,
    and a file made for the key this build gives it is taken, not made.
    ``compiled`` is a folder for the templates' compiled code (``make_environment``).
    """
    views.forget_cached_views()  # cached cards of an earlier build hold its library
    try:
        return _render_files(
            library, store, template_dirs, target, global_key, previous, jobs, memo, ahead, compiled
        )
    finally:
        # This build's too: kept, they would hold every article's summary after the build,
        # for the collector to walk again (0.1 s at the end of a small rebuild of 10,000).
        views.forget_cached_views()


def _render_files(
    library: Library,
    store: ArticleStore,
    template_dirs: Sequence[Path],
    target: Path,
    global_key: str,
    previous: Manifest | None,
    jobs: int,
    memo: RenderMemo | None,
    ahead: Callable[[], MadeAhead | None] | None,
    compiled: Path | None,
) -> RenderResult:
    global _specs, _templates, _target
    # A spec and a key per file, a hundred thousand of each and none of them cyclic: the
    # collections their allocation would trigger walked the whole heap every few thousand.
    with paused_gc():
        keys = PageKeys(library)
        specs = list(page_specs(library, store, keys, memo))
        current = {spec.path: spec.key() if spec.key is not None else None for spec in specs}
    before: Mapping[str, Key | None] = (
        previous.files if previous is not None and previous.global_key == global_key else {}
    )
    todo = [
        index
        for index, spec in enumerate(specs)
        if current[spec.path] is None or before.get(spec.path) != current[spec.path]
    ]
    # The files a copy of the build may have made wait for the others: it has had their
    # time to finish, and those it made are taken, not made.
    waiting: list[int] = []
    if ahead is not None:
        waiting = [i for i in todo if specs[i].story_free]
        todo = [i for i in todo if not specs[i].story_free]
    _specs, _templates, _target = specs, (tuple(template_dirs), global_key, compiled), target
    if memo is not None:  # files made with the memo fill it: not on workers
        here = [i for i in todo if specs[i].memoised]
        todo = [i for i in todo if not specs[i].memoised]
    else:
        here = []
    workers = jobs or os.cpu_count() or 1
    if workers > 1 and (jobs > 1 or len(todo) >= PARALLEL_PAGES_FROM) and can_fork():
        store.close()  # a database connection must not cross a fork; each worker opens its own
        gc.freeze()  # what workers inherit stays as it is: collecting it would copy its pages
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=gc.enable) as pool:
            for _ in pool.map(_make_files, _chunks(todo, specs, workers)):
                pass
            taken, rest = _take_ahead(ahead, waiting, specs, current, target)
            for _ in pool.map(_make_files, _chunks(rest, specs, workers)):
                pass
    else:
        _make_files(todo)
        taken, rest = _take_ahead(ahead, waiting, specs, current, target)
        _make_files(rest)
    _make_files(here)
    _specs = []
    made = [specs[i].path for i in sorted(todo + rest + here + taken)]
    written = [spec.path for spec in specs]
    env = _environment(*_templates)
    if library.settings.base_url:
        html_pages = [p for p in written if p.endswith(".html") and p != urls.NOT_FOUND]
        context = views.sitemap_context(library, html_pages)
        _write(target / urls.SITEMAP, render_page(env, "sitemap.xml", urls.SITEMAP, context))
        written.append(urls.SITEMAP)
        made.append(urls.SITEMAP)
        current[urls.SITEMAP] = None
    if not before:  # templates changed, or a first build: the assets too
        assets = copy_assets(template_dirs, target)
        made.extend(assets)
    else:  # the same templates: the same assets, already in the site
        assets = [path for path, key in before.items() if key == ASSET]
    written.extend(assets)
    current.update(dict.fromkeys(assets, ASSET))
    reused = len(written) - len(made)
    return RenderResult(written, made, reused, Manifest(global_key, current))


def _take_ahead(
    ahead: Callable[[], MadeAhead | None] | None,
    waiting: Sequence[int],
    specs: Sequence[PageSpec],
    current: Mapping[str, Key | None],
    target: Path,
) -> tuple[list[int], list[int]]:
    """Wait for the copy's files and move into ``target`` those made for the key this
    build gives them: (taken, the rest of ``waiting``, all of it if the copy failed)."""
    made_ahead = ahead() if ahead is not None else None
    if made_ahead is None:
        return [], list(waiting)
    keys_ahead = made_ahead.keys()
    taken = [
        i
        for i in waiting
        if current[specs[i].path] is not None
        and keys_ahead.get(specs[i].path) == current[specs[i].path]
    ]
    apply_changes(made_ahead.files, target, [specs[i].path for i in taken], ())
    return taken, sorted(set(waiting).difference(taken))


def _chunks(todo: Sequence[int], specs: Sequence[PageSpec], workers: int) -> list[list[int]]:
    """Tasks for the workers, in the order they are handed out: heavy files first, one
    each, then pages in chunks that shrink towards the end, so that the workers finish
    together (a chunk's cost varies: a story of a thousand articles is a slow page)."""
    chunks = [[i] for i in todo if specs[i].heavy]
    pages = [i for i in todo if not specs[i].heavy]
    start = 0
    while start < len(pages):
        size = max(1, min(PAGE_CHUNK, (len(pages) - start) // (4 * workers)))
        chunks.append(pages[start : start + size])
        start += size
    return chunks


@functools.lru_cache(maxsize=4)
def _environment(
    template_dirs: tuple[Path, ...], global_key: str, compiled: Path | None = None
) -> jinja2.Environment:
    """One environment per process, template folders and global key: templates compile
    once, not per chunk of pages, nor per rebuild of a long-running ``serve``.  The global
    key covers the templates' files, so an edited template gets a new environment."""
    return make_environment(template_dirs, compiled)


def _make_files(indices: Sequence[int]) -> None:
    """Make the files ``indices`` of the spec list (in a worker, or in the build process)."""
    assert _target is not None
    env = _environment(*_templates)
    for index in indices:
        spec = _specs[index]
        _write(_target / spec.path, spec.make(env))


def render_page(env: jinja2.Environment, template: str, path: str, context: dict[str, Any]) -> str:
    """One page's text; a template error names the template, line and page."""
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}" if getattr(exc, "lineno", None) else template
        raise RenderError(f"{where}: {exc} (while rendering {path})") from exc


def copy_assets(template_dirs: Sequence[Path], output: Path) -> list[str]:
    """Copy ``assets/`` from the template folders; a user's file overrides the default."""
    copied: dict[str, Path] = {}
    for folder in reversed(template_dirs):
        assets = folder / "assets"
        if assets.is_dir():
            for path in sorted(assets.rglob("*")):
                if path.is_file():
                    copied[path.relative_to(folder).as_posix()] = path
    for rel, source in sorted(copied.items()):
        target = output / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return sorted(copied)


def digest_json(library: Library, memo: RenderMemo | None = None) -> Iterator[str]:
    """The digest as data for other tools; its format is documented in the README."""
    head = {
        "format": "digest-builder/1",
        "title": dict(sorted(library.settings.title.items())),
        "languages": list(library.languages),
    }
    order = library.article_order()
    articles: Iterable[str]
    if memo is None:
        articles = (_digest_entry(library, a, library.story_of[a]) for a in order)
    else:
        articles = _memoised(
            ((a, library.article_keys[a], library.story_of[a]) for a in order),
            lambda entry: _digest_entry(library, entry[0], entry[2]),
            memo.digest_entries,
        )
    stories = (
        {
            "id": story.id,
            "url": urls.story_path(story.id),
            "visit": story.visit,
            "topic": story.topic,
            "titles": dict(sorted(story.titles.items())),
            "articles": list(story.article_ids),
        }
        for story in (library.stories[s] for s in library.story_order)
    )
    actors = (
        {
            "id": actor.id,
            "names": dict(sorted(actor.names.items())),
            "url": urls.actor_path(actor.id),
            "articles": list(library.articles_of_actor.get(actor.id, ())),
        }
        for actor in (library.actors[a] for a in sorted(library.actors))
    )
    return _json_lines(head, {"articles": articles, "stories": stories, "actors": actors})


def _digest_entry(library: Library, article_id: str, story_id: str) -> str:
    """An article's entry in digest.json: a function of its summary (named by its cache
    key) and its story."""
    article = library.articles[article_id]
    entry = {
        "id": article.id,
        "language": article.language,
        "title": article.title,
        "url": urls.article_path(article.id),
        "source": article.source,
        "date": article.date,
        "author": article.author,
        "actors": list(article.actor_ids),
        "actor_mentions": {m.actor_id: m.count for m in article.actors},
        "visit": article.visit.ordinal if article.visit else None,
        "story": story_id,
    }
    return json.dumps(entry, ensure_ascii=False)


Entry = typing.TypeVar("Entry", bound=Hashable)


def _memoised(
    keys: Iterable[Entry], make: Callable[[Entry], str], memo: dict[Entry, str]
) -> Iterator[str]:
    """``make(key)`` for every key, reusing the texts in ``memo``; afterwards ``memo``
    holds exactly this run's texts."""
    previous = dict(memo)
    memo.clear()
    for key in keys:
        text = previous.get(key)
        if text is None:
            text = make(key)
        memo[key] = text
        yield text


def _json_lines(head: Mapping[str, Any], lists: Mapping[str, Iterable[Any]]) -> Iterator[str]:
    """JSON with one list item per line, in pieces: readable, diffable, written by the fast
    C encoder (an indented dump goes through the pure-Python one, ten times slower), and
    never whole in memory (a hundred thousand articles' entries are hundreds of MB).
    Items that are strings are JSON already."""
    yield "{"
    separator = "\n"
    for key, value in head.items():
        yield f"{separator} {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        separator = ",\n"
    for key, items in lists.items():
        yield f"{separator} {json.dumps(key)}: ["
        separator = ",\n"
        opening = "\n"
        for item in items:
            text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
            yield opening + text
            opening = ",\n"
        yield "\n ]" if opening != "\n" else "]"
    yield "\n}\n"


def cleaning_report_json(
    library: Library, store: ArticleStore, memo: RenderMemo | None = None
) -> Iterator[str]:
    """What the cleaner removed from every article, and why, for editors to check.

    Each article's entry was made with its article and waits in the store:
    the report is joined, not rebuilt.
    """
    rules = Counter(rule for a in library.articles.values() for rule in a.removal_rules)
    head = {
        "format": "digest-builder-cleaning/1",
        "removals_per_rule": dict(sorted(rules.items())),
        "flagged_articles": sum(1 for a in library.articles.values() if a.flags),
    }
    if memo is None:
        return _json_lines(head, {"articles": store.cleaning_entries()})
    keys = [library.article_keys[a] for a in sorted(library.articles)]
    entries = _memoised(keys, store.cleaning_entry, memo.cleaning_entries)
    return _json_lines(head, {"articles": entries})


def _write(path: Path, text: str | Iterable[str]) -> None:
    """Write a file whole, or piece by piece."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        if isinstance(text, str):
            out.write(text)
        else:
            out.writelines(text)
