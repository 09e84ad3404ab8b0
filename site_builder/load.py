"""Stage 1, load: read raw dumps, Markdown articles and editorial data into plain values.

Nothing here interprets an article's text; that is the cleaner's job.  A
file that cannot be read becomes a Problem naming the file and line, and the
rest of the input still loads.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .background import can_fork
from .cache import BuildCache, fingerprint, shard_of
from .problems import InputError, Problem
from .yamlio import parse_yaml

MAX_FILE_BYTES = 5_000_000  # a news article is never this big; such a file is a mistake
ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")
DATA_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")  # actor, topic and story ids: safe in URLs
FRONT_MATTER_KEYS = {
    "title",
    "subtitle",
    "date",
    "source",
    "url",
    "author",
    "language",
    "story",
    "apart",
    "extra",
}


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What an editor or the source page states about an article, as opposed to its text."""

    title: str | None = None  # headline given in front matter (overrides the dump's line 1)
    subtitle: str | None = None  # sub-headline given in front matter
    date: str | None = None  # publication date, ISO 8601 (YYYY-MM-DD or with a time)
    source: str | None = None  # the publishing site, e.g. "ynet"
    url: str | None = None  # the article's address on its site
    author: str | None = None  # byline given by the editor
    language: str | None = None  # language code, when the editor states it
    story: str | None = None  # pin the article to this story id
    apart: bool = False  # keep the article in a story of its own
    extra: Mapping[str, Any] = field(default_factory=dict)  # free-form editorial data


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One article as read from disk, before any cleaning."""

    id: str  # the file's stem: stable, unique, safe as a file name
    path: str  # where it came from, for messages
    format: str  # "text" (a raw dump), "markdown" (hand-written) or "html" (saved page)
    lines: tuple[str, ...]  # the text, line by line, exactly as decoded
    meta: ArticleMeta = field(default_factory=ArticleMeta)


@dataclass(frozen=True, slots=True)
class Actor:
    """A person the digest follows, with every name they go by."""

    id: str  # stable id, used in URLs and digest.json
    names: Mapping[str, str]  # display name per language code
    aliases: Mapping[str, tuple[str, ...]]  # other surface forms per language (names, surnames)
    roles: Mapping[str, tuple[str, ...]]  # role titles per language that mean this person
    description: Mapping[str, str] = field(default_factory=dict)  # one line per language


@dataclass(frozen=True, slots=True)
class Topic:
    """A subject a story can be about, with its keywords per language."""

    id: str
    names: Mapping[str, str]  # display name per language code
    keywords: Mapping[str, tuple[str, ...]]  # words and phrases per language


@dataclass(frozen=True, slots=True)
class LoadedContent:
    """Everything the build reads, before cleaning."""

    articles: tuple[RawArticle, ...]  # sorted by id, so later stages see a stable order
    actors: tuple[Actor, ...]
    topics: tuple[Topic, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class ArticleSource:
    """An article file as the build remembers it between builds: a digest, not the text."""

    id: str
    path: str
    format: str  # as RawArticle.format
    digest: str  # hash of the file's bytes: a different digest is a different article
    meta: ArticleMeta  # with an editor's metadata-only file merged in
    # A fingerprint of all the above, made once with the source (see ``article_source``):
    # every build keys every article by it, and a repr of the metadata costs more than
    # the stat that tells the file is unchanged.
    stamp: str


def article_source(
    article_id: str, path: str, format_: str, digest: str, meta: ArticleMeta
) -> ArticleSource:
    return ArticleSource(
        article_id,
        path,
        format_,
        digest,
        meta,
        fingerprint(article_id, path, format_, digest, meta),
    )


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What reading one input file gave, remembered with its size and modification time."""

    size: int
    mtime_ns: int
    source: ArticleSource | None  # None: the file could not be read (see problem)
    sidecar: bool = False  # front matter only: metadata for the article of the same id
    problem: Problem | None = None

    def same_stat(self, stat: os.stat_result) -> bool:
        return self.size == stat.st_size and self.mtime_ns == stat.st_mtime_ns


