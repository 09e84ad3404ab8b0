import gc
import json
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site
from site_builder.check import check_links
from site_builder.render import RenderError

from .conftest import CONTENT, SEEDS, TEMPLATES

SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))


def test_the_seed_site_has_every_page_kind(seed_site: Path) -> None:
    assert (seed_site / "index.html").is_file()
    assert (seed_site / "digest.json").is_file()
    assert (seed_site / "actors" / "index.html").is_file()
    assert (seed_site / "assets" / "style.css").is_file()
    for code in ("en", "he"):
        assert (seed_site / "languages" / f"{code}.html").is_file()
    for article_id in SEED_IDS:
        assert (seed_site / "articles" / f"{article_id}.html").is_file()
    assert list((seed_site / "stories").glob("*.html"))
    assert (seed_site / "actors" / "john-kerry.html").is_file()


def test_every_internal_link_resolves_and_nothing_is_fetched_from_outside(
    seed_site: Path,
) -> None:
    assert check_links(seed_site) == []


def test_hebrew_pages_are_right_to_left(seed_site: Path) -> None:
    page = (seed_site / "languages" / "he.html").read_text(encoding="utf-8")
    assert '<html lang="he" dir="rtl">' in page
    english = (seed_site / "languages" / "en.html").read_text(encoding="utf-8")
    assert '<html lang="en" dir="ltr">' in english


def test_digest_json_lists_articles_stories_and_actors(seed_site: Path) -> None:
    data = json.loads((seed_site / "digest.json").read_text(encoding="utf-8"))
    assert sorted(a["id"] for a in data["articles"]) == SEED_IDS
    story_ids = {s["id"] for s in data["stories"]}
    for article in data["articles"]:
        assert set(article) >= {"id", "language", "title", "url", "actors", "visit", "story"}
        assert article["story"] in story_ids
        assert (seed_site / article["url"]).is_file()
    assert sorted(a for s in data["stories"] for a in s["articles"]) == SEED_IDS
    kerry = next(a for a in data["actors"] if a["id"] == "john-kerry")
    assert set(kerry["names"]) == {"en", "he"} and (seed_site / kerry["url"]).is_file()


def test_the_same_input_gives_byte_identical_output(tmp_path: Path) -> None:
    sites = []
    for name in ("one", "two"):
        output = tmp_path / name
        build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), output))
        sites.append(
            {p.relative_to(output): p.read_bytes() for p in output.rglob("*") if p.is_file()}
        )
    assert sites[0] == sites[1]


def test_a_build_keeps_none_of_its_articles_alive_after_it(tmp_path: Path) -> None:
    """What builds more than once (``serve``, a program using the package) carries no
    earlier build's collection, and a build leaves none for the collector to walk."""
    from site_builder.summary import ArticleSummary

    def summaries_alive() -> int:
        gc.collect()  # only what is held, not garbage awaiting collection
        return sum(isinstance(o, ArticleSummary) for o in gc.get_objects())

    before = summaries_alive()
    build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), tmp_path / "site", jobs=1))
    assert summaries_alive() == before


def test_a_failed_build_leaves_the_last_good_site(tmp_path: Path) -> None:
    output = tmp_path / "_site"
    build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), output))
    before = (output / "index.html").read_bytes()
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "digest.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ no_such_variable }}{% endblock %}"
    )
    with pytest.raises(RenderError, match="digest.html"):
        build_site(BuildOptions(SEEDS, CONTENT, (broken, TEMPLATES), output))
    assert (output / "index.html").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


def test_a_user_template_overrides_the_default(mini_site, tmp_path: Path) -> None:
    report, output = mini_site({"seeds/a.txt": "Headline\nBody text here."})
    own = tmp_path / "mine"
    own.mkdir()
    (own / "actors.html").write_text(
        "{% extends 'base.html' %}{% block content %}MY ACTORS{% endblock %}"
    )
    build_site(
        BuildOptions(
            output.parent / "project" / "seeds",
            output.parent / "project" / "content",
            (own, TEMPLATES),
            output,
        )
    )
    assert "MY ACTORS" in (output / "actors" / "index.html").read_text(encoding="utf-8")


