"""The built site in real headless Chromium, opened from disk as a user would."""

from pathlib import Path

import pytest

from .browser import browser_page

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_a_reader_follows_the_digest_to_a_story_and_an_article(seed_site: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as (page, watch):
        page.goto((seed_site / "index.html").as_uri())
        assert page.locator("h1").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "digest.png"), full_page=True)

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


def test_hebrew_pages_render_right_to_left(seed_site: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as (page, watch):
        page.goto((seed_site / "languages" / "he.html").as_uri())
        direction = page.evaluate("getComputedStyle(document.body).direction")
        assert direction == "rtl"
        page.screenshot(path=str(ARTIFACTS / "hebrew.png"), full_page=True)
        assert watch.problems() == []
