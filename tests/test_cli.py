"""The command line as users run it: exit codes, check, add, clean, strict builds."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.cli import main

from .conftest import CONTENT, PROJECT, SEEDS, write_files

SEED = sorted(SEEDS.glob("*.txt"))[3]


def _build(tmp_path: Path, *extra: str, seeds: Path = SEEDS) -> int:
    return main(
        [
            "--seeds",
            str(seeds),
            "--content",
            str(CONTENT),
            "--output",
            str(tmp_path / "_site"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "-q",
            *extra,
        ]
    )


def test_help_explains_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("build", "serve", "check", "clean", "add", "actors"):
        assert command in result.stdout


def test_a_good_build_exits_0_and_a_usage_error_exits_2(tmp_path: Path) -> None:
    assert _build(tmp_path) == 0
    assert main(["build", "--no-such-option"]) == 2


def test_input_errors_exit_1_but_the_rest_of_the_site_builds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write_files(seeds, {"good.txt": "Headline\nBody.", "bad.txt": b"\x00\x01binary"})
    assert _build(tmp_path, seeds=seeds) == 1
    assert (tmp_path / "_site" / "articles" / "good.html").is_file()


def test_strict_builds_stop_on_input_errors_and_keep_the_last_site(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write_files(seeds, {"good.txt": "Headline\nBody."})
    assert _build(tmp_path, seeds=seeds) == 0
    before = (tmp_path / "_site" / "index.html").read_bytes()
    write_files(seeds, {"new.txt": "New headline\nNew body.", "bad.txt": b""})
    assert _build(tmp_path, "--strict", seeds=seeds) == 1
    assert (tmp_path / "_site" / "index.html").read_bytes() == before
    assert not (tmp_path / "_site" / "articles" / "new.html").exists()


def test_check_passes_a_built_site_and_fails_a_broken_one(tmp_path: Path, capsys) -> None:
    assert _build(tmp_path) == 0
    site = tmp_path / "_site"
    assert main(["check", "--output", str(site), "--no-html"]) == 0
    index = site / "index.html"
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "</main>", '<a href="nowhere.html">x</a><a href="#missing">y</a></main>'
        ),
        encoding="utf-8",
    )
    assert main(["check", "--output", str(site), "--no-html"]) == 1
    out = capsys.readouterr().out
    assert "broken link nowhere.html" in out and "no anchor #missing" in out


def test_base_url_option_publishes_under_a_sub_path(tmp_path: Path) -> None:
    assert _build(tmp_path, "--base-url", "https://example.org/digest") == 0
    sitemap = (tmp_path / "_site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.org/digest/index.html" in sitemap


def test_add_imports_a_file_and_stdin_under_numbered_hash_ids(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    assert main(["add", str(SEED), "--seeds", str(seeds)]) == 0
    (added,) = seeds.iterdir()
    assert added.name.startswith("000_") and added.suffix == ".txt" and len(added.stem) == 20
    assert main(["add", str(SEED), "--seeds", str(seeds)]) == 1  # the same article twice
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><body><p>Saved page</p></body></html>")
    assert main(["add", str(page), "--seeds", str(seeds)]) == 0
    assert sorted(p.suffix for p in seeds.iterdir()) == [".html", ".txt"]
    result = subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), "add", "-", "--seeds", str(seeds)],
        input="Piped headline\nPiped body.\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "002_" in result.stdout


def test_clean_prints_json_for_programs(capsys) -> None:
    assert main(["clean", "--json", str(SEED)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"title", "subtitle", "author", "language", "paragraphs", "removals"}
    assert data["language"] == "en" and data["paragraphs"]


def test_clean_prints_front_matter_and_markdown(capsys) -> None:
    assert main(["clean", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\ntitle: ")


@pytest.mark.parametrize("args", [["clean", "/no/such/file.txt"], ["add", "/no/such/file"]])
def test_missing_files_are_errors_not_tracebacks(args: list[str]) -> None:
    assert main(args) == 1


def test_actors_suggest_writes_a_draft_that_actors_yaml_accepts(tmp_path: Path) -> None:
    import yaml

    from site_builder.load import read_actors

    draft = tmp_path / "draft.yaml"
    args = ["actors", "--suggest", "--seeds", str(SEEDS), "--content", str(CONTENT)]
    assert main([*args, "--output", str(draft)]) == 0
    people = read_actors(yaml.safe_load(draft.read_text(encoding="utf-8")))
    assert people and all(p.names for p in people)
