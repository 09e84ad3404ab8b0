"""Worker processes and a Dask cluster give exactly the site a serial build gives."""

import shutil
from pathlib import Path

import pytest

from site_builder.build import BuildOptions, build_site

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
