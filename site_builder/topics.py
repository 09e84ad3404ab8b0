"""Topic detection from per-language keyword lists (content/topics.yaml).

A keyword matches whole words, case-insensitively; a trailing ``*`` matches
any word ending (``settlement*``, a Hebrew stem).  Languages with one-letter
prefixes (Hebrew) let a keyword stand after up to ``max_prefixes`` of them;
the prefixes are data in ``data/lexicons/topics-<lang>.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate, compress, repeat
from operator import is_

from .load import Topic
from .yamlio import safe_load

# Hebrew geresh and gershayim, and typographic quotes, written as the ASCII marks keywords use.
_QUOTE_MARKS = {
    "\u05f4": '"',
    "\u05f3": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2019": "'",
    "\u2018": "'",
}


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What topic matching and text similarity need to know about a language."""

    prefixes: tuple[str, ...]  # one-letter prefixes that may stand before a word
    max_prefixes: int  # how many of them may stand in a row
    stopwords: frozenset[str]  # words that carry no evidence


@cache
def language_lexicon(language: str) -> Lexicon:
    """The lexicon of ``language``; an unknown language has no prefixes and no stopwords."""
    try:
        path = resources.files("site_builder").joinpath(f"data/lexicons/topics-{language}.yaml")
        data = safe_load(path.read_text("utf-8")) or {}
    except (FileNotFoundError, OSError):
        data = {}
    return Lexicon(
        prefixes=tuple(str(p) for p in data.get("prefixes") or ()),
        max_prefixes=int(data.get("max_prefixes") or 0),
        stopwords=frozenset(str(w).lower() for w in data.get("stopwords") or ()),
    )


def normalise_marks(text: str) -> str:
    """Quote marks in one form, so keywords such as an abbreviation with gershayim match."""
    for mark, plain in _QUOTE_MARKS.items():  # str.replace is far faster than str.translate
        if mark in text:
            text = text.replace(mark, plain)
    return text


def _keyword_body(keyword: str) -> str:
    word = normalise_marks(keyword.strip()).lower()
    stem = word.endswith("*")
    body = r"\s+".join(re.escape(part) for part in word.rstrip("*").split())
    return body + r"\w*" if stem else body


