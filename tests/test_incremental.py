"""Incremental builds give exactly what a full build gives."""

import shutil
from pathlib import Path

import jinja2
import pytest

from site_builder import render
from site_builder.build import BuildOptions, build_site

from .conftest import CONTENT, SEEDS, TEMPLATES


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def test_an_edit_redoes_only_that_article_and_equals_a_full_build(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    cached = BuildOptions(seeds, CONTENT, (TEMPLATES,), tmp_path / "site", tmp_path / "cache")
    first = build_site(cached)
    assert first.cached_articles == 0
    assert build_site(cached).up_to_date  # nothing changed: nothing done
    (seeds / "unrelated.tmp").write_text("not an article")  # the inputs' stamp changes
    assert build_site(cached).cached_articles == first.articles

    edited = sorted(seeds.glob("*.txt"))[3]
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("Kerry said", "Kerry declared", 1),
        encoding="utf-8",
    )
    again = build_site(cached)
    assert again.cached_articles == first.articles - 1
    assert again.reused_pages > 0

    full = build_site(BuildOptions(seeds, CONTENT, (TEMPLATES,), tmp_path / "full"))
    assert _files(tmp_path / "site") == _files(tmp_path / "full")
    assert full.cached_articles == 0


def test_a_template_change_rebuilds_the_pages_that_use_it(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    options = BuildOptions(SEEDS, CONTENT, (templates,), tmp_path / "site", tmp_path / "cache")
    build_site(options)
    base = templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<footer", '<footer data-x="1"'))
    build_site(options)
    assert 'data-x="1"' in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_compiled_templates_are_kept_in_the_cache_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process renders with the templates compiled by the last one; an edited
    template is compiled again (Jinja keys the compiled code by the source)."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    cache = tmp_path / "cache"
    options = BuildOptions(SEEDS, CONTENT, (templates,), tmp_path / "site", cache)
    build_site(options)
    assert any((cache / "templates").iterdir())
    compiled: list[str | None] = []
    original = jinja2.Environment.compile

    def spy(self: jinja2.Environment, source: str, name: str | None = None, *a, **k):
        compiled.append(name)
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    render._environment.cache_clear()  # as in a new process
    edited = sorted(SEEDS.glob("*.txt"))[0].name
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / edited).write_text((seeds / edited).read_text("utf-8") + "\nOne more line.\n")
    report = build_site(BuildOptions(seeds, CONTENT, (templates,), tmp_path / "site", cache))
    assert report.pages > report.reused_pages  # pages were rendered
    assert compiled == []
    base = templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<footer", '<footer data-x="2"'))
    render._environment.cache_clear()
    build_site(BuildOptions(seeds, CONTENT, (templates,), tmp_path / "site", cache))
    assert "base.html" in compiled
    assert 'data-x="2"' in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_a_deleted_site_is_rebuilt_even_when_the_inputs_did_not_change(tmp_path: Path) -> None:
    options = BuildOptions(SEEDS, CONTENT, (TEMPLATES,), tmp_path / "site", tmp_path / "cache")
    build_site(options)
    shutil.rmtree(tmp_path / "site")
    report = build_site(options)
    assert not report.up_to_date and (tmp_path / "site" / "index.html").is_file()


def test_an_edit_rewrites_one_shard_of_the_input_table(tmp_path: Path) -> None:
    """The table of every input file's stat and digest is sharded: an edit saves one shard,
    and a shard lost or broken only makes its files be read again."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    cache = tmp_path / "cache"
    options = BuildOptions(seeds, CONTENT, (TEMPLATES,), tmp_path / "site", cache)
    first = build_site(options)
    shards = sorted(cache.glob("input-files-*.pickle"))
    assert len(shards) > 1
    before = {p.name: p.stat().st_mtime_ns for p in shards}
    edited = sorted(seeds.glob("*.txt"))[2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    build_site(options)
    after = {p.name: p.stat().st_mtime_ns for p in sorted(cache.glob("input-files-*.pickle"))}
    assert after.keys() == before.keys()
    assert sum(after[name] != before[name] for name in before) == 1
    shards[0].write_bytes(b"broken")
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAnd another.\n", "utf-8")
    again = build_site(options)
    assert again.articles == first.articles and not again.errors
    full = tmp_path / "full"
    build_site(BuildOptions(seeds, CONTENT, (TEMPLATES,), full))
    assert _files(tmp_path / "site") == _files(full)


def test_the_clustering_memo_is_saved_in_groups_and_a_mismatched_group_is_not_used(
    tmp_path: Path,
) -> None:
    """An edit rewrites the memo's groups holding what changed, not all of them; a group
    left by another build (an interrupted save) makes the next build cluster afresh."""
    from site_builder.cache import BuildCache
    from site_builder.cluster import MEMO_SHARDS, load_memo, memo_group_name

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    cache = tmp_path / "cache"
    options = BuildOptions(seeds, CONTENT, (TEMPLATES,), tmp_path / "site", cache)
    build_site(options)
    names = [memo_group_name(n) for n in range(MEMO_SHARDS)]
    before = {name: (cache / name).stat().st_mtime_ns for name in names}
    edited = sorted(seeds.glob("*.txt"))[1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nKerry spoke again.\n", "utf-8")
    build_site(options)
    rewritten = [name for name in names if (cache / name).stat().st_mtime_ns != before[name]]
    assert 0 < len(rewritten) < MEMO_SHARDS
    assert load_memo(BuildCache(cache)) is not None

    BuildCache(cache).save(names[0], (10**6, {}))  # as if a later build stopped half-way
    assert load_memo(BuildCache(cache)) is None
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    build_site(options)
    assert load_memo(BuildCache(cache)) is not None
    full = tmp_path / "full"
    build_site(BuildOptions(seeds, CONTENT, (TEMPLATES,), full))
    assert _files(tmp_path / "site") == _files(full)
