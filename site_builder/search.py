"""The offline search index: script files, so search works from ``file://``.

Browsers refuse to fetch() local files, so the index ships as JavaScript
that adds to a global.  Words are indexed lower-cased; for languages with
prefixes (Hebrew), each word is also indexed without them, and the browser
strips the same prefixes from the query, so a prefixed form still finds
its article.

The index is split into shards of a few hundred articles each, an article's
shard chosen by a hash of its id: an edit rewrites one small shard instead
of an index of the whole collection, and the browser merges the results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
_QUOTES = ('"', "'", "\u05f3", "\u05f4")  # dropped from words: see words_of
MIN_STEM = 2  # a prefix is stripped only if this many letters remain
SHARD_ARTICLES = 400  # articles per index shard, on average


def words_of(text: str) -> set[str]:
    """The searchable words of a text: lower-cased, with quotes inside words (Hebrew
    abbreviations, geresh) dropped, as the browser does with a query."""
    text = text.lower()
    for quote in _QUOTES:  # str.replace: far faster than a regex substitution
        if quote in text:
            text = text.replace(quote, "")
    return set(_WORD.findall(text))


def stems(word: str, prefixes: tuple[str, ...]) -> set[str]:
    """The word and every form of it with one known prefix removed."""
    forms = {word}
    for prefix in prefixes:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            forms.add(word[len(prefix) :])
    return forms


def shard_count(articles: int) -> int:
    return max(1, -(-articles // SHARD_ARTICLES))


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One article as the search page lists it, with the words that find it."""

    path: str  # site-root path of the article page
    title: str
    language: str
    subtitle: str
    date: str
    words: Iterable[str]  # each word once


def shard_script(documents: Sequence[SearchDocument], prefixes: tuple[str, ...]) -> str:
    """One shard: ``(window.DIGEST_SEARCH = window.DIGEST_SEARCH || []).push({...})``.

    ``documents`` come in a stable order (the caller sorts them); the browser
    orders results by date, newest first, whatever shard they come from.
    """
    postings: dict[str, list[int]] = {}
    for number, document in enumerate(documents):
        for word in document.words:  # each word once per document: the lists stay sorted
            found = postings.get(word)
            if found is None:
                postings[word] = [number]
            else:
                found.append(number)
    # Prefixes are stripped once per distinct word, not once per occurrence.
    index = dict(postings)
    for word, numbers in postings.items():
        for form in stems(word, prefixes):
            if form != word:
                index[form] = sorted(set(index.get(form, ())).union(numbers))
    data = {
        "documents": [
            {"u": d.path, "t": d.title, "l": d.language, "s": d.subtitle, "d": d.date}
            for d in documents
        ],
        "index": dict(sorted(index.items())),
        "prefixes": list(prefixes),
        "minStem": MIN_STEM,
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    payload = payload.replace("</", "<\\/")
    return f"(window.DIGEST_SEARCH = window.DIGEST_SEARCH || []).push({payload});\n"
