"""bench/instructions.py's counted run works on a generated corpus (Valgrind itself is
not run here: the count is a benchmark figure, never a test's)."""

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
