"""Direct quotations and who said them.

Quote marks are paired within a block; a straight quote between Hebrew
letters is a gershayim (an abbreviation) unless a one-letter prefix stands before
it and a word after it (a prefixed quotation).  The speaker is the actor next to a
speech verb right after the quote ("...", said Kerry / "...," Kerry said), else before it
(Erekat told AFP, "..."); a pronoun or a bare verb goes to the last speaker,
or failing one the last actor named outside quotes.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress

from .actors_match import Mention
from .analyse_text import FLAG_SPEECH, NORM, START, Lexicon, Token, fold_text

MIN_QUOTE_WORDS = 3
AFTER_WINDOW = 8  # words after a closing quote searched for the speech verb
BEFORE_WINDOW = 12  # words before an opening quote
SUBJECT_WORDS = 4  # an actor within a sentence's first words is its subject


@dataclass(frozen=True, slots=True)
class QuoteFound:
    """A quotation with its speaker (an actor id)."""

    actor_id: str
    text: str
    block: int
    start: int  # offset of the opening quote mark in the analysed text


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


def quote_marks(text: str, prefix_letters: frozenset[str]) -> list[int]:
    """Offsets of the quote marks in ``text`` (gershayim inside Hebrew words left out)."""
    return _quote_marks(fold_text(text), prefix_letters)


def _quote_marks(folded: str, prefix_letters: frozenset[str]) -> list[int]:
    """``quote_marks`` of a folded text."""
    marks = []
    i = folded.find('"')
    while i >= 0:
        before = folded[i - 1] if i > 0 else " "
        after = folded[i + 1] if i + 1 < len(folded) else " "
        if _is_letter(before) and _is_letter(after):
            run_after = 0
            while i + 1 + run_after < len(folded) and _is_letter(folded[i + 1 + run_after]):
                run_after += 1
            run_before = 0
            while i - 1 - run_before >= 0 and _is_letter(folded[i - 1 - run_before]):
                run_before += 1
            opening = run_before == 1 and before in prefix_letters and run_after >= 2
            if opening:
                marks.append(i)  # else a gershayim, or a quote glued between Latin words
        else:
            marks.append(i)
        i = folded.find('"', i + 1)
    return marks


def find_quotes(
    text: str,
    blocks: Sequence[tuple[int, int]],
    tokens: list[Token],
    mentions: list[Mention],
    lexicon: Lexicon,
    sentences: Sequence[tuple[int, int]] = (),
    other_people: Sequence[int] = (),
    flags: Sequence[int] | None = None,
) -> list[QuoteFound]:
    """Attributed quotations in the body blocks (given as (start, end) offsets);
    ``other_people`` are offsets where someone not an actor is named or titled."""
    folded = fold_text(text)  # folding keeps offsets: a block's slice folds the same
    if '"' not in folded:
        return []
    if flags is None:
        flags = lexicon.flag_list(list(map(NORM, tokens)))
    prefix_letters = _prefix_letters(lexicon.prefixes)
    spans = []
    for index, (start, end) in enumerate(blocks):
        if folded.find('"', start, end) < 0:
            continue
        marks = [start + m for m in _quote_marks(folded[start:end], prefix_letters)]
        for open_at, close_at in zip(marks[::2], marks[1::2], strict=False):
            spans.append((index, open_at, close_at))
    if not spans:
        return []
    sentence_starts = [s for s, _ in sentences] or [0]
    token_starts = list(map(START, tokens))
    actor_at = {i: m.actor_id for m in mentions for i in range(m.first, m.last)}
    inside = [(o, c) for _, o, c in spans]
    # what a pronoun or a bare verb needs, worked out for the first one only
    context: _Context | None = None
    found = []
    for index, open_at, close_at in spans:
        words = text[open_at + 1 : close_at].split()
        if len(words) < MIN_QUOTE_WORDS:
            continue
        first_after = bisect.bisect_right(token_starts, close_at)
        first_inside = bisect.bisect_right(token_starts, open_at)
        block_end = blocks[index][1]
        speaker = _speaker_after(text, tokens, first_after, block_end, actor_at, lexicon, flags)
        if speaker is _NO_VERB:
            speaker = _speaker_before(
                text, tokens, first_inside, blocks[index][0], actor_at, lexicon, flags
            )
        if speaker is _RESOLVE:
            if context is None:
                events = _speech_events(text, tokens, actor_at, lexicon, inside, flags)
                named = [
                    (tokens[m.first].start, m.first, m.actor_id)
                    for m in mentions
                    if not _within(tokens[m.first].start, inside)
                ]
                context = (events, [e[0] for e in events], named, sorted(other_people))
            sentence = sentence_starts[max(bisect.bisect_right(sentence_starts, open_at) - 1, 0)]
            first = bisect.bisect_left(token_starts, sentence)
            speaker = _resolve(open_at, first, *context, sentence)
        if isinstance(speaker, str):
            quote = " ".join(words).strip(" ,")
            found.append(QuoteFound(speaker, quote, index, open_at))
    return found


# (speech events, their offsets, actors named outside quotes, other people's offsets)
_Context = tuple[list[tuple[int, str | None]], list[int], list[tuple[int, int, str]], list[int]]


@cache
def _prefix_letters(prefixes: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p for p in prefixes if len(p) == 1)


class _Marker:
    """A sentinel for the attribution steps."""


_NO_VERB, _RESOLVE, _OTHER = _Marker(), _Marker(), _Marker()


def _within(offset: int, spans: list[tuple[int, int]]) -> bool:
    """Whether an offset is inside one of the (sorted, disjoint) quote spans."""
    index = bisect.bisect_left(spans, (offset, offset)) - 1
    return index >= 0 and spans[index][0] < offset < spans[index][1]


def _gap(text: str, tokens: list[Token], i: int) -> str:
    """The characters between token i-1 and token i."""
    return text[tokens[i - 1].end : tokens[i].start] if i > 0 else ""


def _breaks(gap: str) -> bool:
    """Whether the characters between two words end a sentence or a quotation."""
    return "." in gap or "!" in gap or "?" in gap or '"' in gap


def _subject(
    tokens: list[Token], indexes: list[int], actor_at: dict[int, str], lexicon: Lexicon
) -> str | _Marker | None:
    """An actor id, _RESOLVE for a pronoun, _OTHER for someone else, None if no words."""
    actors = [actor_at[i] for i in indexes if i in actor_at]
    if actors:
        return actors[-1]
    if any(lexicon.base_in(tokens[i].norm, lexicon.pronouns) for i in indexes):
        return _RESOLVE
    words = [i for i in indexes if not lexicon.base_in(tokens[i].norm, lexicon.verb_complements)]
    return _OTHER if words else None


def _verb_subject(
    text: str,
    tokens: list[Token],
    verb: int,
    before: list[int],
    limit: int,
    actor_at: dict[int, str],
    lexicon: Lexicon,
) -> str | _Marker:
    """Who a speech verb's subject is: an actor beside it, a pronoun, or someone else."""
    after = []
    k = verb + 1
    while k < len(tokens) and tokens[k].start < limit and len(after) < 3:
        if _gap(text, tokens, k).strip(" ") or tokens[k].norm in lexicon.verb_complements:
            break
        after.append(k)
        k += 1
    before = before[-2:]
    if before and tokens[before[-1]].norm in lexicon.subject_continuers:
        before = []  # "when he said", "but said": the subject is an earlier one
    verb_norm = tokens[verb].norm
    if verb_norm not in lexicon.speech_verbs and verb_norm[:1] in lexicon.subject_continuers:
        before = []  # a verb with a conjunction prefix ("and said") continues the subject
    sides = [after, before] if lexicon.subject_after_verb else [before, after]
    found = [_subject(tokens, side, actor_at, lexicon) for side in sides]
    for item in found:
        if isinstance(item, str):
            return item
    for item in found:
        if item is not None:
            return item
    return _RESOLVE


