"""Running the per-article stages on a Dask cluster (``--scheduler ADDRESS``).

For collections that outgrow one machine.  Articles go to the workers in
batches; results come back in input order, so the site is the same as a
local build.  Needs ``pip install .[dask]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .analyse import AnalysisData
from .load import RawArticle
from .process import Result, process_batch

BATCH = 200  # articles per Dask task: large enough to amortise scheduling


def run_on_dask(
    address: str, todo: Sequence[tuple[str, RawArticle]], data: AnalysisData
) -> Iterator[Result]:
    """Results for ``todo``, in order, computed by the cluster at ``address``."""
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError("--scheduler needs Dask: pip install '.[dask]'") from exc
    batches = [list(todo[i : i + BATCH]) for i in range(0, len(todo), BATCH)]
    with Client(address) as client:
        shared = client.scatter(data, broadcast=True)
        # On a worker, a batch is processed stage by stage; packed records come back (the
        # build machine keeps the store).
        futures = client.map(process_batch, batches, data=shared, pure=False)
        for future in futures:
            yield from future.result()
