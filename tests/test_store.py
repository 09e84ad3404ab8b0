"""The article store: records by key, one database per generation, safe across forks."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from site_builder.analyse import AnalysedArticle
from site_builder.clean import CleanArticle
from site_builder.load import ArticleMeta
from site_builder.store import ArticleStore, StoredArticle, StoreRow, pack, pack_words


def _row(key: str, title: str) -> tuple[str, StoreRow]:
    return key, StoreRow(
        key, pack(_record(title)), pack_words(f"{title} words"), f'{{"id": "{key}"}}'
    )


def _record(title: str) -> StoredArticle:
    clean = CleanArticle("a", "a.txt", title, None, None, (), (), ArticleMeta())
    return StoredArticle(AnalysedArticle(clean, "en", (), None), (f"<p>{title}</p>",))


def test_records_come_back_as_they_went_in(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path, "g1")
    store.put_many([_row("k1", "one"), _row("k2", "two")])
    assert store.get("k2") == _record("two")
    store.close()
    assert ArticleStore(tmp_path, "g1").get("k1") == _record("one")  # committed


def test_a_missing_record_says_how_to_recover(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="--clean"):
        ArticleStore(tmp_path, "g1").get("nope")


def test_records_of_gone_articles_are_dropped(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path, "g1")
    store.put_many([_row(k, k) for k in ("c", "a", "b")])
    assert list(store.cleaning_entries()) == ['{"id": "a"}', '{"id": "b"}', '{"id": "c"}']
    assert store.search_words(["a"]) == {"a": ["a", "words"]}
    assert store.keep_only(["b"]) == 2
    assert store.get("b") == _record("b")
    with pytest.raises(KeyError):
        store.get("a")


def test_another_generation_replaces_the_old_database_whole(tmp_path: Path) -> None:
    old = ArticleStore(tmp_path, "old-generation")
    old.put_many([_row("k", "x")])
    old.close()
    new = ArticleStore(tmp_path, "new-generation")
    new.put_many([_row("k", "y")])
    new.discard_other_generations()
    deadline = time.monotonic() + 10
    while any(p.name.startswith("old-gen") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "the old database is still there"
        time.sleep(0.05)
    assert new.get("k") == _record("y")


def _read_in_child(store: ArticleStore, key: str, queue: multiprocessing.Queue) -> None:
    queue.put(store.get(key).body_html)


def test_forked_workers_read_with_their_own_connection(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path, "g1")
    store.put_many([_row("k", "forked")])
    store.close()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_read_in_child, args=(store, "k", queue))
    child.start()
    child.join(30)
    assert queue.get(timeout=5) == ("<p>forked</p>",)
    assert store.get("k") == _record("forked")  # the parent's connection still works
