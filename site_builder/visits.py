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
from dataclasses import dataclass

from .analyse_text import Lexicon, Match, Token

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
    text: str, tokens: list[Token], lexicon: Lexicon, sentences: list[tuple[int, int]]
) -> list[tuple[int, str]]:
    """Every (visit count, evidence) in text order."""
    starts = [s for s, _ in sentences]
    sentence_of = [bisect.bisect_right(starts, t.start) - 1 for t in tokens]
    travel_sentences = {
        sentence_of[i]
        for i, t in enumerate(tokens)
        if lexicon.base_in(t.norm, lexicon.travel_or_visit)
    }
    found: list[tuple[int, str]] = []
    used: set[int] = set()  # an ordinal counts for one noun only
    for i, tok in enumerate(tokens):
        strong = lexicon.base_in(tok.norm, lexicon.visit_nouns)
        weak = lexicon.base_in(tok.norm, lexicon.weak_visit_nouns)
        if not strong and not (weak and sentence_of[i] in travel_sentences):
            continue
        before = range(i - 1, max(i - 1 - lexicon.ordinal_window_before, -1), -1)
        after = range(i + 1, min(i + 1 + lexicon.ordinal_window_after, len(tokens)))
        for j in [*before, *after]:  # nearest before first: "his ninth visit"
            if j in used or sentence_of[j] != sentence_of[i]:
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
    tokens: list[Token], lexicon: Lexicon, lead_end: int, title_end: int
) -> Counter[str]:
    """Weighted cue hits per status; a cue is a phrase, its first word may carry a prefix."""
    scores: Counter[str] = Counter()
    norms = [t.norm for t in tokens]
    indexes = [(status, lexicon.cues_starting(status)) for status in lexicon.status_cues]
    firsts = frozenset(word for _, index in indexes for word in index)
    for i, tok in enumerate(tokens):
        variants = [v for v in lexicon.variants(tok.norm) if v in firsts]
        if not variants:
            continue
        weight = (
            WEIGHT_TITLE
            if tok.start < title_end
            else WEIGHT_LEAD
            if tok.start < lead_end
            else WEIGHT_BODY
        )
        for status, index in indexes:
            if any(_cue_at(norms, i, index.get(v, ())) for v in variants):
                scores[status] += weight
    return scores


def _cue_at(norms: list[str], i: int, cues: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    """The longest of ``cues`` (all starting with token i's word) that the text continues."""
    for cue in cues:
        if len(cue) == 1 or tuple(norms[i + 1 : i + len(cue)]) == cue[1:]:
            return cue
    return None


def find_visit_place(tokens: list[Token], matches: list[Match], lexicon: Lexicon) -> str | None:
    """The city (else region, else country) most often right after a travel or meeting word."""
    places_at = {m.first: e.value for m in matches for e in m.entries if e.kind == "place"}
    hits: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    norms = [t.norm for t in tokens]
    index = lexicon.cues_starting("place")
    for i, tok in enumerate(tokens):
        cue = next(
            (c for v in lexicon.variants(tok.norm) if (c := _cue_at(norms, i, index.get(v, ())))),
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


def find_visit(
    text: str,
    tokens: list[Token],
    matches: list[Match],
    lexicon: Lexicon,
    sentences: list[tuple[int, int]],
    title_end: int,
    lead_end: int,
) -> VisitFinding | None:
    """The visit an article reports, or None when it reports none."""
    ordinals = find_ordinals(text, tokens, lexicon, sentences)
    scores = score_status(tokens, lexicon, lead_end, title_end)
    travels = any(lexicon.base_in(t.norm, lexicon.travel_or_visit) for t in tokens)
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
        place=find_visit_place(tokens, matches, lexicon),
        evidence=evidence,
    )


def find_date_hints(
    text: str, tokens: list[Token], lexicon: Lexicon, updated: str | None
) -> tuple[str, ...]:
    """Weekdays ("weekday:thursday") and update stamps ("updated:22:24"), first seen first."""
    hints: list[str] = []
    if updated:
        hints.append(f"updated:{updated}")
    first_words = {key[0] for key in lexicon.weekdays}
    for i, tok in enumerate(tokens):
        if tok.norm not in first_words:
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
    if lexicon.update_words:
        words = "|".join(re.escape(w) for w in sorted(lexicon.update_words, key=len, reverse=True))
        for m in re.finditer(rf"(?:{words})[^\d\n]{{0,25}}?(\d{{1,2}}:\d{{2}})", text, re.I):
            hints.append(f"updated:{m.group(1)}")
    return tuple(dict.fromkeys(hints))


def _weekday_marked(text: str, tokens: list[Token], i: int, lexicon: Lexicon) -> bool:
    """A Hebrew weekday is one after a day word or alone in parentheses, "( Thursday )"."""
    if i > 0 and lexicon.base_in(tokens[i - 1].norm, lexicon.weekday_markers):
        return True
    before = text[: tokens[i].start].rstrip()
    after = text[tokens[i].end :].lstrip()
    return before.endswith("(") and after.startswith(")")
