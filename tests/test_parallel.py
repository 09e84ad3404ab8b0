"""Worker processes and a Dask cluster give exactly the site a serial build gives."""

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder import process
from site_builder.analyse import prepare_analysis
from site_builder.build import BuildOptions, build_site
from site_builder.load import load_content
from site_builder.render import PageSpec, _chunks

from .conftest import CONTENT, SEEDS, TEMPLATES


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def serial_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("serial") / "site"
    build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), output, jobs=1))
    return output


def test_worker_processes_for_articles_and_pages_give_the_same_site_as_a_serial_build(
    serial_site: Path, tmp_path: Path
) -> None:
    build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), tmp_path / "site", jobs=2))
    assert _files(tmp_path / "site") == _files(serial_site)


def test_files_made_ahead_while_clustering_give_the_same_site(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from site_builder import build, render

    made: list[str] = []  # the files the build took from its copy
    monkeypatch.setattr(build, "AHEAD_FROM", 1)
    move = render.apply_changes

    def spy(source: Path, target: Path, paths: list[str], stale: object) -> None:
        if ".ahead-" in str(source):
            made.extend(paths)
        move(source, target, paths, stale)

    monkeypatch.setattr(render, "apply_changes", spy)
    output = tmp_path / "site"
    build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), output, tmp_path / "cache", jobs=2))
    assert _files(output) == _files(serial_site)
    assert "_report/cleaning.json" in made and any(p.startswith("assets/search/") for p in made)
    assert not list(tmp_path.glob(".site.ahead-*"))  # the folder goes with the build
    # the next build (other options) finds the index and the input table the copy wrote:
    # nothing is processed, no input file read
    assert set(_known_inputs(tmp_path / "cache")) >= {str(p) for p in SEEDS.glob("*.txt")}
    report = build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), output, tmp_path / "cache"))
    assert report.cached_articles == report.articles


def _known_inputs(cache: Path) -> list[str]:
    from site_builder.cache import BuildCache
    from site_builder.load import load_file_table

    return sorted(load_file_table(BuildCache(cache)))


@pytest.mark.parametrize("failing", ["save_shards", "make_ahead"])  # its first, its last task
def test_a_failed_copy_leaves_its_files_to_the_build(
    serial_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    from site_builder import build

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(build, "AHEAD_FROM", 1)
    owner = build.ProcessedArticles if failing == "save_shards" else build
    monkeypatch.setattr(owner, failing, fail)
    with pytest.warns(UserWarning, match="copy"):
        build_site(
            BuildOptions(
                SEEDS, CONTENT, (TEMPLATES,), tmp_path / "site", tmp_path / "cache", jobs=2
            )
        )
    assert _files(tmp_path / "site") == _files(serial_site)
    # the input table, saved by the copy or, if it failed first, by the build
    assert set(_known_inputs(tmp_path / "cache")) >= {str(p) for p in SEEDS.glob("*.txt")}


def test_a_dask_cluster_gives_the_same_site_as_a_local_build(
    serial_site: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:
        report = build_site(
            BuildOptions(
                SEEDS, CONTENT, (TEMPLATES,), tmp_path / "site", scheduler=cluster.scheduler_address
            )
        )
    assert not report.errors
    assert _files(tmp_path / "site") == _files(serial_site)
    shutil.rmtree(tmp_path / "site")


@given(
    heavy=st.lists(st.booleans(), max_size=3000),
    workers=st.integers(min_value=1, max_value=16),
    data=st.data(),
)
def test_page_tasks_hold_every_file_once_heavy_ones_first_and_alone(
    heavy: list[bool], workers: int, data: st.DataObject
) -> None:
    specs = [PageSpec(f"p{i}", None, lambda env: "", heavy=h) for i, h in enumerate(heavy)]
    todo = sorted(data.draw(st.sets(st.integers(0, max(0, len(specs) - 1)))) if specs else [])
    chunks = _chunks(todo, specs, workers)
    assert sorted(i for chunk in chunks for i in chunk) == todo
    assert all(chunk for chunk in chunks)
    heavy_tasks = [chunk for chunk in chunks if any(specs[i].heavy for i in chunk)]
    assert heavy_tasks == chunks[: len(heavy_tasks)]
    assert all(len(chunk) == 1 for chunk in heavy_tasks)
    # the last tasks are small, so that the workers finish together
    assert all(len(chunk) <= max(1, len(todo) // (4 * workers)) for chunk in chunks[-workers:])


def test_a_batch_gives_each_article_what_it_gets_alone_and_a_failure_fails_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = load_content(SEEDS, CONTENT)
    data = prepare_analysis(loaded.actors, loaded.topics, ("en", "he"))
    batch = [(f"key{n}", raw) for n, raw in enumerate(loaded.articles)]
    alone = [process.process_batch([task], data)[0] for task in batch]
    assert process.process_batch(batch, data) == alone
    assert not any(isinstance(result, process.ArticleFailure) for result in alone)

    broken = batch[1][1].path
    entry = process.cleaning_entry

    def fails_for_one(analysed):
        if analysed.clean.path == broken:
            raise ValueError("no entry")
        return entry(analysed)

    monkeypatch.setattr(process, "cleaning_entry", fails_for_one)
    results = process.process_batch(batch, data)
    assert results[1] == process.ArticleFailure(broken, "ValueError: no entry; article skipped")
    assert results[:1] + results[2:] == alone[:1] + alone[2:]