def _speaker_after(
    text: str,
    tokens: list[Token],
    first: int,
    limit: int,
    actor_at: dict[int, str],
    lexicon: Lexicon,
    flags: Sequence[int],
) -> str | _Marker:
    """The speaker named after a closing quote, if a speech verb follows it (``flags``:
    ``Lexicon.flags`` of every token, whose FLAG_SPEECH is the speech-verb test)."""
    for k in range(first, min(first + AFTER_WINDOW, len(tokens))):
        if tokens[k].start >= limit or (k > first and _breaks(_gap(text, tokens, k))):
            break
        if flags[k] & FLAG_SPEECH:
            return _verb_subject(text, tokens, k, list(range(first, k)), limit, actor_at, lexicon)
    return _NO_VERB


def _speaker_before(
    text: str,
    tokens: list[Token],
    first_inside: int,
    block_start: int,
    actor_at: dict[int, str],
    lexicon: Lexicon,
    flags: Sequence[int],
) -> str | _Marker:
    """The speaker of a quote introduced before it: Erekat told AFP, "..."."""
    k = first_inside - 1
    window: list[int] = []
    while k >= 0 and tokens[k].start >= block_start and len(window) < BEFORE_WINDOW:
        window.insert(0, k)
        if _breaks(_gap(text, tokens, k)):
            break
        k -= 1
    verbs = [i for i in window if flags[i] & FLAG_SPEECH]
    if not verbs:
        colon = text[tokens[window[-1]].end : tokens[first_inside].start] if window else ""
        if ":" in colon and window and window[0] in actor_at:
            return actor_at[window[0]]
        return _OTHER
    verb = verbs[0]
    before = [i for i in window if i < verb][-4:]
    limit = tokens[first_inside].start if first_inside < len(tokens) else len(text)
    return _verb_subject(text, tokens, verb, before, limit, actor_at, lexicon)


