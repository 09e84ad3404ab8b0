"""Sparse TF-IDF vectors and an inverted index: the scalable parts of clustering.

Plain dictionaries, no numpy: an article has a few dozen terms, so sparse
dot products over the shorter vector are cheap, and candidate stories come
from posting lists instead of comparing every pair.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from sys import intern

from .topics import language_lexicon, normalise_marks

_WORD = re.compile(r"[^\W\d_]+(?:['\"][^\W\d_]+)*")  # letters; an inner quote stays (mo"m)


def tokens(text: str, language: str) -> list[str]:
    """Lower-case words of at least two letters, stopwords out (abbreviations keep their mark)."""
    words = _WORD.findall(normalise_marks(text).lower())
    kept = _kept_words(language)
    try:  # a C-level map while every word is known, which is the common case
        found = list(map(kept.__getitem__, words))
    except KeyError:
        found = [kept[w] if w in kept else _keep(kept, w, language) for w in words]
    return list(filter(None, found))


_KEPT_LIMIT = 200_000  # distinct words remembered per language


@cache
def _kept_words(language: str) -> dict[str, str]:
    """Per language, each word seen: itself interned, or "" when ``tokens`` leaves it out.

    Words recur across articles, so the stopword test and the interning are done once
    per word rather than once per occurrence."""
    return {}


def _keep(kept: dict[str, str], word: str, language: str) -> str:
    """Remember and return what ``tokens`` keeps of a word ("" for nothing)."""
    if len(kept) > _KEPT_LIMIT:
        kept.clear()
    stop = language_lexicon(language).stopwords
    found = kept[word] = intern(word) if word not in stop and len(word) > 1 else ""
    return found


def strip_prefixes(documents: Sequence[list[str]], language: str) -> list[list[str]]:
    """Words written with one-letter prefixes (Hebrew) become the bare word, if that occurs too.

    Only a bare form seen somewhere in the collection is trusted, so a word
    that merely starts with a prefix letter keeps its first letter.
    """
    lexicon = language_lexicon(language)
    if not lexicon.prefixes or not lexicon.max_prefixes:
        return [list(doc) for doc in documents]
    vocabulary = {word for doc in documents for word in doc}
    prefixes = set(lexicon.prefixes)
    cache: dict[str, str] = {}

    def bare(word: str) -> str:
        if word not in cache:
            found = word
            for _ in range(lexicon.max_prefixes):
                if len(found) > 3 and found[0] in prefixes and found[1:] in vocabulary:
                    found = found[1:]
                else:
                    break
            cache[word] = found
        return cache[word]

    return [[bare(word) for word in doc] for doc in documents]


# A number not glued to a word, a full stop or a comma before it: (?<![\w.,])\d+(?:[.,:]\d+)*
# (?![\w]), written with its first digit before the look-behind.  A pattern that starts
# with a character class lets the regex engine skip to the next digit in C instead of
# trying the look-behind at every character; the look-behind now tests the character
# before that first digit, so the same numbers match.
_NUMBER = re.compile(r"\d(?<![\w.,]\d)\d*(?:[.,:]\d+)*(?![\w])")


def numbers(text: str) -> set[str]:
    """Numbers written in digits, at least two characters long: language-independent evidence."""
    found = set()
    for match in _NUMBER.findall(text):
        value = match.rstrip(".,:")
        if len(value) >= 2 and ":" not in value:  # a clock time is not evidence across stories
            found.add(value)
    return found


IDF_STEPS = 16  # IDF is rounded up to a multiple of 1/16


def inverse_document_frequency(document_frequency: int, documents: int) -> float:
    """ln((N + 1) / df), rounded up to a step of ``1 / IDF_STEPS``: a feature every
    document has counts (almost) nothing.

    Rounded so that one edit rarely changes a weight: adding or removing one use
    of a word held by ``df`` articles moves its exact IDF by about 1/df, which
    would re-weigh all ``df`` articles (and rescore their stories) on every edit.
    Rounded, the value moves only when it crosses a step, about 16/df of the
    time, so an edit re-weighs some sixteen articles per word whatever the
    collection's size.  A weight off by less than 1/16 changes no ranking that
    matters; rounding up keeps every IDF above zero.
    """
    exact = math.log((documents + 1) / max(document_frequency, 1))
    return math.ceil(exact * IDF_STEPS) / IDF_STEPS


def tfidf_vectors(
    documents: Sequence[Sequence[str]], max_terms: int
) -> tuple[list[dict[str, float]], dict[str, int]]:
    """L2-normalised TF-IDF vectors of token lists (one language), each cut to its top terms."""
    counts = [Counter(doc) for doc in documents]
    frequency: Counter[str] = Counter()
    for count in counts:
        frequency.update(count.keys())
    total = len(documents)
    idf = {term: inverse_document_frequency(df, total) for term, df in frequency.items()}
    vectors = []
    for count in counts:
        terms = [(t, c) for t, c in count.items() if idf[t] > 0]
        if len(terms) > max_terms:
            # Keep the words the article repeats, not its rarest: in a small collection the
            # rarest are the words no other article shares, and the cut would hide the overlap.
            terms = sorted(terms, key=lambda item: (-item[1], -idf[item[0]], item[0]))[:max_terms]
        weights = {t: (1.0 + math.log(c)) * idf[t] for t, c in terms}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        vectors.append({t: w / norm for t, w in weights.items()} if norm else {})
    return vectors, dict(frequency)


def dot(first: Mapping[str, float], second: Mapping[str, float]) -> float:
    """Sparse dot product over the shared terms.

    ``fsum`` is exact, so the result does not depend on the (hash-seeded) order
    in which the set intersection yields the terms.
    """
    return math.fsum([first[t] * second[t] for t in first.keys() & second.keys()])


class InvertedIndex:
    """Posting lists from a feature key to the groups that hold it, for candidate search."""

    __slots__ = ("_postings",)

    def __init__(self) -> None:
        self._postings: dict[str, list[int]] = {}

    def add(self, group: int, keys: Iterable[str]) -> None:
        """Index ``group`` under ``keys``; the caller passes each (group, key) pair once."""
        for key in keys:
            self._postings.setdefault(key, []).append(group)

    def candidates(
        self, keys: Iterable[tuple[str, float]], max_postings: int, limit: int
    ) -> list[int]:
        """Groups sharing the most weight of keys (rarer keys weigh more), best first.

        ``keys`` are (key, weight) pairs.  A key held by more than ``max_postings``
        groups is too common to tell stories apart and is skipped, which keeps the
        search linear; ties go to the lower group number.
        """
        hits: dict[int, float] = {}
        for key, weight in keys:
            posting = self._postings.get(key)
            if posting and len(posting) <= max_postings:
                for group in posting:
                    hits[group] = hits.get(group, 0.0) + weight
        ranked = sorted(hits)
        ranked.sort(key=hits.__getitem__, reverse=True)  # stable: ties stay by group number
        return ranked[:limit]
