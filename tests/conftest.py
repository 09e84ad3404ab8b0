"""Shared fixtures: the project's paths and mini-sites declared inline."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from hypothesis import settings

from site_builder.build import BuildOptions, build_site
from site_builder.report import BuildReport

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"
CONTENT = PROJECT / "content"
TEMPLATES = PROJECT / "templates"

# CI runs the property tests with a fixed seed, so a submission never fails on the
# luck of the draw; local runs keep exploring new examples every time.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write a dict of relative path -> text (or bytes) under ``root``."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


@pytest.fixture
def mini_site(tmp_path: Path) -> Callable[..., tuple[BuildReport, Path]]:
    """Build a site from inline files: ``mini_site({"seeds/a.txt": "...", ...})``."""

    def build(files: Mapping[str, str | bytes], with_project_content: bool = True):
        root = tmp_path / "project"
        if with_project_content:
            shutil.copytree(CONTENT, root / "content", dirs_exist_ok=True)
        (root / "seeds").mkdir(parents=True, exist_ok=True)
        (root / "content").mkdir(parents=True, exist_ok=True)
        write_files(root, files)
        output = tmp_path / "site"
        report = build_site(BuildOptions(root / "seeds", root / "content", (TEMPLATES,), output))
        return report, output

    return build


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds built once per test session."""
    output = tmp_path_factory.mktemp("seed-site") / "_site"
    build_site(BuildOptions(SEEDS, CONTENT, (TEMPLATES,), output))
    return output
