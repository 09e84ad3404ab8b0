"""The offline search index: a script file, so search works from ``file://``.

Browsers refuse to fetch() local files, so the index ships as JavaScript
that assigns a global.  Words are indexed lower-cased; for languages with
prefixes (Hebrew), each word is also indexed without them, and the browser
strips the same prefixes from the query, so a prefixed form still finds
its article.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

from . import urls
from .languages import known_languages
from .library import Library

_WORD = re.compile(r"\w+")
_IN_WORD_QUOTES = re.compile(r"[\"'\u05f3\u05f4]")
MIN_STEM = 2  # a prefix is stripped only if this many letters remain


def words_of(text: str) -> set[str]:
    """The searchable words of a text: lower-cased, with quotes inside words (Hebrew
    abbreviations, geresh) dropped, as the browser does with a query."""
    return set(_WORD.findall(_IN_WORD_QUOTES.sub("", text.lower())))


def stems(word: str, prefixes: tuple[str, ...]) -> set[str]:
    """The word and every form of it with one known prefix removed."""
    forms = {word}
    for prefix in prefixes:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM:
            forms.add(word[len(prefix) :])
    return forms


def search_index_script(library: Library) -> str:
    """``window.DIGEST_SEARCH = {...}`` with documents, an inverted index and prefixes."""
    languages = known_languages()
    prefixes = tuple(
        sorted(
            {p for code in library.languages for p in languages[code].prefixes},
            key=lambda p: (-len(p), p),
        )
    )
    documents = []
    postings: dict[str, set[int]] = defaultdict(set)
    for number, article_id in enumerate(library.article_order()):
        article = library.articles[article_id]
        clean = article.clean
        documents.append(
            {
                "u": urls.article_path(article_id),
                "t": clean.title,
                "l": article.language,
                "s": clean.subtitle or "",
            }
        )
        names = [
            name
            for actor_id in article.actor_ids
            if actor_id in library.actors
            for name in library.actors[actor_id].names.values()
        ]
        text = " ".join([clean.title, clean.subtitle or "", clean.body_text, *names])
        for word in words_of(text):
            postings[word].add(number)
    # Prefixes are stripped once per distinct word, not once per occurrence.
    index: dict[str, set[int]] = defaultdict(set)
    for word, numbers in postings.items():
        for form in stems(word, prefixes):
            index[form] |= numbers
    data = {
        "documents": documents,
        "index": {word: sorted(numbers) for word, numbers in sorted(index.items())},
        "prefixes": list(prefixes),
        "minStem": MIN_STEM,
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    payload = payload.replace("</", "<\\/")
    return f"window.DIGEST_SEARCH = {payload};\n"
