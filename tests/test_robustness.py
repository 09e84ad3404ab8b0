"""Bad and hostile input: random bytes, odd encodings, markup in every field."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.clean import clean_article
from site_builder.load import RawArticle, read_article_file
from site_builder.problems import InputError

from .browser import browser_page


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_random_bytes_either_load_and_clean_or_fail_with_an_input_error(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "random.txt"
    path.write_bytes(data)
    try:
        raw = read_article_file(path)
    except InputError:
        return
    clean_article(raw)


@given(lines=st.lists(st.text(max_size=200), max_size=30))
def test_any_text_cleans_without_crashing(lines: list[str]) -> None:
    clean_article(RawArticle("x", "x.txt", "text", tuple(lines)))


EVIL = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">'


@pytest.mark.browser
def test_markup_in_every_text_field_never_runs(mini_site) -> None:
    actors = f"""
- id: evil-actor
  names: {{en: 'Evil {EVIL}', he: 'Evil {EVIL}'}}
  aliases: {{en: [Evilname]}}
"""
    report, site = mini_site(
        {
            "seeds/evil.txt": f"Title {EVIL}\nDek {EVIL}\nEvilname said {EVIL} today.\n",
            "content/evil.md": f"---\nauthor: '{EVIL}'\nsource: '{EVIL}'\n---\n",
            "content/note.md": (
                f"---\ntitle: 'Note {EVIL}'\nextra: {{x: '{EVIL}'}}\n---\nBody {EVIL}\n"
            ),
            "content/actors.yaml": actors,
        }
    )
    assert not report.errors, report.problems
    assert 'onerror="window' not in (site / "articles" / "evil.html").read_text("utf-8")
    with browser_page() as (page, watch):
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in sorted(site.rglob("*.html")):
            page.goto(path.as_uri())
            assert page.evaluate("window.__pwned === undefined"), path
            for link in page.locator("a[href^='javascript:']").all():
                raise AssertionError(f"javascript: link in {path}: {link}")
        assert dialogs == []


def test_links_other_than_http_are_refused_in_front_matter(mini_site) -> None:
    report, site = mini_site(
        {"seeds/a.txt": "A\nBody.", "content/a.md": "---\nurl: 'javascript:alert(1)'\n---\n"}
    )
    (problem,) = report.errors
    assert problem.path.endswith("a.md") and "http" in problem.message
    assert "javascript:" not in (site / "articles" / "a.html").read_text("utf-8")
