"""Shared tools of the analyser: per-language lexicons, tokens and a phrase table.

Everything language-specific is data in ``data/lexicons/analyse-*.yaml``; the
tokenizer and the longest-match phrase lookup are general, so one pass over
an article's tokens finds every actor, role, place and title at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

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

HEBREW = "\u05d0-\u05ea"
MEMO_LIMIT = 200_000  # distinct words whose prefix variants are remembered
# A word: an acronym with dots (U.S.), or letters and digits with inner
# apostrophes or gershayim (a geresh name like Dzh'on, an abbreviation like Yu"r,
# O'Brien, Kerry's), or a Hebrew word ending in a geresh.
_TOKEN = re.compile(
    rf"(?:[A-Za-z]\.){{2,}}|[^\W_]+(?:['\"][^\W_]+)*(?:(?<=[{HEBREW}])'(?![^\W_]))?"
)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$|[\"')])|\n+")


def fold_text(text: str) -> str:
    """Fold typographic quotes, geresh and dashes to ASCII, keeping every offset."""
    return text.translate(_FOLD)


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


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the text, with its place and lookup key."""

    start: int  # offset of the first character in the text
    end: int  # offset after the last character
    text: str  # as written
    norm: str  # lookup key (see normalise_word)

    @property
    def capitalised(self) -> bool:
        """Latin words must start with a capital to be a name; other scripts always pass."""
        return not is_latin(self.text) or self.text[0].isupper()


def tokenize(text: str) -> list[Token]:
    """Split text into words in one regex pass."""
    folded = fold_text(text)
    return [
        Token(m.start(), m.end(), text[m.start() : m.end()], _normalise_folded(m.group()))
        for m in _TOKEN.finditer(folded)
    ]


def split_phrase(phrase: str) -> tuple[str, ...]:
    """The lookup keys of a phrase, as the tokenizer would produce them."""
    return tuple(normalise_word(m.group()) for m in _TOKEN.finditer(fold_text(phrase)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence, split on full stops, ! ? and line breaks."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start:
            spans.append((start, m.end()))
        start = m.end()
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
    # base_in answers, keyed by id() of the word set: only the lexicon's own sets may be
    # passed to base_in, never a set built per call (its id could be reused)
    memo_in: dict[tuple[str, int], bool] = field(default_factory=dict, repr=False)

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
        key = (norm, id(words))
        known = self.memo_in.get(key)
        if known is None:
            known = any(v in words for v in self.variants(norm))
            if len(self.memo_in) > MEMO_LIMIT:
                self.memo_in.clear()
            self.memo_in[key] = known
        return known


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
    data = yaml.safe_load(path.read_text("utf-8")) or {}
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


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found in the text: tokens [first, last) and what it means."""

    first: int  # index of the first token
    last: int  # index after the last token
    entries: tuple[Entry, ...]
    prefixed: bool  # the first token carried a prefix


class PhraseTable:
    """Phrases keyed by their token keys, found by greedy longest match in one pass."""

    def __init__(self, phrases: Mapping[tuple[str, ...], Iterable[Entry]]) -> None:
        self.phrases = {key: tuple(dict.fromkeys(entries)) for key, entries in phrases.items()}
        self.starts = {key[0] for key in self.phrases}
        self.longest = max((len(key) for key in self.phrases), default=0)

    def find(self, tokens: list[Token], lexicon: Lexicon) -> list[Match]:
        """Non-overlapping longest matches, left to right; prefixes only on the first word."""
        norms = [t.norm for t in tokens]
        matches: list[Match] = []
        i = 0
        while i < len(tokens):
            best: Match | None = None
            for variant_index, variant in enumerate(lexicon.variants(norms[i])):
                if variant not in self.starts:
                    continue
                for length in range(min(self.longest, len(tokens) - i), 0, -1):
                    if best is not None and length <= best.last - best.first:
                        break
                    key = (variant, *norms[i + 1 : i + length])
                    entries = self.phrases.get(key)
                    if entries and _capitals_fit(entries, tokens[i : i + length]):
                        best = Match(i, i + length, entries, variant_index > 0)
                        break
            if best is None:
                i += 1
            else:
                matches.append(best)
                i = best.last
        return matches


def _capitals_fit(entries: tuple[Entry, ...], tokens: list[Token]) -> bool:
    """Names and places need capitals in Latin script; roles and titles do not."""
    if all(e.kind in ("role", "title") for e in entries):
        return True
    return tokens[0].capitalised and tokens[-1].capitalised