@dataclass(frozen=True, slots=True)
class ContentIndex:
    """Every input as the build needs it up front: article sources, actors, topics."""

    sources: tuple[ArticleSource, ...]  # sorted by id
    actors: tuple[Actor, ...]
    topics: tuple[Topic, ...]
    problems: tuple[Problem, ...]
    files: Mapping[str, FileRecord]  # by path: hand it to the next build's scan
    read: int = 0  # files read this time (the others were known unchanged)
    forgotten: int = 0  # known files that are gone


def load_content(seeds_dir: Path, content_dir: Path) -> LoadedContent:
    """Read every input: raw dumps, Markdown articles, actors and topics."""
    raws: dict[str, RawArticle] = {}
    index = scan_content(seeds_dir, content_dir, raws=raws)
    articles = tuple(replace(raws[s.path], meta=s.meta) for s in index.sources)
    return LoadedContent(articles, index.actors, index.topics, index.problems)


def scan_content(
    seeds_dir: Path,
    content_dir: Path,
    known: Mapping[str, FileRecord] | None = None,
    raws: dict[str, RawArticle] | None = None,
    stats: Mapping[str, os.stat_result] | None = None,
    jobs: int = 0,
) -> ContentIndex:
    """Find every input; read only the article files not in ``known`` with the same stat.

    Ten thousand unchanged files cost ten thousand stat calls, not ten
    thousand reads and front-matter parses; with ``stats`` (every file under
    both folders, by path, as ``cache.tree_stamp`` collects them), not even
    those.  ``raws``, if given, receives every article read, by path.  Many files
    to read are read by worker processes (``jobs``: 0, one per core; 1, none).
    """
    known = known or {}
    found: dict[str, FileRecord] = {}
    paths = _input_files(seeds_dir, (".txt", ".html", ".htm"), stats) + _input_files(
        content_dir, (".md",), stats
    )
    unread: list[tuple[str, int, int]] = []
    for path in paths:
        try:
            stat = stats[path] if stats is not None and path in stats else os.stat(path)
        except OSError as exc:  # a dangling link, or a file deleted meanwhile
            found[path] = FileRecord(0, 0, None, problem=Problem(path, None, str(exc)))
            continue
        record = known.get(path)
        if raws is not None or record is None or not record.same_stat(stat):
            unread.append((path, stat.st_size, stat.st_mtime_ns))
        else:
            found[path] = record
    if raws is None:
        found.update(_read_records(unread, jobs))
    else:  # the raw articles are wanted here, in this process
        found.update((path, _read_record(Path(path), *stat, raws)) for path, *stat in unread)
    read = len(unread)
    files = {path: found[path] for path in paths}  # in path order
    sources, problems = _assemble(files)
    actors = _read_data(content_dir / "actors.yaml", read_actors, problems)
    topics = _read_data(content_dir / "topics.yaml", read_topics, problems)
    forgotten = sum(1 for path in known if path not in files)
    return ContentIndex(
        sources, tuple(actors), tuple(topics), tuple(problems), files, read, forgotten
    )


PARALLEL_READS_FROM = 2000  # fewer files to read than this are not worth worker processes
READ_CHUNK = 200  # files per task sent to a worker


