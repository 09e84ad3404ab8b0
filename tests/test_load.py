from pathlib import Path
from typing import Any

import pytest

from site_builder import load
from site_builder.load import (
    decode_text,
    load_content,
    read_actors,
    scan_content,
    split_front_matter,
)
from site_builder.problems import InputError

from .conftest import write_files


def test_seed_ids_are_file_stems_and_sorted(tmp_path: Path) -> None:
    write_files(tmp_path, {"seeds/b.txt": "B\nbody", "seeds/a.txt": "A\nbody"})
    content = load_content(tmp_path / "seeds", tmp_path / "content")
    assert [a.id for a in content.articles] == ["a", "b"]
    assert content.articles[0].lines == ("A", "body")


def test_markdown_without_body_adds_metadata_to_the_seed(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "seeds/a.txt": "Headline\nBody text.",
            "content/a.md": "---\ndate: 2013-12-05\nsource: ynet\nurl: https://x.test/a\n"
            "author: Jane Roe\n---\n",
        },
    )
    (article,) = load_content(tmp_path / "seeds", tmp_path / "content").articles
    assert article.format == "text"
    assert (article.meta.date, article.meta.source, article.meta.author) == (
        "2013-12-05",
        "ynet",
        "Jane Roe",
    )


def test_markdown_with_body_is_an_article(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/note.md": "---\ntitle: A note\n---\nSome *text*.\n"})
    (article,) = load_content(tmp_path / "seeds", tmp_path / "content").articles
    assert (article.id, article.format, article.meta.title) == ("note", "markdown", "A note")


def test_malformed_front_matter_names_file_and_line_and_the_rest_loads(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "content/bad.md": "---\ntitle: ok\ndate: [2013\n---\nbody\n",
            "seeds/good.txt": "Headline\nBody",
        },
    )
    content = load_content(tmp_path / "seeds", tmp_path / "content")
    assert [a.id for a in content.articles] == ["good"]
    (problem,) = content.problems
    assert problem.path.endswith("bad.md") and problem.line is not None and problem.line >= 3


def test_yaml_tags_that_construct_objects_are_refused() -> None:
    with pytest.raises(InputError):
        split_front_matter("---\ntitle: !!python/object/apply:os.system ['true']\n---\n")


def test_unknown_front_matter_keys_are_errors() -> None:
    with pytest.raises(InputError, match="unknown front matter"):
        split_front_matter("---\ntitel: x\n---\nbody")


@pytest.mark.parametrize(
    "data",
    [
        "\ufeffשלום עולם".encode(),
        "שלום עולם".encode("utf-16"),
        "שלום עולם".encode("cp1255"),
    ],
)
def test_hebrew_in_other_encodings_is_decoded(data: bytes) -> None:
    assert decode_text(data) == "שלום עולם"


def test_binary_files_are_refused() -> None:
    with pytest.raises(InputError, match="binary"):
        decode_text(b"\x89PNG\x00\x00\x01")


def test_duplicate_ids_keep_the_first_and_report_the_second(tmp_path: Path) -> None:
    write_files(tmp_path, {"seeds/a.txt": "A\nx", "seeds/sub/a.txt": "A again\ny"})
    content = load_content(tmp_path / "seeds", tmp_path / "content")
    assert len(content.articles) == 1
    assert "duplicate" in content.problems[0].message


def test_unsafe_file_names_are_refused(tmp_path: Path) -> None:
    write_files(tmp_path, {"seeds/bad name!.txt": "A\nx"})
    content = load_content(tmp_path / "seeds", tmp_path / "content")
    assert content.articles == () and "article id" in content.problems[0].message


def test_project_actors_load_with_names_in_both_languages() -> None:
    content = load_content(Path("/nonexistent"), Path(__file__).parent.parent / "content")
    kerry = next(a for a in content.actors if a.id == "john-kerry")
    assert set(kerry.names) == {"en", "he"} and not content.problems


def test_actors_with_unknown_keys_are_refused() -> None:
    with pytest.raises(InputError, match="unknown key"):
        read_actors([{"id": "x", "names": {"en": "X"}, "nmes": {}}])


@pytest.mark.parametrize("front_matter", ["story: ../../etc", "story: Visit 9"])
def test_story_pins_must_be_safe_ids(front_matter: str) -> None:
    with pytest.raises(InputError, match="story"):
        split_front_matter(f"---\n{front_matter}\n---\n")


def test_topic_ids_cannot_leave_the_output_folder() -> None:
    from site_builder.load import read_topics

    with pytest.raises(InputError, match="topic id"):
        read_topics([{"id": "../x", "names": {"en": "X"}, "keywords": {}}])


def test_huge_files_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    from site_builder.load import MAX_FILE_BYTES

    write_files(tmp_path, {"seeds/huge.txt": b"a" * (MAX_FILE_BYTES + 1), "seeds/ok.txt": "A\nb"})
    content = load_content(tmp_path / "seeds", tmp_path / "content")
    assert [a.id for a in content.articles] == ["ok"]
    assert "larger than" in content.problems[0].message


def test_files_read_by_worker_processes_give_what_one_process_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first build reads its files on worker processes: the same sources, problems and
    file table, in the same order, as reading them here."""
    files: dict[str, str | bytes] = {
        f"seeds/{n:03d}.txt": f"Headline {n}\nBody {n}." for n in range(40)
    }
    files.update({f"content/{n:03d}.md": f"---\nsource: site{n}\n---\n" for n in range(0, 40, 3)})
    files.update(
        {
            "seeds/empty.txt": "",
            "seeds/bad name!.txt": "A\nx",
            "seeds/sub/001.txt": "A duplicate\ny",
            "content/bad.md": "---\ntitle: ok\ndate: [2013\n---\nbody\n",
            "content/orphan.md": "---\nsource: nowhere\n---\n",
            "content/note.md": "---\ntitle: A note\n---\nSome *text*.\n",
        }
    )
    write_files(tmp_path, files)
    serial = scan_content(tmp_path / "seeds", tmp_path / "content", jobs=1)
    monkeypatch.setattr(load, "PARALLEL_READS_FROM", 1)
    monkeypatch.setattr(load, "READ_CHUNK", 7)
    read_here: list[Path] = []  # forked workers append to their own copies
    read_record = load._read_record

    def spy(path: Path, *rest: Any) -> load.FileRecord:
        read_here.append(path)
        return read_record(path, *rest)

    monkeypatch.setattr(load, "_read_record", spy)
    parallel = scan_content(tmp_path / "seeds", tmp_path / "content", jobs=2)
    assert parallel == serial
    assert len(serial.sources) == 41 and len(serial.problems) == 5
    assert read_here == []  # every file was read by a worker
