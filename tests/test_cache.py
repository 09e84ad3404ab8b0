"""The build cache: entries kept in memory by a long-running process, saves deferred."""

from pathlib import Path

from site_builder.cache import BuildCache


def test_a_resident_value_is_handed_out_while_its_file_is_unchanged(tmp_path: Path) -> None:
    resident: dict = {}
    BuildCache(tmp_path).save("entry", [1, 2])
    first = BuildCache(tmp_path, resident).load("entry")
    assert first == [1, 2]
    assert BuildCache(tmp_path, resident).load("entry") is first  # not unpickled again


def test_a_file_written_by_another_process_replaces_the_resident_value(tmp_path: Path) -> None:
    resident: dict = {}
    BuildCache(tmp_path).save("entry", "old")
    assert BuildCache(tmp_path, resident).load("entry") == "old"
    BuildCache(tmp_path).save("entry", "new")  # another process, no resident values
    assert BuildCache(tmp_path, resident).load("entry") == "new"


def test_deferred_saves_reach_the_disk_in_order_when_written(tmp_path: Path) -> None:
    resident: dict = {}
    pending: list = []
    cache = BuildCache(tmp_path, resident, pending)
    cache.save("entry", "first")
    cache.save("entry", "second")
    assert not (tmp_path / "entry").exists()
    cache.write_deferred()
    assert pending == []
    assert BuildCache(tmp_path).load("entry") == "second"
    assert BuildCache(tmp_path, resident).load("entry") == "second"


def test_forgetting_an_entry_drops_its_waiting_save(tmp_path: Path) -> None:
    pending: list = []
    cache = BuildCache(tmp_path, {}, pending)
    cache.save("entry", "value")
    cache.save("other", "kept")
    cache.forget("entry")
    cache.write_deferred()
    assert BuildCache(tmp_path).load("entry") is None
    assert BuildCache(tmp_path).load("other") == "kept"


def test_an_entry_saved_by_older_code_is_a_miss(tmp_path: Path) -> None:
    """A file table from before a field was added to ArticleSource: read as nothing,
    never a crash (the file table outlives code versions)."""
    import pickle

    from site_builder.load import ArticleMeta, ArticleSource, load_file_table

    class OldSource:
        def __reduce__(self) -> tuple[object, tuple[object, ...]]:
            return (ArticleSource, ("a", "seeds/a.txt", "text", "0" * 40, ArticleMeta()))

    cache = BuildCache(tmp_path)
    (tmp_path / "input-files-00.pickle").write_bytes(pickle.dumps({"seeds/a.txt": OldSource()}))
    assert cache.load("input-files-00.pickle") is None
    assert load_file_table(cache) == {}
