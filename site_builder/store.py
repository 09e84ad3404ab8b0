"""The article store: what each article's own page shows, in one SQLite file.

The build keeps only small summaries of all articles in memory; the record
an article's page needs is read back from here when that page is rendered.
That is what lets a hundred thousand articles build in bounded memory, and
lets an edit rewrite one record instead of a shard holding thousands.

Records are keyed by the article's cache key (a content hash), so a record is
never stale: an edited article gets a new key, and records no build uses any
more are deleted after a successful build.  SQLite (in the standard library)
rather than a file per article: creating ten thousand small files cost more
disk time than analysing the articles, and it gives atomic commits for free.
"""

from __future__ import annotations

import io
import os
import pickle
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .analyse import AnalysedArticle
from .cache import dump, paused_gc
from .output import discard


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """What an article's own page shows: its analysis and its body as HTML, rendered once
    on a worker."""

    article: AnalysedArticle  # without its text, terms, quotes and mentions (see process.py)
    body_html: tuple[str, ...]  # one safe HTML fragment per clean block


@dataclass(frozen=True, slots=True)
class StoreRow:
    """One article's row, made on the worker that processed it: its page's record, and
    what only the whole-collection files need (kept out of the build's memory)."""

    article_id: str
    record: bytes  # a packed StoredArticle
    search_words: bytes  # packed words (``pack_words``), for its search index shard
    cleaning_entry: str  # its line of _report/cleaning.json


def pack(record: StoredArticle) -> bytes:
    """A record as the store keeps it."""
    out = io.BytesIO()
    dump(record, out)
    return out.getvalue()


def pack_words(words: str) -> bytes:
    """Space-separated words as the store keeps them: compressed on the worker, so that
    the build process, which writes every row, does not also compress them."""
    return zlib.compress(words.encode("utf-8"), 1)


class ArticleStore:
    """Records by key, in one database per ``generation`` (the key of the code and the
    shared inputs): when those change, every record is superseded at once, and the old
    database goes as a whole.

    Written by the build process only; read by it and by its forked workers, each with
    a connection of its own.
    """

    def __init__(self, root: Path, generation: str) -> None:
        self.root = root
        self.path = root / f"{generation[:16]}.sqlite"
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    def _db(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():  # a forked worker
            self.root.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path, isolation_level=None)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            # Page records are large and read one by one; the report's entries and the
            # search words are small and read all together: two tables, so a scan of the
            # small ones never reads the large ones.  Rows go in rowid order, keyed by an
            # index: keys are hashes, and a table ordered by them (WITHOUT ROWID) had its
            # kilobyte rows shuffled on every insert, twice the time of the writes.
            for statement in (
                "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, data BLOB)",
                "CREATE TABLE IF NOT EXISTS extras (key TEXT PRIMARY KEY, id TEXT, "
                "search BLOB, cleaning TEXT)",
                "CREATE INDEX IF NOT EXISTS extras_by_id ON extras (id, key)",
            ):
                self._connection.execute(statement)
            self._pid = os.getpid()
        return self._connection

    def put_many(self, rows: Iterable[tuple[str, StoreRow]]) -> None:
        """Store rows by key, all in one transaction."""
        rows = list(rows)
        db = self._db()
        with db:
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR REPLACE INTO records VALUES (?, ?)",
                ((key, row.record) for key, row in rows),
            )
            db.executemany(
                "INSERT OR REPLACE INTO extras VALUES (?, ?, ?, ?)",
                (
                    (
                        key,
                        row.article_id,
                        row.search_words,
                        row.cleaning_entry,  # read for every build's report: kept as text
                    )
                    for key, row in rows
                ),
            )

    def get(self, key: str) -> StoredArticle:
        row = self._db().execute("SELECT data FROM records WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(f"article {key} is not in the store {self.path}; build with --clean")
        with paused_gc():
            record = pickle.loads(row[0])
        if not isinstance(record, StoredArticle):
            raise TypeError(f"article store entry {key} is not an article record")
        return record

    def search_words(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """The searchable words of the articles with these keys, by key."""
        db = self._db()
        found = {}
        for key in keys:
            row = db.execute("SELECT search FROM extras WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise KeyError(f"article {key} is not in the store {self.path}; build with --clean")
            found[key] = zlib.decompress(row[0]).decode("utf-8").split()
        return found

    def cleaning_entries(self) -> Iterator[str]:
        """Every article's cleaning report entry (JSON), by article id.  The store holds
        exactly the collection's articles once ``keep_only`` has run."""
        for (entry,) in self._db().execute("SELECT cleaning FROM extras ORDER BY id, key"):
            yield entry

    def cleaning_entry(self, key: str) -> str:
        """One article's cleaning report entry (JSON)."""
        row = self._db().execute("SELECT cleaning FROM extras WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(f"article {key} is not in the store {self.path}; build with --clean")
        return str(row[0])

    def keep_only(self, keys: Iterable[str]) -> int:
        """Delete the records of articles no longer in the collection; return how many."""
        db = self._db()
        wanted = set(keys)
        stale = [(k,) for (k,) in db.execute("SELECT key FROM records") if k not in wanted]
        if stale:
            with db:
                db.execute("BEGIN")
                db.executemany("DELETE FROM records WHERE key = ?", stale)
                db.executemany("DELETE FROM extras WHERE key = ?", stale)
        return len(stale)

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    def discard_other_generations(self) -> None:
        """Other generations' databases (and their journals): no build reads them again."""
        if not self.root.is_dir():
            return
        for entry in os.scandir(self.root):
            if not entry.name.startswith(self.path.name):
                discard(Path(entry.path))
