"""The visit an article reports (its count, status and place) and its date hints.

An ordinal counts only next to a visit noun ("ninth visit", "visit, the
secretary's fifth"), or next to a weak noun ("for the eighth time") in a
sentence about travel, and never after a day word (a weekday is also an
ordinal in Hebrew).  The status is the best-scored of the lexicon's cues,
with the headline and lead weighing most.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress

from .analyse_text import (
    FLAG_PLACE_CUE,
    FLAG_STATUS,
    FLAG_TRAVEL,
    FLAG_VISIT,
    FLAG_WEAK,
    FLAG_WEEKDAY,
    MEMO_LIMIT,
    NORM,
    Lexicon,
    Match,
    Token,
)

_DIGIT_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
WEIGHT_TITLE, WEIGHT_LEAD, WEIGHT_BODY = 3, 2, 1


@dataclass(frozen=True, slots=True)
class VisitFinding:
    """What the text says about a visit, before it becomes a Visit."""

    ordinal: int | None
    ordinals: tuple[int, ...]  # every distinct count stated, most stated first
    status: str
    place: str | None
    evidence: str


def _ordinal_at(tokens: list[Token], i: int, lexicon: Lexicon) -> tuple[int, int] | None:
    """(number, tokens used) if an ordinal starts at token i."""
    # The answer depends on the word, the next word and whether they touch: remembered.
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    key = (
        tokens[i].norm,
        None if following is None else following.norm,
        following is not None and following.start - tokens[i].end <= 1,
    )
    memo = _ordinal_memo(lexicon)
    if key in memo:
        return memo[key]
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    found = memo[key] = _ordinal_here(tokens, i, lexicon)
    return found


@cache
def _ordinal_memo(
    lexicon: Lexicon,
) -> dict[tuple[str, str | None, bool], tuple[int, int] | None]:
    return {}


def _ordinal_here(tokens: list[Token], i: int, lexicon: Lexicon) -> tuple[int, int] | None:
    for variant in lexicon.variants(tokens[i].norm):
        for length in (2, 1):
            key = (variant, *(t.norm for t in tokens[i + 1 : i + length]))
            if len(key) == length and key in lexicon.ordinals:
                return lexicon.ordinals[key], length
        if variant in lexicon.digit_ordinal_markers and i + 1 < len(tokens):
            digits = _DIGIT_ORDINAL.match(tokens[i + 1].norm)
            if digits and tokens[i + 1].start - tokens[i].end <= 1:
                return int(digits.group(1)), 2
    match = _DIGIT_ORDINAL.match(tokens[i].norm)
    if match and tokens[i].norm != match.group(1):  # "9th", not a bare "9"
        return int(match.group(1)), 1
    return None


def find_ordinals(
    text: str,
    tokens: list[Token],
    lexicon: Lexicon,
    sentences: list[tuple[int, int]],
    flags: Sequence[int] | None = None,
) -> list[tuple[int, str]]:
    """Every (visit count, evidence) in text order."""
    if flags is None:
        flags = lexicon.flag_list(list(map(NORM, tokens)))
    nouns = [i for i in compress(range(len(flags)), flags) if flags[i] & (FLAG_VISIT | FLAG_WEAK)]
    if not nouns:
        return []
    starts = [s for s, _ in sentences]
    sentence_at: dict[int, int] = {}

    def sentence_of(i: int) -> int:
        found = sentence_at.get(i)
        if found is None:
            found = sentence_at[i] = bisect.bisect_right(starts, tokens[i].start) - 1
        return found

    travel_sentences: set[int] | None = None  # worked out for the first weak noun
    found: list[tuple[int, str]] = []
    used: set[int] = set()  # an ordinal counts for one noun only
    for i in nouns:
        if not flags[i] & FLAG_VISIT:  # a weak noun counts in a sentence about travel
            if travel_sentences is None:
                travel_sentences = {
                    sentence_of(k)
                    for k in compress(range(len(flags)), flags)
                    if flags[k] & FLAG_TRAVEL
                }
            if sentence_of(i) not in travel_sentences:
                continue
        before = range(i - 1, max(i - 1 - lexicon.ordinal_window_before, -1), -1)
        after = range(i + 1, min(i + 1 + lexicon.ordinal_window_after, len(tokens)))
        for j in [*before, *after]:  # nearest before first: "his ninth visit"
            if j in used or sentence_of(j) != sentence_of(i):
                continue
            ordinal = _ordinal_at(tokens, j, lexicon)
            if ordinal is None:
                continue
            if j > 0 and lexicon.base_in(tokens[j - 1].norm, lexicon.ordinal_blockers):
                continue
            if _construct_numeral(tokens, j, lexicon):
                continue
            used.add(j)
            first, last = min(i, j), max(i + 1, j + ordinal[1])
            found.append((ordinal[0], text[tokens[first].start : tokens[last - 1].end]))
            break
    return found


def _construct_numeral(tokens: list[Token], j: int, lexicon: Lexicon) -> bool:
    """A numeral before a definite noun ("both sides"), not an ordinal."""
    if tokens[j].norm not in lexicon.construct_numerals or j + 1 >= len(tokens):
        return False
    prefix = lexicon.descriptor_prefix
    return bool(prefix) and tokens[j + 1].norm.startswith(prefix)


def score_status(
    tokens: list[Token],
    lexicon: Lexicon,
    lead_end: int,
    title_end: int,
    flags: Sequence[int] | None = None,
    norms: Sequence[str] | None = None,
) -> Counter[str]:
    """Weighted cue hits per status; a cue is a phrase, its first word may carry a prefix.
    ``flags`` and ``norms`` of the tokens, when the caller has them, spare working them out."""
    scores: Counter[str] = Counter()
    if norms is None:
        norms = list(map(NORM, tokens))
    if flags is None:
        flags = lexicon.flag_list(norms)
    candidates = [i for i in compress(range(len(flags)), flags) if flags[i] & FLAG_STATUS]
    if not candidates:
        return scores
    for i in candidates:
        tok = tokens[i]
        weight = (
            WEIGHT_TITLE
            if tok.start < title_end
            else WEIGHT_LEAD
            if tok.start < lead_end
            else WEIGHT_BODY
        )
        for status, cue_lists in _status_cues_of(lexicon, tok.norm):
            for cues in cue_lists:
                if _cue_at(norms, i, cues):
                    scores[status] += weight
                    break
    return scores


def _status_cues_of(
    lexicon: Lexicon, norm: str
) -> tuple[tuple[str, tuple[tuple[tuple[str, ...], ...], ...]], ...]:
    """Per status (in the lexicon's order), the cues each variant of a word may start;
    statuses with none left out.  Remembered per word."""
    memo = _status_memo(lexicon)
    found = memo.get(norm)
    if found is None:
        indexes, firsts = _status_indexes(lexicon)
        variants = [v for v in lexicon.variants(norm) if v in firsts]
        found = tuple(
            (status, cue_lists)
            for status, index in indexes
            if (cue_lists := tuple(index[v] for v in variants if v in index))
        )
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        memo[norm] = found
    return found


@cache
def _status_memo(
    lexicon: Lexicon,
) -> dict[str, tuple[tuple[str, tuple[tuple[tuple[str, ...], ...], ...]], ...]]:
    return {}


@cache
def _status_indexes(
    lexicon: Lexicon,
) -> tuple[tuple[tuple[str, dict[str, tuple[tuple[str, ...], ...]]], ...], frozenset[str]]:
    """Each status's cues by first word, and every cue's first word."""
    indexes = tuple((status, lexicon.cues_starting(status)) for status in lexicon.status_cues)
    return indexes, frozenset(word for _, index in indexes for word in index)


def _cue_at(
    norms: Sequence[str], i: int, cues: tuple[tuple[str, ...], ...]
) -> tuple[str, ...] | None:
    """The longest of ``cues`` (all starting with token i's word) that the text continues."""
    for cue in cues:
        if len(cue) == 1 or tuple(norms[i + 1 : i + len(cue)]) == cue[1:]:
            return cue
    return None


def find_visit_place(
    tokens: list[Token],
    matches: list[Match],
    lexicon: Lexicon,
    flags: Sequence[int] | None = None,
    norms: Sequence[str] | None = None,
) -> str | None:
    """The city (else region, else country) most often right after a travel or meeting word."""
    places_at = {m.first: e.value for m in matches for e in m.entries if e.kind == "place"}
    if not places_at:
        return None
    hits: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    if norms is None:
        norms = list(map(NORM, tokens))
    index = lexicon.cues_starting("place")
    # A cue counts only when a place starts within two words after it, so only the
    # words up to a cue's length plus one before a place need a look.
    reach = _place_cue_reach(lexicon)
    near = sorted({i for p in places_at for i in range(max(p - reach, 0), p)})
    if flags is None:
        flags = lexicon.flag_list([norms[i] for i in near])
        near = [i for i, f in zip(near, flags, strict=True) if f & FLAG_PLACE_CUE]
    else:
        near = [i for i in near if flags[i] & FLAG_PLACE_CUE]
    for i in near:
        cue = next(
            (c for v in lexicon.variants(norms[i]) if (c := _cue_at(norms, i, index.get(v, ())))),
            None,
        )
        if cue is None:
            continue
        for j in range(i + len(cue), min(i + len(cue) + 2, len(tokens))):
            if j in places_at:
                hits[places_at[j]] += 1
                first_seen.setdefault(places_at[j], j)
                break
    rank = {"city": 0, "region": 1, "country": 2}
    best = sorted(
        hits,
        key=lambda p: (rank.get(lexicon.place_kinds.get(p, "city"), 0), -hits[p], first_seen[p]),
    )
    return best[0] if best else None


@cache
def _place_cue_reach(lexicon: Lexicon) -> int:
    """How many words before a place a place cue may start: its longest cue, plus one."""
    index = lexicon.cues_starting("place")
    return max((len(c) for cues in index.values() for c in cues), default=0) + 1


def find_visit(
    text: str,
    tokens: list[Token],
    matches: list[Match],
    lexicon: Lexicon,
    sentences: list[tuple[int, int]],
    title_end: int,
    lead_end: int,
    flags: Sequence[int] | None = None,
    norms: Sequence[str] | None = None,
) -> VisitFinding | None:
    """The visit an article reports, or None when it reports none."""
    if norms is None:
        norms = list(map(NORM, tokens))
    if flags is None:
        flags = lexicon.flag_list(norms)
    ordinals = find_ordinals(text, tokens, lexicon, sentences, flags)
    scores = score_status(tokens, lexicon, lead_end, title_end, flags, norms)
    travels = any(f & FLAG_TRAVEL for f in compress(flags, flags))
    if not ordinals and not (travels and sum(scores.values()) >= 2):
        return None
    counted = Counter(n for n, _ in ordinals)
    order = sorted(counted, key=lambda n: (-counted[n], [o for o, _ in ordinals].index(n)))
    status = "unknown"
    if scores:
        status = max(scores, key=lambda s: (scores[s], s == "under-way"))
    evidence = next((e for n, e in ordinals if order and n == order[0]), "")
    return VisitFinding(
        ordinal=order[0] if order else None,
        ordinals=tuple(order),
        status=status,
        place=find_visit_place(tokens, matches, lexicon, flags, norms),
        evidence=evidence,
    )


def find_date_hints(
    text: str,
    tokens: list[Token],
    lexicon: Lexicon,
    updated: str | None,
    flags: Sequence[int] | None = None,
) -> tuple[str, ...]:
    """Weekdays ("weekday:thursday") and update stamps ("updated:22:24"), first seen first."""
    hints: list[str] = []
    if updated:
        hints.append(f"updated:{updated}")
    if flags is None:
        flags = lexicon.flag_list(list(map(NORM, tokens)))
    for i in compress(range(len(flags)), flags):
        if not flags[i] & FLAG_WEEKDAY:
            continue
        for length in (2, 1):
            key = tuple(t.norm for t in tokens[i : i + length])
            day = lexicon.weekdays.get(key) if len(key) == length else None
            if day is None:
                continue
            if lexicon.weekday_needs_marker and not _weekday_marked(text, tokens, i, lexicon):
                continue
            hints.append(f"weekday:{day}")
            break
    pattern = _update_pattern(lexicon.update_words)
    if pattern is not None and _has_time(text):
        for m in pattern.finditer(text):
            hints.append(f"updated:{m.group(1)}")
    return tuple(dict.fromkeys(hints))


def _has_time(text: str) -> bool:
    """Whether a time (a digit, a colon, two digits) stands anywhere in the text: a quick
    test that spares the update-stamp search most texts."""
    colon = text.find(":")
    while colon >= 0:
        after = text[colon + 1 : colon + 3]
        if colon > 0 and text[colon - 1].isdecimal() and len(after) == 2 and after.isdecimal():
            return True
        colon = text.find(":", colon + 1)
    return False


@cache
def _update_pattern(update_words: tuple[str, ...]) -> re.Pattern[str] | None:
    """An update word, then a time ("updated 22:24"), compiled once per lexicon."""
    if not update_words:
        return None
    words = "|".join(re.escape(w) for w in sorted(update_words, key=len, reverse=True))
    pattern = rf"(?:{words})[^\d\n]{{0,25}}?(\d{{1,2}}:\d{{2}})"
    firsts = {w[0] for w in update_words if w}
    if all(update_words) and any(c.lower() != c.upper() for c in firsts):
        # Case-insensitive words get no fast literal search: a lookahead on their first
        # letters (same flags) lets the search skip ahead; it matches the same text.
        pattern = f"(?=[{''.join(re.escape(c) for c in sorted(firsts))}])(?:{pattern})"
    return re.compile(pattern, re.I)


def _weekday_marked(text: str, tokens: list[Token], i: int, lexicon: Lexicon) -> bool:
    """A Hebrew weekday is one after a day word or alone in parentheses, "( Thursday )"."""
    if i > 0 and lexicon.base_in(tokens[i - 1].norm, lexicon.weekday_markers):
        return True
    before = tokens[i].start - 1  # the last character before the word that is not a space
    while before >= 0 and text[before].isspace():
        before -= 1
    if before < 0 or text[before] != "(":
        return False
    after = tokens[i].end  # the first character after it that is not a space
    while after < len(text) and text[after].isspace():
        after += 1
    return after < len(text) and text[after] == ")"