def _speech_events(
    text: str,
    tokens: list[Token],
    actor_at: dict[int, str],
    lexicon: Lexicon,
    inside: list[tuple[int, int]],
    flags: Sequence[int] | None = None,
) -> list[tuple[int, str | None]]:
    """(offset, speaker) of every speech verb outside quotes; None for a non-actor speaker."""
    events: list[tuple[int, str | None]] = []
    if flags is None:
        flags = lexicon.flag_list(list(map(NORM, tokens)))
    for k in compress(range(len(flags)), flags):
        tok = tokens[k]
        if not flags[k] & FLAG_SPEECH or _within(tok.start, inside):
            continue
        before: list[int] = []
        i = k
        while i > 0 and len(before) < 4 and not _gap(text, tokens, i).strip():
            i -= 1
            before.insert(0, i)
        after: list[int] = []
        i = k + 1
        while i < len(tokens) and len(after) < 2 and not _gap(text, tokens, i).strip():
            after.append(i)
            i += 1
        if before and tokens[before[-1]].norm in lexicon.subject_continuers:
            continue  # "ended the trip but said": the subject is the previous one
        sides = [after, before] if lexicon.subject_after_verb else [before[-2:], after[:1]]
        for side in sides:
            found = _subject(tokens, side, actor_at, lexicon)
            if isinstance(found, str):
                events.append((tok.start, found))
                break
            if found is _OTHER and side is sides[0]:
                events.append((tok.start, None))
                break
            if found is _RESOLVE:
                break
    return events


def _resolve(
    offset: int,
    sentence_first: int,
    events: list[tuple[int, str | None]],
    event_starts: list[int],
    named: list[tuple[int, int, str]],
    others: list[int],
    sentence_start: int,
) -> str | None:
    """A pronoun's or bare verb's speaker: an actor opening the sentence; nobody when the
    sentence names someone else; else the last speaker, else the last actor named before.
    ``named`` holds (offset, token index, actor) of mentions outside quotes, in order."""
    starts = [n[0] for n in named]
    low, high = bisect.bisect_left(starts, sentence_start), bisect.bisect_left(starts, offset)
    for _, token_index, actor in named[low:high]:
        if token_index < sentence_first + SUBJECT_WORDS:
            return actor
        break
    other = bisect.bisect_left(others, sentence_start)
    if other < len(others) and others[other] < offset:
        return None
    index = bisect.bisect_left(event_starts, offset) - 1
    if index >= 0:
        return events[index][1]
    return named[high - 1][2] if high > 0 else None
