"""The build cache: per-article results and page fingerprints, keyed by content hash.

A key covers everything a result depends on: the input itself, the code
version (every module and data file of the package), and the shared inputs
(actors, topics, settings, templates).  Change any of them and the key
changes, so a stale result can never be served; the cache is only ever an
optimisation, and ``--clean`` (or deleting the folder) forces a full build.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import pickle
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from functools import cache
from importlib import resources
from pathlib import Path
from sys import intern
from typing import IO, Any

from .background import start_forked

CACHE_FORMAT = "4"  # the article store, and the index: summaries, features, their keys


@cache
def code_version() -> str:
    """A hash of the package's own files: a code change invalidates every cached result."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    root = resources.files("site_builder")
    for path in sorted(_package_files(Path(str(root)))):
        digest.update(path.relative_to(Path(str(root))).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _package_files(root: Path) -> Iterable[Path]:
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".json"):
            yield path


def fingerprint(*parts: Any) -> str:
    """A stable hash of values whose repr() is deterministic (dataclasses, tuples, str)."""
    return _hash_of_items(hashlib.sha256(), parts)


def _hash_of_items(digest: Any, items: Iterable[Any]) -> str:
    for item in items:
        digest.update(repr(item).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return str(digest.hexdigest())


def short_key(*parts: Any) -> str:
    """A short stable hash of values with a deterministic repr: a version tag to compare
    between builds (article cards, page keys), not a cache file name."""
    text = repr(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=12).hexdigest()


def short_key_of_items(items: Iterable[Any]) -> str:
    """``short_key`` of a long sequence, hashed item by item: the key of a file drawn from
    a hundred thousand articles, without a string of all their reprs in memory."""
    return _hash_of_items(hashlib.blake2b(digest_size=12), items)


def shard_of(name: str, shards: int) -> int:
    """The shard of a named entry (an article, a file): stable while the number of shards
    stays the same."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def files_fingerprint(folders: Iterable[Path]) -> str:
    """A hash of every file's path and contents under ``folders`` (templates, assets)."""
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_WORDS_SHARED = [False]  # true while a pickle whose words are shared is read


def interned(words: tuple[str, ...]) -> tuple[str, ...]:
    """A record's words as it is read back from a pickle: interned, so that records
    pickled one by one (a worker's results) share one copy of each word.

    A pickle of many records (a cache shard), read with ``BuildCache.load(...,
    words_shared=True)``, shares its words already: they were interned when pickled
    (``interned_for_pickle``), so the pickle holds each once and reads it back as one
    object.  Its words are left as they are: interning every use of them took up to
    half the time of reading it."""
    return words if _WORDS_SHARED[0] else tuple(map(intern, words))


def interned_word(word: str | None) -> str | None:
    """One word, as ``interned``."""
    return word if word is None or _WORDS_SHARED[0] else intern(word)


def interned_for_pickle(words: tuple[str, ...]) -> tuple[str, ...]:
    """A record's words as it is pickled: interned, whether or not they were when read
    (see ``interned``), so that a pickle of many records holds each word once."""
    return tuple(map(intern, words))


@contextmanager
def _reading_shared_words() -> Iterator[None]:
    _WORDS_SHARED[0] = True
    try:
        yield
    finally:
        _WORDS_SHARED[0] = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cycle collection while a large, acyclic structure is built.

    Loading ten thousand summaries allocates a few hundred thousand objects;
    each allocation burst triggers a collection that walks every object alive,
    which made loading three times slower than the unpickling itself.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def dump(value: Any, out: IO[bytes]) -> None:
    """Pickle for the cache: the package's dataclasses as calls of their constructor."""
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)


class _Pickler(pickle.Pickler):
    """Unpickling a frozen slots dataclass the default way goes through the pure-Python
    ``__setstate__`` of dataclasses, which made loading ten thousand summaries take
    seconds; a constructor call with the field values is twice as fast to load."""

    def reducer_override(self, obj: Any) -> Any:
        fields = _constructor_fields(type(obj))
        if fields is None:
            return NotImplemented
        return (type(obj), tuple([getattr(obj, name) for name in fields]))


@cache
def _constructor_fields(cls: type) -> tuple[str, ...] | None:
    """The fields to call ``cls`` with, for the package's own plain dataclasses only."""
    if not cls.__module__.startswith("site_builder.") or not dataclasses.is_dataclass(cls):
        return None
    if "__reduce__" in cls.__dict__:  # the class knows better
        return None
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields):
        return None
    return tuple(f.name for f in fields)


