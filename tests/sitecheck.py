"""Helpers to inspect a built site: its pages, and the links in them."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append((tag, name, value))
            if name == "id":
                self.ids.add(value)


def page_links(path: Path) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links


def broken_links(site: Path) -> list[str]:
    """Internal links that do not resolve to a file, and resources fetched from elsewhere."""
    problems = []
    for page in sorted(site.rglob("*.html")):
        for tag, attribute, value in page_links(page):
            parts = urlsplit(value)
            if parts.scheme or value.startswith("//"):
                # A plain hyperlink to the original article is fine; anything the
                # browser would fetch by itself (stylesheets, scripts, images) is not.
                if tag != "a":
                    problems.append(f"{page}: external {tag} {attribute}={value}")
                continue
            if not parts.path:
                continue
            if parts.path.endswith("/"):
                problems.append(f"{page}: link to a folder {value}")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                problems.append(f"{page}: broken link {value}")
            elif site.resolve() not in target.parents:
                problems.append(f"{page}: link leaves the site {value}")
    return problems
