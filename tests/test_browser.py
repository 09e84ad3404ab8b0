"""The built site in real headless Chromium, opened from disk as a user would."""

import os
from pathlib import Path
from urllib.parse import quote

import pytest

from .browser import browser_page

pytestmark = pytest.mark.browser
PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts"
AXE = Path(os.environ.get("AXE_JS", PROJECT / ".cache/node/node_modules/axe-core/axe.min.js"))


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_a_reader_follows_the_digest_to_a_story_and_an_article(seed_site: Path) -> None:
    with browser_page() as (page, watch):
        page.goto((seed_site / "index.html").as_uri())
        assert page.locator("h1").first.inner_text()

        page.locator(".story-card h3 a").first.click()
        page.wait_for_load_state()
        assert "/stories/" in page.url
        story_title = page.locator("h1").inner_text()
        assert story_title

        page.locator(".story-article h3 a").first.click()
        page.wait_for_load_state()
        assert "/articles/" in page.url
        assert page.locator("article.article .body p").count() > 0
        page.locator(".story-link a").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == story_title
        assert watch.problems() == []


def test_every_page_loads_without_errors_or_outside_requests(seed_site: Path) -> None:
    with browser_page() as (page, watch):
        for path in _pages(seed_site):
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert page.title(), path
        assert watch.problems() == []


def test_hebrew_pages_render_right_to_left(seed_site: Path) -> None:
    with browser_page() as (page, watch):
        page.goto((seed_site / "languages" / "he.html").as_uri())
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        page.goto((seed_site / "index.html").as_uri())
        hebrew_title = page.locator('.story-card h3 a[lang="he"]').first
        assert hebrew_title.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert watch.problems() == []


@pytest.mark.parametrize(
    ("query", "expected_language"),
    [
        # A Hebrew word with a one-letter prefix ("and-Kerry") still finds Hebrew articles.
        ("\u05d5\u05e7\u05e8\u05d9", "he"),
        ("negotiator", "en"),
    ],
)
def test_search_finds_articles_offline(seed_site: Path, query: str, expected_language: str) -> None:
    with browser_page() as (page, watch):
        page.goto((seed_site / "search.html").as_uri() + "?q=" + quote(query))
        results = page.locator("#search-results a")
        results.first.wait_for()
        languages = {results.nth(i).get_attribute("lang") for i in range(results.count())}
        assert expected_language in languages
        # Each result's lead starts where its title does, whatever its language's direction
        # (in an English page, both on the left).
        offsets = page.evaluate(
            """() => [...document.querySelectorAll("#search-results li")]
                .filter(item => item.querySelector(".dek"))
                .map(item => {
                    const lead = document.createRange();
                    lead.selectNodeContents(item.querySelector(".dek"));
                    return lead.getBoundingClientRect().left
                        - item.querySelector("a").getBoundingClientRect().left;
                })"""
        )
        assert offsets and all(abs(offset) < 2 for offset in offsets), offsets
        results.first.click()
        page.wait_for_load_state()
        assert "/articles/" in page.url
        assert watch.problems() == []


def test_screenshots_of_the_digest_a_hebrew_page_and_an_actor_page(seed_site: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shots = {
        "digest.png": seed_site / "index.html",
        "hebrew.png": seed_site / "languages" / "he.html",
        "actor.png": seed_site / "actors" / "john-kerry.html",
    }
    with browser_page() as (page, watch):
        for name, path in shots.items():
            page.goto(path.as_uri())
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
            assert (ARTIFACTS / name).stat().st_size > 10_000
        page.emulate_media(color_scheme="dark")
        page.goto(shots["digest.png"].as_uri())
        page.screenshot(path=str(ARTIFACTS / "digest-dark.png"), full_page=True)
        assert watch.problems() == []


def _one_page_per_template(site: Path) -> list[Path]:
    chosen = [site / "index.html", site / "search.html", site / "404.html"]
    for folder in ("stories", "articles", "languages", "actors", "topics", "visits"):
        pages = sorted((site / folder).glob("*.html"))
        chosen.extend(pages[:1])
        chosen.extend(p for p in pages if p.name == "index.html")
        if folder == "languages":
            chosen.extend(pages)
    return sorted(set(p for p in chosen if p.exists()))


def test_no_serious_accessibility_violations_on_any_page_template(seed_site: Path) -> None:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} missing; `make test` installs axe-core from npm")
        pytest.skip("axe-core not installed (run `make test`)")
    failures = []
    with browser_page() as (page, watch):
        for path in _one_page_per_template(seed_site):
            page.goto(path.as_uri())
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document)")
            for violation in result["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"][:3]]
                    failures.append(f"{path.name}: {violation['id']} {targets}")
    assert failures == []