FileIdentity = tuple[int, int, int]  # inode, size, modification time


class BuildCache:
    """A folder of pickled values by key; a missing or broken entry is simply a miss.

    With ``resident`` (a mapping a long-running process keeps between builds),
    a value loaded or saved once is handed out again from memory for as long
    as its file is the one that value was read from or written to: unpickling
    a large collection's summaries and features costs more than a small
    rebuild.  Values handed out are shared, so the build treats them as
    read-only, as it must anyway for values it saves.
    """

    def __init__(
        self,
        folder: Path | None,
        resident: dict[str, tuple[FileIdentity, Any]] | None = None,
        deferred: list[tuple[str, Any]] | None = None,
    ) -> None:
        self.folder = folder
        self.resident = resident
        self.deferred = deferred  # given: saves wait there for write_deferred()
        self.hits = 0
        self.misses = 0

    def write_in_background(self, write: Callable[[], None], worth: bool) -> Callable[[], None]:
        """Start ``write`` (saves to this cache) in a forked copy of this process, if
        ``worth`` it and possible; return what waits for it to end.  The copy sees the
        build as it is now, and saves are atomic, file by file.  A cache kept in memory
        (``serve``), or none, is written here, before this returns."""
        forked = None
        if worth and self.folder is not None and self.resident is None:
            forked = start_forked(write)
        if forked is None:
            write()
            return lambda: None
        return lambda: _warn_unless(forked.wait())

    def load(self, name: str, words_shared: bool = False) -> Any:
        """The value saved as ``name``, or None.  ``words_shared``: a pickle of many
        records whose words it shares (see ``interned``)."""
        if self.folder is None:
            return None
        sharing = _reading_shared_words() if words_shared else nullcontext()
        try:
            with open(self.folder / name, "rb") as handle, paused_gc(), sharing:
                if self.resident is not None:
                    identity = _identity(os.fstat(handle.fileno()))
                    kept = self.resident.get(name)
                    if kept is not None and kept[0] == identity:
                        return kept[1]
                value = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None  # TypeError: a class of the package whose fields have changed since
        if self.resident is not None:
            self.resident[name] = (identity, value)
        return value

    def forget(self, name: str) -> None:
        if self.resident is not None:
            self.resident.pop(name, None)
        if self.deferred is not None:  # a save still waiting is forgotten too
            self.deferred[:] = [entry for entry in self.deferred if entry[0] != name]
        if self.folder is not None:
            (self.folder / name).unlink(missing_ok=True)

    def save(self, name: str, value: Any) -> None:
        """Write atomically, so an interrupted build never leaves a half-written entry."""
        if self.folder is None:
            return
        if self.deferred is not None:
            self.deferred.append((name, value))
            return
        self._write(name, value)

    def write_deferred(self) -> None:
        """Write the saves that waited, in the order they were made.  Until then the cache
        on disk is the last build's, or older: a build that reads it only redoes work."""
        while self.deferred:
            self._write(*self.deferred.pop(0))

    def _write(self, name: str, value: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                dump(value, out)
                out.flush()
                identity = _identity(os.fstat(out.fileno()))
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if self.resident is not None:
            self.resident[name] = (identity, value)


def _identity(stat: os.stat_result) -> FileIdentity:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def tree_stamp(folders: Iterable[Path], stats: dict[str, os.stat_result] | None = None) -> str:
    """A cheap hash of every file's path, size and modification time under ``folders``.

    Used to skip a build whose inputs have not changed at all: reading stats
    of ten thousand files takes milliseconds, reading their contents does not.
    ``stats``, if given, receives each file's stat by path, so that the build
    that follows need not walk and stat the same files again.
    """
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(str(folder.resolve()).encode())
        if not folder.is_dir():
            continue
        for directory, subdirs, files in sorted(os.walk(folder)):
            subdirs.sort()
            for name in sorted(files):
                path = os.path.join(directory, name)
                try:
                    stat = os.stat(path)
                except OSError:  # a dangling link: the build reports it
                    digest.update(f"{path}\0missing\n".encode())
                    continue
                if stats is not None:
                    stats[path] = stat
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _warn_unless(written: bool) -> None:
    if not written:  # the cache lacks what the copy did not write: the next build redoes it
        warnings.warn("writing the cache in the background failed", stacklevel=2)