def _read_records(unread: list[tuple[str, int, int]], jobs: int) -> dict[str, FileRecord]:
    """The records of the files ``unread`` (path, size, modification time), by path.

    A first build reads every input file, and a file's record (its metadata parsed, its
    bytes hashed) needs nothing but the file: on a core of its own, the worker processes
    not started yet, the build would wait for a second per ten thousand files.
    """
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(unread) < PARALLEL_READS_FROM or not can_fork():
        return dict(_read_chunk(unread))
    chunks = [unread[i : i + READ_CHUNK] for i in range(0, len(unread), READ_CHUNK)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return {path: record for chunk in pool.map(_read_chunk, chunks) for path, record in chunk}


def _read_chunk(unread: list[tuple[str, int, int]]) -> list[tuple[str, FileRecord]]:
    return [(path, _read_record(Path(path), size, mtime, None)) for path, size, mtime in unread]


def _read_record(
    path: Path, size: int, mtime_ns: int, raws: dict[str, RawArticle] | None
) -> FileRecord:
    try:
        if size > MAX_FILE_BYTES:  # refused before reading: it could be any size
            raise InputError(f"file of {size} bytes is larger than {MAX_FILE_BYTES}; skipped")
        data = path.read_bytes()
        raw = parse_article_file(path, data)
    except InputError as exc:
        return FileRecord(size, mtime_ns, None, problem=Problem(str(path), exc.line, str(exc)))
    except OSError as exc:
        return FileRecord(size, mtime_ns, None, problem=Problem(str(path), None, str(exc)))
    if raws is not None:
        raws[raw.path] = raw
    source = article_source(raw.id, raw.path, raw.format, file_digest(data), raw.meta)
    sidecar = raw.format == "markdown" and not any(line.strip() for line in raw.lines)
    return FileRecord(size, mtime_ns, source, sidecar=sidecar)


def _assemble(files: Mapping[str, FileRecord]) -> tuple[tuple[ArticleSource, ...], list[Problem]]:
    """Articles by id (the first file of an id wins), with metadata-only files merged in."""
    problems: list[Problem] = []
    articles: dict[str, ArticleSource] = {}
    sidecars: dict[str, ArticleSource] = {}
    for record in files.values():  # in path order: seeds first, then content
        if record.problem is not None:
            problems.append(record.problem)
        source = record.source
        if source is None:
            continue
        if record.sidecar:
            sidecars[source.id] = source
        elif source.id in articles:
            problems.append(
                Problem(
                    source.path,
                    None,
                    f"duplicate article id {source.id!r} (also {articles[source.id].path}); "
                    "skipped",
                )
            )
        else:
            articles[source.id] = source
    for article_id, sidecar in sorted(sidecars.items()):
        if article_id in articles:
            article = articles[article_id]
            merged = merge_meta(article.meta, sidecar.meta)
            articles[article_id] = article_source(
                article.id, article.path, article.format, article.digest, merged
            )
        else:
            problems.append(
                Problem(
                    sidecar.path,
                    None,
                    f"metadata for {article_id!r}, but no such article",
                    "warning",
                )
            )
    return tuple(articles[k] for k in sorted(articles)), problems


def read_source(source: ArticleSource) -> RawArticle:
    """The article of a source, read again; an error if the file changed meanwhile."""
    path = Path(source.path)
    data = path.read_bytes()
    if file_digest(data) != source.digest:
        raise InputError("the file changed during the build; build again")
    return replace(parse_article_file(path, data), meta=source.meta)


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _input_files(
    folder: Path, suffixes: tuple[str, ...], listed: Mapping[str, object] | None = None
) -> list[str]:
    """Paths of the files under ``folder`` with one of ``suffixes``, sorted: one walk (none
    when the files are ``listed`` already), and strings rather than Path objects, which
    cost more than the stat of an unchanged file."""
    if not folder.is_dir():
        return []
    if listed is not None:
        inside = os.path.join(str(folder), "")
        return sorted(p for p in listed if p.startswith(inside) and p.endswith(suffixes))
    found = [
        os.path.join(directory, name)
        for directory, _, names in os.walk(folder)
        for name in names
        if name.endswith(suffixes)
    ]
    return sorted(found)


def read_article_file(path: Path) -> RawArticle:
    """Read one article file of any supported format."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"file of {size} bytes is larger than {MAX_FILE_BYTES}; skipped")
    return parse_article_file(path, path.read_bytes())


def parse_article_file(path: Path, data: bytes) -> RawArticle:
    """An article file's bytes as a RawArticle, whatever its format."""
    article_id = path.stem
    if not ARTICLE_ID.match(article_id):
        raise InputError(
            f"file name {path.name!r} cannot be an article id: use letters, digits, '-', '_', '.'"
        )
    if not data:
        raise InputError("empty file")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"file of {len(data)} bytes is larger than {MAX_FILE_BYTES}; skipped")
    text = decode_text(data)
    suffix = path.suffix.lower()
    if suffix == ".md":
        meta, body, _ = split_front_matter(text)
        return RawArticle(article_id, str(path), "markdown", tuple(body.splitlines()), meta)
    if suffix in (".html", ".htm"):
        from .extract import extract_html  # imported lazily: trafilatura is slow to import

        meta, body = extract_html(text, str(path))
        return RawArticle(article_id, str(path), "html", tuple(body.splitlines()), meta)
    return RawArticle(article_id, str(path), "text", tuple(text.splitlines()))


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1255 Hebrew."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise InputError("binary file (contains NUL bytes); skipped")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1255")
        except UnicodeDecodeError:
            raise InputError("neither UTF-8, UTF-16 nor Windows-1255 text; skipped") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[ArticleMeta, str, int]:
    """Split ``---`` YAML front matter from a Markdown body; return (meta, body, body line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return ArticleMeta(), text, 1
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise InputError("front matter opened with '---' on line 1 is never closed", 1)
    data = parse_yaml("\n".join(lines[1:end]), line_offset=1) or {}
    if not isinstance(data, dict):
        raise InputError("front matter must be a mapping of keys to values", 2)
    meta = meta_from_mapping(data)
    return meta, "\n".join(lines[end + 1 :]), end + 2


def meta_from_mapping(data: Mapping[Any, Any]) -> ArticleMeta:
    """Validate front matter keys; unknown keys are errors, free-form data goes under extra."""
    unknown = sorted(str(k) for k in data if k not in FRONT_MATTER_KEYS)
    if unknown:
        raise InputError(
            f"unknown front matter key(s) {', '.join(unknown)}; put free-form data under 'extra'",
            2,
        )
    values: dict[str, Any] = {}
    for key in ("title", "subtitle", "source", "url", "author", "language", "story"):
        if data.get(key) is not None:
            values[key] = str(data[key]).strip()
    if "story" in values and not DATA_ID.match(values["story"]):
        raise InputError(f"story {values['story']!r}: lower-case letters, digits and '-'", 2)
    if "url" in values and not re.match(r"^https?://\S+$", values["url"]):
        raise InputError(f"url {values['url']!r} is not an http(s) address", 2)
    if data.get("date") is not None:
        values["date"] = str(data["date"]).strip()
        if not re.match(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?", values["date"]):
            raise InputError(f"date {values['date']!r} is not YYYY-MM-DD", 2)
    if "apart" in data:
        values["apart"] = bool(data["apart"])
    if "extra" in data:
        if not isinstance(data["extra"], dict):
            raise InputError("'extra' must be a mapping", 2)
        values["extra"] = data["extra"]
    return ArticleMeta(**values)


def merge_meta(base: ArticleMeta, override: ArticleMeta) -> ArticleMeta:
    """Editor-given fields win over what the source stated."""
    changes = {
        name: getattr(override, name)
        for name in ArticleMeta.__slots__
        if getattr(override, name) not in (None, False, {})
    }
    return replace(base, **changes)


def _read_data(path: Path, reader: Any, problems: list[Problem]) -> list[Any]:
    if not path.exists():
        return []
    try:
        data = parse_yaml(path.read_text(encoding="utf-8-sig"))
        return reader(data or [])
    except InputError as exc:
        problems.append(Problem(str(path), exc.line, str(exc)))
        return []
    except UnicodeDecodeError:
        problems.append(Problem(str(path), None, "not UTF-8 text"))
        return []


def _texts_per_language(value: Any, what: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{what}: a mapping of language code to a list of texts")
    result: dict[str, tuple[str, ...]] = {}
    for lang, items in value.items():
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            raise InputError(f"{what}.{lang}: a list of texts")
        result[str(lang)] = tuple(x.strip() for x in items if x.strip())
    return result


def _text_per_language(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"{what}: a mapping of language code to text")
    return {str(k): v.strip() for k, v in value.items()}


def read_actors(data: Any) -> list[Actor]:
    """Validate the actors list (see content/actors.yaml for the format)."""
    if not isinstance(data, list):
        raise InputError("actors.yaml must be a list of actors")
    actors: list[Actor] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        where = f"actor #{index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise InputError(f"{where}: a mapping with at least an 'id' and 'names'")
        unknown = set(item) - {"id", "names", "aliases", "roles", "description"}
        if unknown:
            raise InputError(f"{where} ({item['id']}): unknown key(s) {', '.join(sorted(unknown))}")
        actor_id = item["id"]
        if not DATA_ID.match(actor_id) or actor_id in seen:
            raise InputError(f"{where}: id {actor_id!r} must be unique, lower-case, a-z 0-9 '-'")
        seen.add(actor_id)
        names = _text_per_language(item.get("names"), f"{actor_id}.names")
        if not names:
            raise InputError(f"{actor_id}: 'names' needs a display name in at least one language")
        actors.append(
            Actor(
                id=actor_id,
                names=names,
                aliases=_texts_per_language(item.get("aliases"), f"{actor_id}.aliases"),
                roles=_texts_per_language(item.get("roles"), f"{actor_id}.roles"),
                description=_text_per_language(item.get("description"), f"{actor_id}.description"),
            )
        )
    return sorted(actors, key=lambda a: a.id)


def read_topics(data: Any) -> list[Topic]:
    """Validate the topics list (see content/topics.yaml for the format)."""
    if not isinstance(data, list):
        raise InputError("topics.yaml must be a list of topics")
    topics: list[Topic] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise InputError(f"topic #{index + 1}: a mapping with 'id', 'names' and 'keywords'")
        unknown = set(item) - {"id", "names", "keywords"}
        if unknown:
            raise InputError(f"topic {item['id']}: unknown key(s) {', '.join(sorted(unknown))}")
        if not DATA_ID.match(item["id"]) or any(t.id == item["id"] for t in topics):
            raise InputError(f"topic id {item['id']!r} must be unique, lower-case, a-z 0-9 '-'")
        topics.append(
            Topic(
                id=item["id"],
                names=_text_per_language(item.get("names"), f"{item['id']}.names"),
                keywords=_texts_per_language(item.get("keywords"), f"{item['id']}.keywords"),
            )
        )
    return sorted(topics, key=lambda t: t.id)


FILE_TABLE_SHARDS = 16  # an edit rewrites one shard of the input table, not all of it


def _file_table_name(shard: int) -> str:
    """Every input file's stat and digest from the last build, some of them by path."""
    return f"input-files-{shard:02d}.pickle"


def load_file_table(cache: BuildCache) -> dict[str, FileRecord]:
    """The last build's record of every input file (``ContentIndex.files``): what
    ``scan_content`` need not read again."""
    known: dict[str, FileRecord] = {}
    for shard in range(FILE_TABLE_SHARDS):
        known.update(cache.load(_file_table_name(shard)) or {})
    return known


def save_file_table(
    cache: BuildCache, files: Mapping[str, FileRecord], known: Mapping[str, FileRecord]
) -> None:
    """Save the shards holding a file read or gone since ``known`` (records of files not
    read again are the very objects of ``known``)."""
    shards: list[dict[str, FileRecord]] = [{} for _ in range(FILE_TABLE_SHARDS)]
    for path, record in files.items():
        shards[shard_of(path, FILE_TABLE_SHARDS)][path] = record
    changed = {
        shard_of(p, FILE_TABLE_SHARDS) for p, record in files.items() if known.get(p) is not record
    }
    changed.update(shard_of(p, FILE_TABLE_SHARDS) for p in known if p not in files)
    for shard in sorted(changed):
        cache.save(_file_table_name(shard), shards[shard])
