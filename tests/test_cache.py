"""The build cache: entries kept in memory by a long-running process, saves deferred."""

from pathlib import Path

import pytest

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


@pytest.mark.parametrize("kind", ["features", "summaries"])
def test_a_shard_read_and_saved_again_and_again_holds_each_word_once(
    kind: str, tmp_path: Path
) -> None:
    """Read with its words shared (no interning per use of a word), a cache shard of
    features or summaries equals what was saved, and saving it again after an edit
    writes each word once: not a copy more per build."""
    from site_builder.summary import summarise

    from .test_cluster_incremental import features_of, larger_corpus

    articles = larger_corpus()
    if kind == "features":
        saved = {f.id: f for f in features_of(articles)}

        def words(record: object) -> list[str]:
            return list(record.terms)  # type: ignore[attr-defined]

    else:
        saved = {a.id: summarise(a) for a in articles}

        def words(record: object) -> list[str]:
            summary = record
            return [
                summary.language,  # type: ignore[attr-defined]
                *summary.actor_ids,  # type: ignore[attr-defined]
                *summary.topics,  # type: ignore[attr-defined]
                *summary.removal_rules,  # type: ignore[attr-defined]
            ]

    cache = BuildCache(tmp_path)
    cache.save("shard.pickle", saved)
    edited = dict(list(saved.items())[:1])  # an edit's record: made, not read
    for _ in range(3):
        loaded = cache.load("shard.pickle", words_shared=True)
        assert loaded == saved
        copies: dict[str, set[int]] = {}
        for record in loaded.values():
            for word in words(record):
                copies.setdefault(word, set()).add(id(word))
        assert copies and all(len(ids) == 1 for ids in copies.values())
        cache.save("shard.pickle", {**loaded, **edited})
