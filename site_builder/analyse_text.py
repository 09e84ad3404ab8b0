"""Shared tools of the analyser: per-language lexicons, tokens and a phrase table.

Everything language-specific is data in ``data/lexicons/analyse-*.yaml``; the
tokenizer and the longest-match phrase lookup are general, so one pass over
an article's tokens finds every actor, role, place and title at once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import accumulate, compress, repeat
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from .yamlio import safe_load

# Quote and apostrophe look-alikes folded to ASCII, one character for one, so
# offsets in the folded text are offsets in the original.
_FOLD = str.maketrans(
    {
        "\u05f3": "'",  # Hebrew geresh
        "\u05f4": '"',  # Hebrew gershayim
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u0060": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u05be": "-",  # Hebrew maqaf
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u00a0": " ",
    }
)

# The same folding as pairs: a chain of str.replace is much faster than translate on
# non-Latin text, and gives the same string (no target is itself a source).
_FOLD_PAIRS = tuple((chr(source), target) for source, target in _FOLD.items())

HEBREW = "\u05d0-\u05ea"
MEMO_LIMIT = 200_000  # distinct words whose prefix variants are remembered
# A word: an acronym with dots (U.S.), or letters and digits with inner
# apostrophes or gershayim (a geresh name like Dzh'on, an abbreviation like Yu"r,
# O'Brien, Kerry's), or a Hebrew word ending in a geresh.  Both kinds start with a
# letter or digit, written once before the alternatives (the acronym checks it with a
# look-behind): a pattern that starts with a character class lets the regex engine skip
# to the next word in C, instead of trying every alternative at every character.
# The look-behinds stand after the character they check, so that most words fail the
# acronym branch on its first character ('.').  The repeats are greedy, not possessive
# (*+), though nothing after them can make them give back: Python 3.11.0-3.11.4 match
# possessive repeats of groups wrongly (Debian 12's 3.11.2 read "Abbas' team" as
# "Abbas'"), and greedy ones cost no more here.
_TOKEN = re.compile(
    rf"[^\W_](?:\.(?<=[A-Za-z]\.)(?:[A-Za-z]\.)+"
    rf"|[^\W_]*(?:['\"][^\W_]+)*(?:'(?<=[{HEBREW}]')(?![^\W_]))?)"
)
# The characters folding makes a quote or apostrophe: the only folded ones a word can hold.
_FOLDS_TO_QUOTE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c, to in _FOLD.items() if to in ("'", '"')) + "]"
)
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")  # the same words, with the gaps between
# A run of line breaks, or of . ! ? before a space, the end or a closing quote; written
# to start with one character class, which lets the search skip quickly between ends.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=\n)\n*|[.!?]*(?=\s|$|[\"')]))")


def fold_text(text: str) -> str:
    """Fold typographic quotes, geresh and dashes to ASCII, keeping every offset."""
    for source, target in _FOLD_PAIRS:
        text = text.replace(source, target)
    return text


NORM = itemgetter(3)  # a token's norm, for list(map(NORM, tokens))
TEXT = itemgetter(2)  # a token's text
START = itemgetter(0)  # a token's start


def is_latin(word: str) -> bool:
    """Whether a word is written in Latin letters (so capitals mean something)."""
    return bool(word) and "a" <= word[0].lower() <= "z"


def normalise_word(word: str) -> str:
    """The lookup key of a word: folded, case-folded, without possessive or acronym dots."""
    return _normalise_folded(fold_text(word))


def _normalise_folded(word: str) -> str:
    word = word.casefold()
    if "a" <= word[:1] <= "z":
        if word.endswith("'s") and len(word) > 3:
            word = word[:-2]
        word = word.replace(".", "")
    return word


class Token(NamedTuple):
    """One word of the text, with its place and lookup key (a light tuple: one per word)."""

    start: int  # offset of the first character in the text
    end: int  # offset after the last character
    text: str  # as written
    norm: str  # lookup key (see normalise_word)
    # Latin words must start with a capital to be a name; other scripts always pass.
    capitalised: bool


_WORD_INFO: dict[str, tuple[str, bool]] = {}  # folded word -> (norm, capitalised)


def _word_info(word: str) -> tuple[str, bool]:
    if len(_WORD_INFO) > MEMO_LIMIT:  # bounded: words recur across articles
        _WORD_INFO.clear()
    info = _WORD_INFO[word] = (_normalise_folded(word), not is_latin(word) or word[0].isupper())
    return info


def tokenize(text: str) -> list[Token]:
    """Split text into words in one regex pass (the loops below all run in C)."""
    folded = fold_text(text)
    parts = _TOKEN_SPLIT.split(folded)  # gap, word, gap, word, ..., gap
    words = parts[1::2]
    if not words:
        return []
    try:  # a C-level map while every word is known, which is the common case
        infos = list(map(_WORD_INFO.__getitem__, words))
    except KeyError:
        infos = [_WORD_INFO.get(word) or _word_info(word) for word in words]
    offsets = list(accumulate(map(len, parts)))  # where each gap and each word ends
    starts, ends = offsets[0::2], offsets[1::2]
    norms, capitalised = zip(*infos, strict=True)
    if folded != text:  # a token's text is as written, not folded
        # Inside a word, folding can only have made a quote or apostrophe (a word holds no
        # dash or space): only the words around such a character need their text back.
        words = list(words)
        for at in _FOLDS_TO_QUOTE.finditer(text):
            k = bisect_right(ends, at.start())
            if k < len(words) and starts[k] <= at.start():
                words[k] = text[starts[k] : ends[k]]
    return list(
        map(
            tuple.__new__, repeat(Token), zip(starts, ends, words, norms, capitalised, strict=False)
        )
    )


def split_phrase(phrase: str) -> tuple[str, ...]:
    """The lookup keys of a phrase, as the tokenizer would produce them."""
    return tuple(normalise_word(m.group()) for m in _TOKEN.finditer(fold_text(phrase)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence, split on full stops, ! ? and line breaks."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]  # never empty: each ends a sentence
    spans = list(zip([0, *ends], ends, strict=False))
    start = ends[-1] if ends else 0
    if start < len(text):
        spans.append((start, len(text)))
    return spans


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: compiled once, cached by it
class Lexicon:
    """One language's words for the analyser, compiled for lookup."""

    code: str
    prefixes: tuple[str, ...] = ()  # longest first
    not_prefixed: frozenset[str] = frozenset()
    ambiguous: frozenset[str] = frozenset()
    role_breakers: frozenset[str] = frozenset()
    ordinals: Mapping[tuple[str, ...], int] = field(default_factory=dict)
    digit_ordinal_markers: frozenset[str] = frozenset()
    ordinal_blockers: frozenset[str] = frozenset()
    construct_numerals: frozenset[str] = frozenset()
    visit_nouns: frozenset[str] = frozenset()
    weak_visit_nouns: frozenset[str] = frozenset()
    ordinal_window_after: int = 3
    ordinal_window_before: int = 0
    travel_words: frozenset[str] = frozenset()
    travel_or_visit: frozenset[str] = frozenset()  # travel words and visit nouns together
    status_cues: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    place_cues: frozenset[tuple[str, ...]] = frozenset()
    weekdays: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    weekday_markers: frozenset[str] = frozenset()
    weekday_needs_marker: bool = False
    update_words: tuple[str, ...] = ()
    title_words: frozenset[tuple[str, ...]] = frozenset()
    descriptor_prefix: str = ""
    max_descriptors: int = 0
    geresh_name: re.Pattern[str] | None = None
    name_stopwords: frozenset[str] = frozenset()
    speech_verbs: frozenset[str] = frozenset()
    pronouns: frozenset[str] = frozenset()
    verb_complements: frozenset[str] = frozenset()
    subject_after_verb: bool = False
    subject_continuers: frozenset[str] = frozenset()
    name_token: re.Pattern[str] | None = None
    places: Mapping[tuple[str, ...], str] = field(default_factory=dict)  # form -> place id
    place_kinds: Mapping[str, str] = field(default_factory=dict)  # place id -> kind
    memo: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)  # variants seen
    # base_in answers per word set (a frozenset caches its hash, so the key is cheap)
    memo_in: dict[frozenset[str], dict[str, bool]] = field(default_factory=dict, repr=False)
    memo_flags: dict[str, int] = field(default_factory=dict, repr=False)  # see ``flags``

    def variants(self, norm: str) -> tuple[str, ...]:
        """A word and the words left after stripping each prefix it may carry."""
        found = self.memo.get(norm)
        if found is not None:
            return found
        if not self.prefixes or norm in self.not_prefixed:
            found = (norm,)
        else:
            prefix_set, longest = _prefix_set(self.prefixes)
            found = (
                (norm,)
                + tuple(
                    norm[length:]
                    for length in range(longest, 0, -1)  # longest first, like `prefixes`
                    if len(norm) - length >= 2 and norm[:length] in prefix_set
                )
            )
        if len(self.memo) > MEMO_LIMIT:  # a bounded memo: words recur across articles
            self.memo.clear()
        self.memo[norm] = found
        return found

    def cues_starting(self, status_or_place: str) -> Mapping[str, tuple[tuple[str, ...], ...]]:
        """Cue phrases indexed by their first word, so a token needs one lookup."""
        return _cue_index(self, status_or_place)

    def base_in(self, norm: str, words: frozenset[str]) -> bool:
        """Whether the word, with or without a prefix, is one of ``words``."""
        memo = self.memo_in.get(words)
        if memo is None:
            memo = self.memo_in[words] = {}
        known = memo.get(norm)
        if known is None:
            known = any(v in words for v in self.variants(norm))
            if len(memo) > MEMO_LIMIT:
                memo.clear()
            memo[norm] = known
        return known

    def flags(self, norm: str) -> int:
        """What a word (with or without a prefix) may be, as FLAG_* bits, remembered."""
        found = self.memo_flags.get(norm)
        if found is None:
            if len(self.memo_flags) > MEMO_LIMIT:
                self.memo_flags.clear()
            found = self.memo_flags[norm] = self._flags(norm)
        return found

    def flag_list(self, norms: Sequence[str]) -> list[int]:
        """``flags`` of every word; most words are remembered, so this is one C-level map."""
        try:
            return list(map(self.memo_flags.__getitem__, norms))
        except KeyError:
            return [self.flags(n) for n in norms]

    def _flags(self, norm: str) -> int:
        variants = self.variants(norm)
        flags = 0
        for bit, words in (
            (FLAG_TRAVEL, self.travel_or_visit),
            (FLAG_VISIT, self.visit_nouns),
            (FLAG_WEAK, self.weak_visit_nouns),
            (FLAG_SPEECH, self.speech_verbs),
            (FLAG_STATUS, _cue_firsts(self, "status")),
            (FLAG_PLACE_CUE, _cue_firsts(self, "place")),
        ):
            if any(v in words for v in variants):
                flags |= bit
        if norm in _cue_firsts(self, "weekday"):
            flags |= FLAG_WEEKDAY
        return flags


