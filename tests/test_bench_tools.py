"""The benchmark scripts that explain the build's speed run on a generated corpus (their
figures are a benchmark's, never a test's: Valgrind itself is not run here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
from generate import generate  # noqa: E402


def test_counted_run_processes_articles(tmp_path: Path) -> None:
    generate(tmp_path, 4, seed=3)
    run = subprocess.run(
        [sys.executable, str(BENCH / "instructions.py"), str(tmp_path), "--process", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "_site").exists()  # processing only: nothing is built


def test_the_batch_benchmark_runs(tmp_path: Path) -> None:
    generate(tmp_path, 6, seed=5)
    run = subprocess.run(
        [sys.executable, str(BENCH / "batch_bench.py"), str(tmp_path), "--warm", "2"]
        + ["--batch", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "in batches" in run.stdout and "a topic scan" in run.stdout
