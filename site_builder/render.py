"""Stage 5, render: the library becomes files (HTML pages, digest.json, assets).

Jinja runs with autoescape and StrictUndefined; each page kind has one named
template and one context function in views.py.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import urls, views
from .cache import fingerprint
from .library import Library
from .search import search_index_script


class RenderError(Exception):
    """A template failed; names the template and the page being rendered."""


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page to write: its path, its template and how to build its context."""

    path: str
    template: str
    context: Callable[[], dict[str, Any]]


def make_environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """Jinja with autoescape, StrictUndefined and the ``url`` filter; first folder wins."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["url"] = _url_filter
    return env


@jinja2.pass_context
def _url_filter(context: jinja2.runtime.Context, target: str) -> str:
    """Link from the page being rendered to ``target`` (a site-root path)."""
    return urls.relative_url(context["page"].path, target)


def page_specs(library: Library) -> Iterator[PageSpec]:
    """Every page and feed of the site, each with its template and context."""
    yield from _paged(
        urls.DIGEST,
        views.digest_pages(library),
        "digest.html",
        lambda n: views.digest_context(library, n),
    )
    for story_id in library.story_order:
        yield PageSpec(
            urls.story_path(story_id),
            "story.html",
            lambda s=story_id: views.story_context(library, s),
        )
    for article_id in library.article_order():
        yield PageSpec(
            urls.article_path(article_id),
            "article.html",
            lambda a=article_id: views.article_context(library, a),
        )
    for code in library.languages:
        yield from _paged(
            urls.language_path(code),
            views.language_pages(library, code),
            "language.html",
            lambda n, c=code: views.language_context(library, c, n),
        )
    yield PageSpec(urls.ACTORS_INDEX, "actors.html", lambda: views.actors_index_context(library))
    for actor_id in sorted(library.actors):
        yield from _paged(
            urls.actor_path(actor_id),
            views.actor_pages(library, actor_id),
            "actor.html",
            lambda n, a=actor_id: views.actor_context(library, a, n),
        )
    yield PageSpec(urls.TOPICS_INDEX, "topics.html", lambda: views.topics_index_context(library))
    for topic_id in sorted(library.topics):
        yield from _paged(
            urls.topic_path(topic_id),
            views.topic_pages(library, topic_id),
            "topic.html",
            lambda n, t=topic_id: views.topic_context(library, t, n),
        )
    yield PageSpec(urls.VISITS_INDEX, "visits.html", lambda: views.visits_index_context(library))
    for ordinal in library.visit_order:
        yield from _paged(
            urls.visit_path(ordinal),
            views.visit_pages(library, ordinal),
            "visit.html",
            lambda n, o=ordinal: views.visit_context(library, o, n),
        )
    yield PageSpec(urls.SEARCH, "search.html", lambda: views.search_context(library))
    yield PageSpec(urls.NOT_FOUND, "404.html", lambda: views.not_found_context(library))
    yield from feed_specs(library)


def _paged(
    first_page: str, count: int, template: str, context: Callable[[int], dict[str, Any]]
) -> Iterator[PageSpec]:
    """The pages 1..count of a paged list."""
    for number in range(1, count + 1):
        yield PageSpec(urls.paged_path(first_page, number), template, lambda n=number: context(n))


def feed_specs(library: Library) -> Iterator[PageSpec]:
    """Atom feeds: the whole site, each language, each actor."""
    default = library.settings.default_language
    yield PageSpec(
        urls.SITE_FEED,
        "atom.xml",
        lambda: views.feed_context(
            library,
            urls.SITE_FEED,
            library.settings.site_title(default),
            library.article_order(),
            None,
        ),
    )
    for code, language in library.languages.items():
        yield PageSpec(
            urls.language_feed_path(code),
            "atom.xml",
            lambda c=code, lang=language: views.feed_context(
                library,
                urls.language_feed_path(c),
                f"{library.settings.site_title(c)}: {lang.native_name}",
                library.articles_of_language.get(c, ()),
                c,
            ),
        )
    for actor_id in sorted(library.actors):
        yield PageSpec(
            urls.actor_feed_path(actor_id),
            "atom.xml",
            lambda a=actor_id: views.feed_context(
                library,
                urls.actor_feed_path(a),
                f"{library.settings.site_title(default)}: "
                f"{views.actor_name(library, a, default).text}",
                library.articles_of_actor.get(a, ()),
                None,
            ),
        )


@dataclass(frozen=True, slots=True)
class RenderResult:
    written: list[str]  # every file of the site, as site-root paths
    reused: int  # pages taken unchanged from the previous build
    manifest: dict[str, str]  # page path -> fingerprint, to save once the site is in place


@dataclass(frozen=True, slots=True)
class PageJob:
    """What rendering a share of the pages needs; handed to worker processes by fork."""

    library: Library
    template_dirs: tuple[Path, ...]
    output: Path
    templates_key: str
    previous: Path | None
    previous_manifest: Mapping[str, str]


PARALLEL_PAGES_FROM = 2000  # fewer pages than this render faster in one process
PAGE_CHUNK = 250  # pages per task sent to a worker
_job: PageJob | None = None  # set in each worker before it starts


def render_site(
    library: Library,
    template_dirs: Sequence[Path],
    output: Path,
    templates_key: str = "",
    previous: Path | None = None,
    previous_manifest: Mapping[str, str] | None = None,
    jobs: int = 1,
) -> RenderResult:
    """Write every page, feed, data file and asset into ``output``.

    A page whose context and templates are unchanged since the ``previous``
    site was built (same fingerprint in ``previous_manifest``) is hard-linked
    from it instead of rendered again.  The caller saves the new manifest
    only after the new site is in place.  With ``jobs`` other than 1, pages
    are rendered by worker processes; every page is a file of its own, so the
    result is the same.
    """
    views.forget_cached_views()  # cached cards of an earlier build hold its library
    job = PageJob(
        library, tuple(template_dirs), output, templates_key, previous, previous_manifest or {}
    )
    paths = [spec.path for spec in page_specs(library)]
    workers = jobs or os.cpu_count() or 1
    if workers > 1 and (jobs > 1 or len(paths) >= PARALLEL_PAGES_FROM) and _can_fork():
        chunks = [(i, min(i + PAGE_CHUNK, len(paths))) for i in range(0, len(paths), PAGE_CHUNK)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(job,)
        ) as pool:
            parts = list(pool.map(_render_chunk, chunks))
    else:
        parts = [_render_pages(job, 0, len(paths))]
    manifest = {path: key for part in parts for path, key in part[0].items()}
    reused = sum(part[1] for part in parts)
    written = list(paths)
    env = make_environment(template_dirs)
    if library.settings.base_url:
        html_pages = [p for p in written if p.endswith(".html") and p != urls.NOT_FOUND]
        context = views.sitemap_context(library, html_pages)
        _write(output / urls.SITEMAP, render_page(env, "sitemap.xml", urls.SITEMAP, context))
        written.append(urls.SITEMAP)
    _write(output / urls.DIGEST_JSON, digest_json(library))
    _write(output / urls.SEARCH_INDEX, search_index_script(library))
    _write(output / urls.CLEANING_REPORT, cleaning_report_json(library))
    written.extend([urls.DIGEST_JSON, urls.SEARCH_INDEX, urls.CLEANING_REPORT])
    written.extend(copy_assets(template_dirs, output))
    return RenderResult(written, reused, manifest)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _start_worker(job: PageJob) -> None:
    global _job
    _job = job


def _render_chunk(bounds: tuple[int, int]) -> tuple[dict[str, str], int]:
    assert _job is not None
    return _render_pages(_job, *bounds)


def _render_pages(job: PageJob, start: int, stop: int) -> tuple[dict[str, str], int]:
    """Render pages ``start:stop`` of the page list; return their fingerprints and reuses."""
    env = make_environment(job.template_dirs)
    manifest: dict[str, str] = {}
    reused = 0
    for spec in itertools.islice(page_specs(job.library), start, stop):
        context = spec.context()
        key = fingerprint(job.templates_key, spec.template, context)
        manifest[spec.path] = key
        target = job.output / spec.path
        if (
            job.previous is not None
            and job.previous_manifest.get(spec.path) == key
            and _reuse(job.previous, spec.path, target)
        ):
            reused += 1
        else:
            _write(target, render_page(env, spec.template, spec.path, context))
    return manifest, reused


def _reuse(previous: Path, path: str, target: Path) -> bool:
    """Hard-link (or copy) an unchanged page from the previous site; False if it is gone."""
    source = previous / path
    if not source.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    return True


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


def digest_json(library: Library) -> str:
    """The digest as data for other tools; its format is documented in the README."""
    data = {
        "format": "digest-builder/1",
        "title": dict(sorted(library.settings.title.items())),
        "languages": list(library.languages),
        "articles": [
            {
                "id": article.id,
                "language": article.language,
                "title": article.clean.title,
                "url": urls.article_path(article.id),
                "source": article.clean.meta.source,
                "date": article.date,
                "author": article.clean.author,
                "actors": list(article.actor_ids),
                "actor_mentions": {m.actor_id: m.count for m in article.actors},
                "visit": article.visit.ordinal if article.visit else None,
                "story": library.story_of[article.id],
            }
            for article in (library.articles[a] for a in library.article_order())
        ],
        "stories": [
            {
                "id": story.id,
                "url": urls.story_path(story.id),
                "visit": story.visit,
                "topic": story.topic,
                "titles": dict(sorted(story.titles.items())),
                "articles": list(story.article_ids),
            }
            for story in (library.stories[s] for s in library.story_order)
        ],
        "actors": [
            {
                "id": actor.id,
                "names": dict(sorted(actor.names.items())),
                "url": urls.actor_path(actor.id),
                "articles": list(library.articles_of_actor.get(actor.id, ())),
            }
            for actor in (library.actors[a] for a in sorted(library.actors))
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def cleaning_report_json(library: Library) -> str:
    """What the cleaner removed from every article, and why, for editors to check."""
    rules: dict[str, int] = {}
    articles = []
    for article_id in sorted(library.articles):
        clean = library.articles[article_id].clean
        for removal in clean.removals:
            rules[removal.rule] = rules.get(removal.rule, 0) + 1
        articles.append(
            {
                "id": article_id,
                "source_file": Path(clean.path).name,
                "page": urls.article_path(article_id),
                "title": clean.title,
                "author": clean.author,
                "updated": clean.updated,
                "removals": [
                    {"line": r.line, "rule": r.rule, "reason": r.reason, "text": r.text}
                    for r in clean.removals
                ],
                "flags": list(clean.flags),
            }
        )
    data = {
        "format": "digest-builder-cleaning/1",
        "removals_per_rule": dict(sorted(rules.items())),
        "flagged_articles": sum(1 for a in articles if a["flags"]),
        "articles": articles,
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