def test_bad_input_is_reported_and_the_rest_builds(mini_site) -> None:
    report, output = mini_site(
        {
            "seeds/good.txt": "Good headline\nA body paragraph.",
            "seeds/empty.txt": "",
            "content/broken.md": "---\ntitle: [unclosed\n---\nbody",
        }
    )
    assert (output / "articles" / "good.html").is_file()
    paths = sorted(Path(p.path).name for p in report.errors)
    assert paths == ["broken.md", "empty.txt"]


def test_markup_in_any_text_field_is_escaped(mini_site) -> None:
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    report, output = mini_site(
        {
            "seeds/evil.txt": f"{evil}\n{evil}\nBody {evil} text.",
            "content/evil.md": f"---\nauthor: '{evil}'\nsource: '{evil}'\n---\n",
            "content/note.md": f"---\ntitle: '{evil}'\n---\nHello {evil}\n",
        }
    )
    for page in output.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page


def test_long_lists_are_paged_and_every_page_links_to_its_neighbours(mini_site) -> None:
    settings = (CONTENT / "site.yaml").read_text("utf-8") + "\npage_size: 1\n"
    ordinals = ["first", "second", "third", "fourth"]
    files = {
        f"seeds/s{i}.txt": f"Kerry visit {i}\nJohn Kerry arrived for his {o} visit "
        "to the region since taking office."
        for i, o in enumerate(ordinals)
    }
    report, site = mini_site({**files, "content/site.yaml": settings})
    assert report.stories >= 2
    assert (site / "index" / "2.html").is_file()
    second = (site / "index" / "2.html").read_text(encoding="utf-8")
    assert 'href="../index.html" rel="prev"' in second
    assert (site / "actors" / "john-kerry" / "2.html").is_file()
    assert check_links(site) == []


def test_sources_that_disagree_on_the_visit_count_are_shown(mini_site) -> None:
    report, site = mini_site(
        {
            "seeds/a.txt": "Kerry returns\nKerry began his eighth visit, which some call his "
            "ninth visit, to the region since taking office."
        }
    )
    page = (site / "articles" / "a.html").read_text(encoding="utf-8")
    assert "disagree on the count: 8, 9" in page


def test_the_cleaning_report_lists_every_removal_with_its_rule(seed_site: Path) -> None:
    data = json.loads((seed_site / "_report" / "cleaning.json").read_text(encoding="utf-8"))
    removals = [r for a in data["articles"] for r in a["removals"]]
    assert removals and all(r["rule"] and r["reason"] and r["line"] >= 1 for r in removals)
    assert sum(data["removals_per_rule"].values()) == len(removals)


def test_a_new_site_s_boilerplate_needs_only_a_line_of_data(mini_site) -> None:
    article = "Headline here\nA body sentence that stays.\nWibble the Wobble Gazette today\n"
    report, site = mini_site({"seeds/a.txt": article})
    assert (
        "Wobble Gazette" in (site / "articles" / "a.html").read_text("utf-8").split("<details")[0]
    )
    report, site = mini_site(
        {
            "seeds/a.txt": article,
            "content/lexicons/clean-en.yaml": "share: [Wibble the Wobble Gazette]\n",
        }
    )
    body = (site / "articles" / "a.html").read_text("utf-8").split("<details")[0]
    assert "Wobble Gazette" not in body and "A body sentence that stays." in body


def test_no_page_shows_python_objects_instead_of_text(seed_site: Path) -> None:
    for page in seed_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for leak in ("Link(", "Text(path", "Text(text=", "None</", "StoryCard(", "Markup("):
            assert leak not in html, (page, leak)
