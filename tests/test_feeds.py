"""Atom feeds, sitemap, canonical and hreflang links, JSON-LD."""

import json
import re
from pathlib import Path

import feedparser


def test_site_language_and_actor_feeds_parse_cleanly(seed_site: Path) -> None:
    feeds = [
        seed_site / "feeds" / "all.xml",
        seed_site / "feeds" / "languages" / "he.xml",
        seed_site / "feeds" / "actors" / "john-kerry.xml",
    ]
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        assert parsed.entries, path
        for entry in parsed.entries:
            assert entry.title and entry.id and entry.link
    hebrew = feedparser.parse((seed_site / "feeds" / "languages" / "he.xml").read_bytes())
    assert all("/articles/" in e.link or e.link.startswith("../") for e in hebrew.entries)


def test_no_sitemap_or_canonical_links_without_a_base_url(seed_site: Path) -> None:
    assert not (seed_site / "sitemap.xml").exists()
    assert 'rel="canonical"' not in (seed_site / "index.html").read_text(encoding="utf-8")


def test_a_base_url_adds_sitemap_canonical_and_hreflang_but_links_stay_relative(
    mini_site, tmp_path: Path
) -> None:
    settings = (Path(__file__).parent.parent / "content" / "site.yaml").read_text("utf-8")
    settings += "\nbase_url: https://example.org/digest/\n"
    report, site = mini_site(
        {
            "seeds/a.txt": "Kerry meets Abbas\nJohn Kerry met Mahmoud Abbas in Ramallah.",
            "content/site.yaml": settings,
        }
    )
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/digest/index.html</loc>" in sitemap
    assert "<loc>https://example.org/digest/articles/a.html</loc>" in sitemap
    page = (site / "articles" / "a.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/digest/articles/a.html">' in page
    assert 'href="../index.html"' in page
    language = (site / "languages" / "en.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/digest/languages/he.html" hreflang="he"' in language
    assert '<base href="https://example.org/digest/">' in (site / "404.html").read_text("utf-8")
    feed = feedparser.parse((site / "feeds" / "all.xml").read_bytes())
    assert feed.entries[0].link == "https://example.org/digest/articles/a.html"


def test_article_pages_carry_news_article_json_ld(seed_site: Path) -> None:
    page = next((seed_site / "articles").glob("*.html")).read_text(encoding="utf-8")
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match
    data = json.loads(match.group(1))
    assert data["@type"] == "NewsArticle" and data["headline"] and data["inLanguage"]


def test_json_ld_cannot_close_its_script_element(mini_site) -> None:
    report, site = mini_site({"seeds/x.txt": "</script><script>alert(1)</script>\nBody."})
    page = (site / "articles" / "x.html").read_text(encoding="utf-8")
    assert "</script><script>alert" not in page
