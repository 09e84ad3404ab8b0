"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium() -> str:
    """The browser's path; skip the test (loudly) only when neither it nor CI is around."""
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (run `make test`, which installs it)")
    return path


@dataclass
class PageWatch:
    """Everything a page did that a user would call broken."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.console_errors + self.failed_requests + self.external_requests


@contextmanager
def browser_page() -> Iterator[tuple[object, PageWatch]]:
    """A fresh page in headless Chromium that records errors and any non-file request."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    watch = PageWatch()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on(
                "console",
                lambda m: (
                    watch.console_errors.append(f"console {m.type}: {m.text}")
                    if m.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda e: watch.console_errors.append(f"page error: {e}"))
            page.on(
                "requestfailed",
                lambda r: watch.failed_requests.append(f"failed: {r.url} {r.failure}"),
            )
            page.on(
                "request",
                lambda r: (
                    watch.external_requests.append(f"external: {r.url}")
                    if not r.url.startswith(("file://", "data:", "about:"))
                    else None
                ),
            )
            yield page, watch
        finally:
            browser.close()
