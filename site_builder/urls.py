"""Output paths of every page, and the one helper that makes links relative.

Every page's path is known before rendering.  Templates receive site-root
paths and the ``url`` filter turns each into a link relative to the page
that holds it, so the site browses from ``file://`` and under any sub-path.
Links always end in a file name (``index.html``), never in a folder.
"""

from __future__ import annotations

from functools import lru_cache

DIGEST = "index.html"
ACTORS_INDEX = "actors/index.html"
TOPICS_INDEX = "topics/index.html"
VISITS_INDEX = "visits/index.html"
SEARCH = "search.html"
NOT_FOUND = "404.html"
DIGEST_JSON = "digest.json"
CLEANING_REPORT = "_report/cleaning.json"
SITEMAP = "sitemap.xml"
STYLESHEET = "assets/style.css"
SEARCH_SCRIPT = "assets/search.js"
SITE_FEED = "feeds/all.xml"


def search_shard_path(number: int) -> str:
    return f"assets/search/index-{number:03d}.js"


def story_path(story_id: str) -> str:
    return f"stories/{story_id}.html"


def article_path(article_id: str) -> str:
    return f"articles/{article_id}.html"


def language_path(code: str) -> str:
    return f"languages/{code}.html"


def actor_path(actor_id: str) -> str:
    return f"actors/{actor_id}.html"


def topic_path(topic_id: str) -> str:
    return f"topics/{topic_id}.html"


def visit_path(ordinal: int | None) -> str:
    return f"visits/{ordinal}.html" if ordinal is not None else "visits/none.html"


def language_feed_path(code: str) -> str:
    return f"feeds/languages/{code}.xml"


def actor_feed_path(actor_id: str) -> str:
    return f"feeds/actors/{actor_id}.xml"


def paged_path(first_page: str, number: int) -> str:
    """Page ``number`` of a paged list: ``x.html``, then ``x/2.html``, ``x/3.html``..."""
    if number == 1:
        return first_page
    return f"{first_page.removesuffix('.html')}/{number}.html"


def relative_url(from_page: str, to_path: str) -> str:
    """The link from the page at ``from_page`` to ``to_path`` (both relative to the site root).

    A fragment (``#id``) on ``to_path`` is kept.  Pages in the same folder
    link by file name; otherwise the link climbs to the root and descends,
    which is as valid as the shortest path.
    """
    return _link_from_folder(from_page[: from_page.rfind("/") + 1], to_path)


@lru_cache(maxsize=65536)
def _link_from_folder(from_folder: str, to_path: str) -> str:
    """The link from any page of ``from_folder`` ("" or "x/y/") to ``to_path``: pages in
    one folder link to the same targets, so each link is worked out once (it is made for
    every link of every page)."""
    target, hash_mark, fragment = to_path.partition("#")
    if not target:
        return f"#{fragment}"
    to_folder, _, name = target.rpartition("/")
    if from_folder == (f"{to_folder}/" if to_folder else ""):
        return f"{name}{hash_mark}{fragment}"
    return "../" * from_folder.count("/") + to_path


def absolute_url(base_url: str, to_path: str) -> str:
    """The published address of a page, for feeds, sitemaps and canonical links."""
    return base_url.rstrip("/") + "/" + to_path.lstrip("/")