# What a word may be (Lexicon.flags); a word with no bit set needs no further look.
FLAG_TRAVEL = 1  # a travel word or visit noun, with or without a prefix
FLAG_VISIT = 2  # a visit noun
FLAG_WEAK = 4  # a weak visit noun ("time")
FLAG_SPEECH = 8  # a speech verb
FLAG_STATUS = 16  # may start a status cue
FLAG_PLACE_CUE = 32  # may start a place cue
FLAG_WEEKDAY = 64  # starts a weekday name (never prefixed)


@cache
def _cue_firsts(lexicon: Lexicon, which: str) -> frozenset[str]:
    """First words of the status cues, the place cues or the weekday names."""
    if which == "weekday":
        return frozenset(key[0] for key in lexicon.weekdays)
    if which == "place":
        return frozenset(lexicon.cues_starting("place"))
    return frozenset(w for status in lexicon.status_cues for w in lexicon.cues_starting(status))


@cache
def _prefix_set(prefixes: tuple[str, ...]) -> tuple[frozenset[str], int]:
    return frozenset(prefixes), max((len(p) for p in prefixes), default=0)


@cache
def _cue_index(lexicon: Lexicon, which: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Status cues (``which`` a status) or place cues (``which`` == "place"), by first word."""
    cues = lexicon.place_cues if which == "place" else lexicon.status_cues.get(which, ())
    index: dict[str, list[tuple[str, ...]]] = {}
    for cue in sorted(cues, key=len, reverse=True):
        index.setdefault(cue[0], []).append(cue)
    return {first: tuple(found) for first, found in index.items()}


def _words(items: Iterable[Any]) -> frozenset[str]:
    return frozenset(normalise_word(str(x)) for x in items)


def _phrases(items: Iterable[Any]) -> frozenset[tuple[str, ...]]:
    return frozenset(p for p in (split_phrase(str(x)) for x in items) if p)


@cache
def load_lexicon(code: str) -> Lexicon:
    """The analyser lexicon of a language; an empty one for a language without a file."""
    path = resources.files("site_builder").joinpath(f"data/lexicons/analyse-{code}.yaml")
    if not path.is_file():
        return Lexicon(code)
    data = safe_load(path.read_text("utf-8")) or {}
    return lexicon_from_mapping(code, data)


def lexicon_from_mapping(code: str, data: Mapping[str, Any]) -> Lexicon:
    """Compile the YAML form of a lexicon."""
    ordinals = {
        split_phrase(str(form)): int(number)
        for number, forms in (data.get("ordinals") or {}).items()
        for form in forms
    }
    weekdays = {
        split_phrase(str(form)): day
        for day, forms in (data.get("weekdays") or {}).items()
        for form in forms
    }
    places: dict[tuple[str, ...], str] = {}
    kinds: dict[str, str] = {}
    for place_id, item in (data.get("places") or {}).items():
        kinds[place_id] = item.get("kind", "city")
        for form in item.get("forms", []):
            places[split_phrase(str(form))] = place_id
    geresh = data.get("geresh_name_pattern") or ""
    name_token = data.get("name_token_pattern") or ""
    return Lexicon(
        code=code,
        prefixes=tuple(sorted(data.get("prefixes") or (), key=len, reverse=True)),
        not_prefixed=_words(data.get("not_prefixed_names") or ()),
        ambiguous=_words(data.get("ambiguous_aliases") or ()),
        role_breakers=_words(data.get("role_breakers") or ()),
        ordinals=ordinals,
        digit_ordinal_markers=_words(data.get("digit_ordinal_markers") or ()),
        ordinal_blockers=_words(data.get("ordinal_blockers") or ()),
        construct_numerals=_words(data.get("construct_numerals") or ()),
        visit_nouns=_words(data.get("visit_nouns") or ()),
        weak_visit_nouns=_words(data.get("weak_visit_nouns") or ()),
        ordinal_window_after=int(data.get("ordinal_window_after", 3)),
        ordinal_window_before=int(data.get("ordinal_window_before", 0)),
        travel_words=_words(data.get("travel_words") or ()),
        travel_or_visit=_words(
            [*(data.get("travel_words") or ()), *(data.get("visit_nouns") or ())]
        ),
        status_cues={
            status: tuple(sorted(_phrases(cues), key=len, reverse=True))
            for status, cues in (data.get("status_cues") or {}).items()
        },
        place_cues=_phrases(data.get("place_cues") or ()),
        weekdays=weekdays,
        weekday_markers=_words(data.get("weekday_markers") or ()),
        weekday_needs_marker=bool(data.get("weekday_needs_marker", False)),
        update_words=tuple(str(w) for w in data.get("update_words") or ()),
        title_words=_phrases(data.get("title_words") or ()),
        descriptor_prefix=str(data.get("descriptor_prefix") or ""),
        max_descriptors=int(data.get("max_descriptors", 0)),
        geresh_name=re.compile(geresh) if geresh else None,
        name_stopwords=_words(data.get("name_stopwords") or ()),
        speech_verbs=_words(data.get("speech_verbs") or ()),
        pronouns=_words(data.get("pronouns") or ()),
        verb_complements=_words(data.get("verb_complements") or ()),
        subject_after_verb=bool(data.get("subject_after_verb", False)),
        subject_continuers=_words(data.get("subject_continuers") or ()),
        name_token=re.compile(name_token) if name_token else None,
        places=places,
        place_kinds=kinds,
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """What a phrase means: an actor's name or role, a place, or a title."""

    kind: str  # "name", "confirm" (counts only when confirmed), "role", "place", "title"
    value: str  # actor id, place id, or "" for a title


class Match(NamedTuple):
    """A phrase found in the text: tokens [first, last) and what it means (a light tuple)."""

    first: int  # index of the first token
    last: int  # index after the last token
    entries: tuple[Entry, ...]
    prefixed: bool  # the first token carried a prefix


def entry_kinds(entries: tuple[Entry, ...]) -> frozenset[str]:
    """The kinds among a match's entries, remembered per entry tuple (the table's recur)."""
    known = _KINDS.get(id(entries))
    if known is not None and known[0] is entries:
        return known[1]
    if len(_KINDS) > MEMO_LIMIT:
        _KINDS.clear()
    kinds = frozenset(e.kind for e in entries)
    # keyed by identity: the memo keeps each tuple alive, so its id is not reused meanwhile
    _KINDS[id(entries)] = (entries, kinds)
    return kinds


_KINDS: dict[int, tuple[tuple[Entry, ...], frozenset[str]]] = {}
_ENTRIES = itemgetter(2)  # a match's entries
_SECOND = itemgetter(1)
Remembered = TypeVar("Remembered")


def per_match(
    memo: Mapping[int, tuple[tuple[Entry, ...], Remembered]],
    compute: Callable[[Match], Remembered],
    matches: Sequence[Match],
) -> list[Remembered]:
    """``compute`` of every match, where ``memo`` remembers it by the id of the match's
    entry tuple (as ``entry_kinds`` does).  Once every tuple is remembered this is one
    C-level map: the memo holds every tuple it knows, so no other object can have its id."""
    try:
        return list(map(_SECOND, map(memo.__getitem__, map(id, map(_ENTRIES, matches)))))
    except KeyError:
        return [compute(m) for m in matches]


def kinds_of(matches: Sequence[Match]) -> list[frozenset[str]]:
    """``entry_kinds`` of every match."""
    return per_match(_KINDS, lambda m: entry_kinds(m.entries), matches)


TITLE_ONLY = frozenset({"title"})


class PhraseTable:
    """Phrases keyed by their token keys, found by greedy longest match in one pass."""

    def __init__(self, phrases: Mapping[tuple[str, ...], Iterable[Entry]]) -> None:
        self.phrases = {key: tuple(dict.fromkeys(entries)) for key, entries in phrases.items()}
        self.starts = {key[0] for key in self.phrases}
        self.longest = max((len(key) for key in self.phrases), default=0)
        lengths: dict[str, set[int]] = {}
        for key in self.phrases:
            lengths.setdefault(key[0], set()).add(len(key))
        # the lengths of the phrases each first word starts, longest first
        self.lengths = {
            first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()
        }
        # phrases that need no capitals (roles and titles only)
        self.loose = {
            key: all(e.kind in ("role", "title") for e in entries)
            for key, entries in self.phrases.items()
        }
        self._starting: dict[
            Lexicon, dict[str, tuple[tuple[bool, str, tuple[int, ...], tuple[str]], ...]]
        ] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_starting"] = {}  # a per-process memo, rebuilt on demand
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _starts_of(
        self, lexicon: Lexicon, norms: Sequence[str]
    ) -> list[tuple[tuple[bool, str, tuple[int, ...], tuple[str]], ...]]:
        """Per word: (prefixed, variant, phrase lengths, the variant as a one-word key) of
        each variant that starts a phrase, remembered per lexicon (most words start none:
        an empty tuple)."""
        memo = self._starting.get(lexicon)
        if memo is None or len(memo) > MEMO_LIMIT:
            memo = self._starting[lexicon] = {}
        try:  # a C-level map while every word is known, which is the common case
            return list(map(memo.__getitem__, norms))
        except KeyError:
            pass
        for norm in set(norms).difference(memo):
            memo[norm] = tuple(
                (variant_index > 0, variant, self.lengths[variant], (variant,))
                for variant_index, variant in enumerate(lexicon.variants(norm))
                if variant in self.starts
            )
        return list(map(memo.__getitem__, norms))

    def find(
        self, tokens: list[Token], lexicon: Lexicon, norms: Sequence[str] | None = None
    ) -> list[Match]:
        """Non-overlapping longest matches, left to right; prefixes only on the first word."""
        if norms is None:
            norms = list(map(NORM, tokens))
        starting = self._starts_of(lexicon, norms)
        phrases, loose = self.phrases, self.loose
        new = tuple.__new__  # Match(...) without the Python-level constructor
        count = len(tokens)
        matches: list[Match] = []
        after_last = 0
        for i in compress(range(count), starting):
            if i < after_last:
                continue
            best = 0
            entries = None
            for variant_prefixed, variant, lengths, alone in starting[i]:
                for length in lengths:
                    if length <= best:
                        break
                    if length > count - i:
                        continue
                    key = alone if length == 1 else (variant, *norms[i + 1 : i + length])
                    found = phrases.get(key)
                    if found and (
                        loose[key] or (tokens[i].capitalised and tokens[i + length - 1].capitalised)
                    ):
                        best, entries, prefixed = length, found, variant_prefixed
                        break
            if entries is not None:
                matches.append(new(Match, (i, i + best, entries, prefixed)))
                after_last = i + best
        return matches
