"""Every kind of edit, built incrementally, gives byte for byte what a full build gives.

The incremental build re-renders a page only when its key (pagekeys.py)
changes; a key that misses something a page shows would leave a stale page.
Each step below edits the collection the way users do, builds on top of the
last site, and compares it with a site built from scratch.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from site_builder.build import BuildOptions, BuildSession, build_site

from .conftest import CONTENT, SEEDS, TEMPLATES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import generate  # noqa: E402


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    """Generated articles plus the seeds, with small pages so that paging is exercised."""
    root = tmp_path / "in"
    generate(root, 36, seed=7)
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, root / "seeds" / seed.name)
    settings = yaml.safe_load((CONTENT / "site.yaml").read_text(encoding="utf-8"))
    settings["page_size"] = 3
    (root / "content" / "site.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return root


def _seed(root: Path, number: int) -> Path:
    return sorted((root / "seeds").glob("0000*.txt"))[number]


def _sidecar(root: Path) -> Path:
    return sorted((root / "content").glob("*.md"))[2]


def _insert_line(path: Path, line: str) -> None:
    """Put ``line`` in the middle of the article's body (its removals change, not its text)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(len(lines) // 2, line)
    path.write_text("\n".join(lines), encoding="utf-8")


def _edit_one_word(root: Path) -> None:
    """Change one word in the middle of an English article's body."""
    for path in sorted((root / "seeds").glob("0000*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for number in range(4, len(lines) - 4):
            if " the " in lines[number]:
                lines[number] = lines[number].replace(" the ", " a ", 1)
                path.write_text("\n".join(lines), encoding="utf-8")
                return
    raise AssertionError("no English article to edit")


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("change a word", _edit_one_word),
    (
        "append a sentence",
        lambda r: _seed(r, 4).write_text(
            _seed(r, 4).read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8"
        ),
    ),
    (
        "change a headline",
        lambda r: _seed(r, 5).write_text(
            "A new headline for this article\n"
            + _seed(r, 5).read_text(encoding="utf-8").split("\n", 1)[1],
            encoding="utf-8",
        ),
    ),
    ("redate an article", lambda r: _replace_in(_sidecar(r), "date: 2013", "date: 2014")),
    (
        "add boilerplate the cleaner removes",
        lambda r: _insert_line(_seed(r, 3), "Share this article"),
    ),
    (
        "move an article to another source",
        lambda r: _replace_in(_sidecar(r), "source:", "source: other-"),
    ),
    ("add an article", lambda r: shutil.copy(_seed(r, 6), r / "seeds" / "zz-added.txt")),
    ("delete an article", lambda r: _seed(r, 7).unlink()),
    (
        "keep an article apart",
        lambda r: (r / "content" / f"{_seed(r, 8).stem}.md").write_text(
            "---\napart: true\n---\n", encoding="utf-8"
        ),
    ),
    (
        "rename an actor",
        lambda r: _replace_in(r / "content" / "actors.yaml", "John Kerry", "John F. Kerry"),
    ),
    ("delete a sidecar", lambda r: _sidecar(r).unlink()),
    ("empty an article", lambda r: _seed(r, 9).write_text("", encoding="utf-8")),
]


@pytest.mark.parametrize(
    ("resident", "apart"),
    [(False, False), (True, False), (False, True)],
    ids=["new-process", "resident", "clustering-apart"],
)
def test_a_series_of_edits_built_incrementally_equals_full_builds(
    collection: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resident: bool, apart: bool
) -> None:
    """``resident``: every build in one session, as ``serve`` makes them; its cache is
    written after every other build only, so both ways of starting a build are seen.
    ``apart``: each build clusters in a forked copy, as a large collection's do."""
    if apart:
        from site_builder import build

        monkeypatch.setattr(build, "APART_FROM", 1)
    site, cache = tmp_path / "site", tmp_path / "cache"
    options = BuildOptions(collection / "seeds", collection / "content", (TEMPLATES,), site, cache)
    session = BuildSession() if resident else None
    build_site(options, session=session)
    for step, (name, edit) in enumerate(EDITS):
        edit(collection)
        report = build_site(options, session=session)
        if session is not None and step % 2:
            session.settle()
        full = tmp_path / f"full-{step}"
        build_site(BuildOptions(collection / "seeds", collection / "content", (TEMPLATES,), full))
        mine, theirs = _files(site), _files(full)
        assert sorted(mine) == sorted(theirs), f"after {name!r}: other files"
        stale = [path for path in theirs if mine[path] != theirs[path]]
        assert not stale, f"after {name!r}: stale {stale[:5]}"
        assert report.up_to_date is False
        shutil.rmtree(full)


def test_an_edit_to_one_article_re_renders_a_few_pages(collection: Path, tmp_path: Path) -> None:
    options = BuildOptions(
        collection / "seeds", collection / "content", (TEMPLATES,), tmp_path / "s", tmp_path / "c"
    )
    first = build_site(options)
    _edit_one_word(collection)
    again = build_site(options)
    made = again.pages - again.reused_pages
    assert again.cached_articles == first.articles - 1
    # Its page and its search shard: nothing else shows its body (not digest.json, not the
    # cleaning report, whose entries for it are unchanged).
    assert made == 2, f"{made} files made for a one-word edit"


def test_a_failed_incremental_build_leaves_the_site_and_the_next_build_repairs(
    collection: Path, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    site = tmp_path / "site"
    options = BuildOptions(
        collection / "seeds", collection / "content", (templates,), site, tmp_path / "c"
    )
    build_site(options)
    before = _files(site)
    story = templates / "story.html"
    good = story.read_text(encoding="utf-8")
    story.write_text(good.replace("{% block content %}", "{% block content %}{{ nope.x }}"))
    with pytest.raises(Exception, match="story.html"):
        build_site(options)
    assert _files(site) == before
    story.write_text(good, encoding="utf-8")
    _edit_one_word(collection)
    build_site(options)
    full = tmp_path / "full"
    build_site(BuildOptions(collection / "seeds", collection / "content", (templates,), full))
    assert _files(site) == _files(full)


def test_a_resident_session_sees_what_another_build_wrote(collection: Path, tmp_path: Path) -> None:
    """A build from another process between two of the session's: the session's values
    from memory are stale, the cache files on disk are not."""
    options = BuildOptions(
        collection / "seeds", collection / "content", (TEMPLATES,), tmp_path / "s", tmp_path / "c"
    )
    session = BuildSession()
    build_site(options, session=session)
    session.settle()
    _edit_one_word(collection)
    build_site(options)  # as another process would: no session
    _seed(collection, 4).write_text("A new headline\n" + "Body text. " * 40, encoding="utf-8")
    again = build_site(options, session=session)
    assert again.cached_articles == again.articles - 1
    full = tmp_path / "full"
    build_site(BuildOptions(collection / "seeds", collection / "content", (TEMPLATES,), full))
    assert _files(tmp_path / "s") == _files(full)


def test_a_resident_session_picks_up_an_edited_template(collection: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    site = tmp_path / "site"
    options = BuildOptions(
        collection / "seeds", collection / "content", (templates,), site, tmp_path / "c"
    )
    session = BuildSession()
    build_site(options, session=session)
    story = templates / "story.html"
    story.write_text(
        story.read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}<p>edited template</p>"
        ),
        encoding="utf-8",
    )
    build_site(options, session=session)
    pages = sorted((site / "stories").glob("*.html"))
    assert pages and all("edited template" in p.read_text(encoding="utf-8") for p in pages)


@pytest.mark.parametrize("apart", [False, True], ids=["clustering-here", "clustering-apart"])
@pytest.mark.parametrize("lost", ["summaries", "features"])
def test_what_the_cache_lost_is_computed_again(
    collection: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lost: str, apart: bool
) -> None:
    from site_builder import build

    monkeypatch.setattr(build, "APART_FROM", 1 if apart else 10**9)
    options = BuildOptions(
        collection / "seeds", collection / "content", (TEMPLATES,), tmp_path / "s", tmp_path / "c"
    )
    build_site(options)
    for shard in (tmp_path / "c").glob(f"{lost}-*.pickle"):
        shard.unlink()
    _edit_one_word(collection)
    build_site(options)
    full = tmp_path / "full"
    build_site(BuildOptions(collection / "seeds", collection / "content", (TEMPLATES,), full))
    assert _files(tmp_path / "s") == _files(full)


def test_the_index_written_in_the_background_serves_the_next_build(
    collection: Path, tmp_path: Path
) -> None:
    """A first build writes its many index shards from a forked copy while it clusters;
    the next build finds every article in them."""
    options = BuildOptions(
        collection / "seeds", collection / "content", (TEMPLATES,), tmp_path / "s", tmp_path / "c"
    )
    first = build_site(options)
    assert len(list((tmp_path / "c").glob("features-*.pickle"))) > 4
    (collection / "seeds" / "unrelated.tmp").write_text("not an article", encoding="utf-8")
    again = build_site(options)
    assert again.cached_articles == first.articles


def test_work_in_the_background_is_waited_for_and_its_failure_reported(tmp_path: Path) -> None:
    from site_builder.cache import BuildCache

    cache = BuildCache(tmp_path / "cache")
    done = tmp_path / "done"
    wait = cache.write_in_background(lambda: done.write_text("yes", encoding="utf-8"), worth=True)
    wait()
    assert done.read_text(encoding="utf-8") == "yes"

    def fail() -> None:
        raise OSError("disk full")

    with pytest.warns(UserWarning, match="background"):
        cache.write_in_background(fail, worth=True)()
    cache.write_in_background(lambda: (tmp_path / "here").touch(), worth=False)
    assert (tmp_path / "here").exists()  # not worth a fork: done before it returns


def test_a_function_called_in_a_forked_copy_is_asked_answers_then_goes_on(
    tmp_path: Path,
) -> None:
    from site_builder.background import ForkedCallLost, call_forked

    then = tmp_path / "then"

    def doubles(question: Callable[[], list[int]]) -> tuple[list[int], Callable[[], None]]:
        started = os.getpid()  # the work before the question is the copy's
        answer = [2 * n for n in question()] + [started]
        return answer, lambda: then.write_text("done", encoding="utf-8")

    call = call_forked(doubles)
    assert call is not None
    call.ask(list(range(100_000)))  # more than a pipe holds at once
    answer = call.result()
    assert answer[:-1] == [2 * n for n in range(100_000)] and answer[-1] == call.pid
    assert call.wait() and then.read_text(encoding="utf-8") == "done"

    call = call_forked(doubles)  # never asked: it ends, quietly, without answering
    assert call is not None and not call.wait()

    def refuses(question: object) -> tuple[int, Callable[[], None]]:
        raise ValueError("features computed with other topics")

    call = call_forked(refuses)
    assert call is not None
    with pytest.raises(ValueError, match="other topics") as raised:
        call.result()
    assert "in refuses" in "".join(raised.value.__notes__)  # where, in the copy
    assert not call.wait()

    call = call_forked(lambda question: os._exit(9))  # killed, say
    assert call is not None
    with pytest.raises(ForkedCallLost):
        call.result()
    assert not call.wait()

    def disk_full() -> None:
        raise OSError("disk full")

    call = call_forked(lambda question: (1, disk_full))
    assert call is not None and call.result() == 1 and not call.wait()


def _built_with_a_cache(collection: Path, tmp_path: Path) -> BuildOptions:
    options = BuildOptions(
        collection / "seeds", collection / "content", (TEMPLATES,), tmp_path / "s", tmp_path / "c"
    )
    build_site(options)
    return options


Replace = Callable[..., None]  # (what the copy runs instead, [the function it replaces])


@pytest.fixture
def clustering_apart(monkeypatch: pytest.MonkeyPatch) -> Replace:
    """Rebuilds cluster in a forked copy; the copy runs what it is given instead of its
    clustering (or of another step of its work, named)."""
    from site_builder import build

    monkeypatch.setattr(build, "APART_FROM", 1)
    parent = os.getpid()

    def replace(in_the_copy: Callable[..., object], name: str = "cluster_features") -> None:
        real = getattr(build, name)

        def step(*args: object, **kwargs: object) -> object:
            if os.getpid() != parent:
                return in_the_copy(*args, **kwargs)
            return real(*args, **kwargs)

        monkeypatch.setattr(build, name, step)

    return replace


def test_a_lost_clustering_copy_leaves_the_stories_to_the_build(
    collection: Path, tmp_path: Path, clustering_apart: Replace
) -> None:
    options = _built_with_a_cache(collection, tmp_path)
    site = options.output
    _edit_one_word(collection)
    full = tmp_path / "full"
    build_site(BuildOptions(collection / "seeds", collection / "content", (TEMPLATES,), full))
    clustering_apart(lambda *args, **kwargs: os._exit(9))  # killed, say
    with pytest.warns(UserWarning, match="without an answer"):
        build_site(options)
    assert _files(site) == _files(full)


@pytest.mark.parametrize("failing", ["features_in_cache", "cluster_features"])  # unasked, asked
def test_a_clustering_copy_that_fails_fails_the_build(
    collection: Path, tmp_path: Path, clustering_apart: Replace, failing: str
) -> None:
    options = _built_with_a_cache(collection, tmp_path)
    site = options.output
    before = _files(site)

    def refuses(*args: object, **kwargs: object) -> None:
        raise ValueError("features computed with other topics")

    clustering_apart(refuses, failing)
    _edit_one_word(collection)
    with pytest.raises(ValueError, match="other topics"):
        build_site(options)
    assert _files(site) == before


@pytest.mark.parametrize("failing", ["save_index", "save_memo"])
def test_what_the_clustering_copy_fails_to_save_is_reported_and_made_again(
    collection: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    from site_builder import build

    options = _built_with_a_cache(collection, tmp_path)
    monkeypatch.setattr(build, "APART_FROM", 1)
    saves = getattr(build, failing)

    def disk_full(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(build, failing, disk_full)
    _edit_one_word(collection)
    with pytest.warns(UserWarning, match="failed to save its memo or the cache's index"):
        report = build_site(options)
    assert report.stories > 0
    monkeypatch.setattr(build, failing, saves)
    (collection / "seeds" / "unrelated.tmp").write_text("not an article", encoding="utf-8")
    again = build_site(options)  # the edited article again, if the index lacks it
    assert again.cached_articles == report.articles - (failing == "save_index")
    full = tmp_path / "full"
    build_site(BuildOptions(collection / "seeds", collection / "content", (TEMPLATES,), full))
    assert _files(options.output) == _files(full)


def test_a_build_with_nothing_to_do_stops_its_clustering_copy(
    collection: Path, tmp_path: Path, clustering_apart: Replace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from site_builder.background import ForkedCall

    options = _built_with_a_cache(collection, tmp_path)
    stopped: list[int] = []
    kill = ForkedCall.kill
    monkeypatch.setattr(ForkedCall, "kill", lambda call: (stopped.append(call.pid), kill(call)))
    assert build_site(options).up_to_date
    assert len(stopped) == 1  # started while the inputs were stated, stopped once unchanged
    with pytest.raises(ProcessLookupError):
        os.kill(stopped[0], 0)  # and gone


def test_a_serial_build_runs_in_one_process(
    collection: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--jobs 1``: no worker, and no copy of the build either (files made ahead, the
    index written in the background, a rebuild's clustering)."""
    from site_builder import build

    monkeypatch.setattr(build, "AHEAD_FROM", 1)
    monkeypatch.setattr(build, "APART_FROM", 1)

    def no_fork() -> int:
        raise AssertionError("a serial build forked")

    monkeypatch.setattr(os, "fork", no_fork)
    options = BuildOptions(
        collection / "seeds",
        collection / "content",
        (TEMPLATES,),
        tmp_path / "site",
        tmp_path / "cache",
        jobs=1,
    )
    build_site(options)
    _edit_one_word(collection)
    assert build_site(options).cached_articles > 0