@cache
def _compiled(
    language: str, keyword_sets: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One pattern for every topic of a language: a named group per topic, prefixes factored out."""
    lexicon = language_lexicon(language)
    prefix = ""
    if lexicon.prefixes and lexicon.max_prefixes:
        letters = "".join(re.escape(p) for p in lexicon.prefixes)
        prefix = f"[{letters}]{{0,{lexicon.max_prefixes}}}"
    groups: list[str] = []
    topic_ids: list[str] = []
    for topic_id, keywords in keyword_sets:
        words = sorted({k for k in keywords if k.strip().rstrip("*").strip()}, key=len)[::-1]
        if words:
            groups.append(f"(?P<t{len(topic_ids)}>{'|'.join(_keyword_body(k) for k in words)})")
            topic_ids.append(topic_id)
    if not groups:
        return re.compile(r"(?!)"), ()
    return re.compile(rf"(?<!\w){prefix}(?:{'|'.join(groups)})(?!\w)"), tuple(topic_ids)


def _split_keyword(keyword: str) -> tuple[str, str]:
    """A keyword's first character and the pattern of the rest (see ``_keyword_body``)."""
    word = normalise_marks(keyword.strip()).lower()
    stem = word.endswith("*")
    parts = word.rstrip("*").split()
    rest = r"\s+".join([re.escape(parts[0][1:]), *(re.escape(part) for part in parts[1:])])
    return parts[0][0], rest + r"\w*" if stem else rest


@cache
def _ranking_pattern(
    language: str, keyword_sets: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """``_compiled``'s pattern with the keywords grouped by their first character, and per
    group its (topic id, first character).

    At every word start the regex engine tries a branch's alternatives one by one, so one
    alternative per keyword made a test per keyword at every word: the slowest part of the
    analysis.  Here the first character picks one small branch.  Keywords with different
    first characters never match at the same place, and a branch keeps the keywords'
    order, so the keyword found at each place, and its topic, are ``_compiled``'s.  The
    first character stands outside the group: the keyword is that character plus the
    group's text.
    """
    lexicon = language_lexicon(language)
    prefix = ""
    if lexicon.prefixes and lexicon.max_prefixes:
        letters = "".join(re.escape(p) for p in lexicon.prefixes)
        prefix = f"[{letters}]{{0,{lexicon.max_prefixes}}}"
    # first character -> [(topic id, [rest of each keyword])], in _compiled's order
    by_first: dict[str, list[tuple[str, list[str]]]] = {}
    for topic_id, keywords in keyword_sets:
        words = sorted({k for k in keywords if k.strip().rstrip("*").strip()}, key=len)[::-1]
        for word in words:
            first, rest = _split_keyword(word)
            runs = by_first.setdefault(first, [])
            if not runs or runs[-1][0] != topic_id:
                runs.append((topic_id, []))
            runs[-1][1].append(rest)
    if not by_first:
        return re.compile(r"(?!)"), {}
    groups: dict[str, tuple[str, str]] = {}
    branches = []
    for first, runs in by_first.items():
        alternatives = []
        for topic_id, rests in runs:
            name = f"g{len(groups)}"
            groups[name] = (topic_id, first)
            alternatives.append(f"(?P<{name}>{'|'.join(rests)})")
        branches.append(f"{re.escape(first)}(?:{'|'.join(alternatives)})")
    return re.compile(rf"(?<!\w){prefix}(?:{'|'.join(branches)})(?!\w)"), groups


_PIECES_LIMIT = 200_000  # distinct space-separated pieces whose match starts are remembered


class _RankingScan:
    """``_ranking_pattern``'s matches in a text, with the pattern tried only where one can start.

    A match is ``(?<!\\w)``, up to ``max_prefixes`` prefix letters, then a keyword, whose
    first part (up to its first space) is a literal without spaces: so it starts inside
    one space-separated piece of the text, at most ``max_prefixes`` prefix letters before
    an occurrence of a first part.  Those offsets are found once per distinct piece and
    remembered (pieces recur across articles); the pattern then decides at each, left to
    right, past the end of the last match: the matches of the pattern's own scan, found
    without trying it at every character.
    """

    def __init__(
        self, pattern: re.Pattern[str], firsts: tuple[str, ...], prefixes: frozenset[str], most: int
    ) -> None:
        self.pattern = pattern
        any_first = "|".join(map(re.escape, firsts))
        self.any_first = re.compile(any_first)  # a quick test: most pieces hold none
        # every offset where a first part starts (a look-ahead: overlapping ones too)
        self.first_at = re.compile(f"(?=(?:{any_first}))")
        self.prefixes = prefixes
        self.most = most  # prefix letters that may stand before a keyword
        self.starts: dict[str, tuple[int, ...]] = {}  # piece -> offsets a match may start at

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``, in the same order."""
        pieces = text.split(" ")
        known = list(map(self.starts.get, pieces))
        if None in known:  # pieces not seen before (a few per article)
            if len(self.starts) > _PIECES_LIMIT:
                self.starts.clear()
            for number in compress(range(len(pieces)), map(is_, known, repeat(None))):
                known[number] = self._piece_starts(pieces[number])
        offsets = list(accumulate(map(len, pieces), initial=0))
        match_at = self.pattern.match
        end = 0
        for number in compress(range(len(pieces)), known):
            base = offsets[number] + number  # the spaces before the piece
            for at in known[number]:
                if base + at >= end:
                    match = match_at(text, base + at)  # the look-behind sees the text before
                    if match is not None:
                        end = match.end()
                        yield match

    def _piece_starts(self, piece: str) -> tuple[int, ...]:
        """The offsets in one piece where a match may start, in order; remembered."""
        found: set[int] = set()
        starts = self.first_at.finditer(piece) if self.any_first.search(piece) else ()
        for first in starts:
            at = first.start()
            found.add(at)
            while at > 0 and first.start() - at < self.most and piece[at - 1] in self.prefixes:
                at -= 1
                found.add(at)
        result = self.starts[piece] = tuple(sorted(found))
        return result


@cache
def _ranking_scan(
    language: str, keyword_sets: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[_RankingScan | re.Pattern[str], dict[str, tuple[str, str]]]:
    """The scan of ``_ranking_pattern`` (or the pattern itself, when a prefix letter is a
    space or there are no keywords), and its groups."""
    pattern, groups = _ranking_pattern(language, keyword_sets)
    firsts = {
        normalise_marks(k.strip()).lower().rstrip("*").split()[0]
        for _, keywords in keyword_sets
        for k in keywords
        if k.strip().rstrip("*").strip()
    }
    lexicon = language_lexicon(language)
    most = lexicon.max_prefixes if lexicon.prefixes else 0
    prefixes = frozenset("".join(lexicon.prefixes)) if most else frozenset()
    if not firsts or " " in prefixes:
        return pattern, groups
    return _RankingScan(pattern, tuple(sorted(firsts)), prefixes, most), groups


def rank_topics(text: str, language: str, topics: Sequence[Topic]) -> tuple[str, ...]:
    """Topic ids whose keywords occur in ``text``, most hits first (ties by id).

    A topic's score is its number of keyword hits plus the number of distinct
    keywords hit, so a topic named in several ways outranks one word repeated.
    """
    keyword_sets = tuple((t.id, tuple(t.keywords.get(language, ()))) for t in topics)
    scan, groups = _ranking_scan(language, keyword_sets)
    hits: dict[str, list[str]] = {}
    for match in scan.finditer(normalise_marks(text).lower()):
        group = match.lastgroup
        if group is not None:
            topic_id, first = groups[group]
            hits.setdefault(topic_id, []).append(first + match.group(group))
    scores = sorted((-(len(found) + len(set(found))), topic_id) for topic_id, found in hits.items())
    return tuple(topic_id for _, topic_id in scores)


def topic_terms(text: str, language: str, topic: Topic) -> tuple[str, ...]:
    """The words of ``text`` that made it about ``topic``, as written, in order of first use."""
    pattern, topic_ids = _compiled(language, ((topic.id, tuple(topic.keywords.get(language, ()))),))
    if not topic_ids:
        return ()
    found = (m.group(0) for m in pattern.finditer(normalise_marks(text).lower()))
    return tuple(dict.fromkeys(found))
