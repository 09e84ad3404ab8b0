"""The article store: every processed article's full record, one file per article.

The build keeps only small summaries of all articles in memory; an article's
whole text is read back from here when its own page is rendered.  That is
what lets a hundred thousand articles build in bounded memory, and lets an
edit rewrite one small file instead of a shard holding thousands.

Records are named by the article's cache key (a content hash), so a record
is never stale: an edited article gets a new key, and records no build uses
any more are swept away after a successful build.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterable
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


class ArticleStore:
    """A folder of pickled StoredArticle records by key; safe for parallel writers.

    Records live in a folder per ``generation`` (the key of the code and the
    shared inputs): when those change, every record is superseded at once,
    and the old folder goes as a whole, not file by file.
    """

    def __init__(self, root: Path, generation: str) -> None:
        self.root = root
        self.folder = root / generation[:16]

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def __contains__(self, key: str) -> bool:
        return self._file(key).is_file()

    def put(self, key: str, record: StoredArticle) -> None:
        """Write atomically: a reader never sees half a record, and writers may race."""
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{key[:12]}.")
        try:
            with os.fdopen(handle, "wb") as out:
                dump(record, out)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> StoredArticle:
        with open(self._file(key), "rb") as handle, paused_gc():
            record = pickle.load(handle)
        if not isinstance(record, StoredArticle):
            raise TypeError(f"article store entry {key} is not an article record")
        return record

    def keep_only(self, keys: Iterable[str]) -> int:
        """Delete the records of articles no longer in the collection; return how many."""
        wanted = set(keys)
        removed = 0
        if not self.folder.is_dir():
            return 0
        for bucket in os.scandir(self.folder):
            if not bucket.is_dir():
                continue
            for entry in os.scandir(bucket.path):
                name = entry.name
                if name.endswith(".pickle") and name[: -len(".pickle")] not in wanted:
                    os.unlink(entry.path)
                    removed += 1
                elif name.startswith("."):  # a writer killed mid-write
                    os.unlink(entry.path)
        return removed

    def discard_other_generations(self) -> None:
        if self.root.is_dir():
            for entry in os.scandir(self.root):
                if entry.is_dir() and entry.path != str(self.folder):
                    discard(Path(entry.path))
