"""Actors and unknown people in an article, from one pass of the phrase table.

Names, aliases and roles of every actor, the places and the title words all
live in one :class:`PhraseTable`, so an article is scanned once whatever the
number of actors.  The rules on top are general: roles that name someone
else are dropped, a name right after its own role is one mention, and
aliases that are also ordinary words count only when the actor is named
unambiguously somewhere in the article.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress
from typing import NamedTuple

from .analyse_text import (
    MEMO_LIMIT,
    NORM,
    TEXT,
    TITLE_ONLY,
    Entry,
    Lexicon,
    Match,
    PhraseTable,
    Token,
    fold_text,
    is_latin,
    kinds_of,
    normalise_word,
    per_match,
    split_phrase,
)
from .load import Actor

ACTOR_KINDS = ("name", "confirm", "role")
_COVERING = frozenset((*ACTOR_KINDS, "place"))  # matches whose words are nobody else's name


class Mention(NamedTuple):
    """One mention of an actor: tokens [first, last) (a light tuple)."""

    first: int
    last: int
    actor_id: str
    kind: str  # "name", "confirm" or "role"


def build_phrase_table(actors: Sequence[Actor], lexicons: Iterable[Lexicon]) -> PhraseTable:
    """Every actor's names, aliases and roles, every place and title, in one table."""
    lexicons = tuple(lexicons)
    ambiguous = frozenset().union(*(lex.ambiguous for lex in lexicons))
    by_key: dict[tuple[str, ...], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for actor in actors:
        forms = [*actor.names.values(), *(a for al in actor.aliases.values() for a in al)]
        for form in forms:
            key = split_phrase(form)
            if not key:
                continue
            kind = "confirm" if len(key) == 1 and key[0] in ambiguous else "name"
            by_key[key][kind].add(actor.id)
            if len(key) > 1:  # a surname alone, after the full name, is the same person
                by_key[key[-1:]]["confirm"].add(actor.id)
        for role in (r for roles in actor.roles.values() for r in roles):
            if key := split_phrase(role):
                by_key[key]["role"].add(actor.id)
    phrases: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    for key, kinds in by_key.items():
        phrases[key].extend(_unambiguous_entries(kinds))
    for lex in lexicons:
        for key, place_id in lex.places.items():
            phrases[key].append(Entry("place", place_id))
        for key in lex.title_words:
            phrases[key].append(Entry("title", ""))
    return PhraseTable({k: v for k, v in phrases.items() if v})


def _unambiguous_entries(kinds: dict[str, set[str]]) -> list[Entry]:
    """A form shared by two actors names neither; a full name beats a derived surname."""
    names = kinds.get("name", set())
    if len(names) > 1:
        return []
    if names:
        return [Entry("name", next(iter(names)))]
    confirm, roles = kinds.get("confirm", set()), kinds.get("role", set())
    entries = [Entry("confirm", a) for a in confirm] if len(confirm) == 1 else []
    if len(roles) == 1 and not entries:
        entries.append(Entry("role", next(iter(roles))))
    return entries


def _actor_entry(match: Match) -> Entry | None:
    """The actor a match names, if it names exactly one."""
    known = _ACTOR_ENTRY.get(id(match.entries))
    if known is not None and known[0] is match.entries:
        return known[1]
    entries = [e for e in match.entries if e.kind in ACTOR_KINDS]
    found = entries[0] if len({e.value for e in entries}) == 1 else None
    if len(_ACTOR_ENTRY) > MEMO_LIMIT:
        _ACTOR_ENTRY.clear()
    # keyed by identity (the table's entry tuples recur): the memo keeps each tuple alive,
    # so its id cannot be reused while it is remembered
    _ACTOR_ENTRY[id(match.entries)] = (match.entries, found)
    return found


_ACTOR_ENTRY: dict[int, tuple[tuple[Entry, ...], Entry | None]] = {}


def _actor_entries(matches: Sequence[Match]) -> list[Entry | None]:
    """``_actor_entry`` of every match."""
    return per_match(_ACTOR_ENTRY, _actor_entry, matches)


def find_mentions(scanner: NameScanner) -> list[Mention]:
    """Actor mentions in text order, with roles resolved and ambiguous aliases confirmed."""
    tokens, matches, lexicon = scanner.tokens, scanner.matches, scanner.lexicon
    raw: list[Mention] = []
    new = tuple.__new__  # Mention(...) without the Python-level constructor (one per name)
    starts = {m.first: m for m in matches}
    for match, entry in zip(matches, _actor_entries(matches), strict=True):
        if entry is None:
            continue
        if entry.kind == "role" and (
            match.first in scanner.after_titles  # "the finance minister <another name>"
            or _role_is_someone_else(match, entry, tokens, starts, lexicon)
        ):
            continue
        if entry.kind != "role" and _part_of_longer_name(scanner, match):
            continue
        kind = entry.kind
        if kind == "name" and tokens[match.first].norm in lexicon.ambiguous:
            kind = "confirm"  # a prefixed form that is also a word ("that Kerry" / "false")
        raw.append(new(Mention, (match.first, match.last, entry.value, kind)))
    merged: list[Mention] = []
    for mention in raw:  # "Secretary of State John Kerry" and "Moshe (Bogie) Yaalon": one mention
        if merged and merged[-1].actor_id == mention.actor_id and merged[-1].last == mention.first:
            prev = merged[-1]
            kind = "name" if "name" in (prev.kind, mention.kind) else prev.kind
            merged[-1] = new(Mention, (prev.first, mention.last, prev.actor_id, kind))
        else:
            merged.append(mention)
    confirmed = {m.actor_id for m in merged if m.kind in ("name", "role")}
    return [m for m in merged if m.kind != "confirm" or m.actor_id in confirmed]


def _part_of_longer_name(scanner: NameScanner, match: Match) -> bool:
    """A one-word Latin alias followed by another capitalised name is someone else's
    first name ("Abbas Zaki" is not Mahmoud Abbas)."""
    nxt = match.last
    if match.last - match.first != 1 or nxt >= len(scanner.tokens):
        return False
    first = scanner.tokens[match.first]
    if not first.text.isascii() or first.start < scanner.skip_before:
        return False
    return scanner.nameish(nxt) and scanner.joined(nxt) and scanner.tokens[nxt].text.isascii()


def _role_is_someone_else(
    match: Match, entry: Entry, tokens: list[Token], starts: dict[int, Match], lexicon: Lexicon
) -> bool:
    """A role names its usual holder unless a former holder or another person is meant."""
    before = tokens[match.first - 1].norm if match.first > 0 else ""
    after = tokens[match.last] if match.last < len(tokens) else None
    if before and lexicon.base_in(before, lexicon.role_breakers):
        return True
    if after is None:
        return False
    if lexicon.base_in(after.norm, lexicon.role_breakers):
        return True
    following = starts.get(match.last)
    if following is not None:
        other = _actor_entry(following)
        if other is not None:
            return other.value != entry.value and other.kind == "name"
        if any(e.kind == "place" for e in following.entries):
            return False
    # "former Secretary of State Hillary Clinton": a capitalised name of someone else follows.
    return bool(
        after.text[:1].isupper()
        and after.text[:1].isalpha()
        and after.text.isascii()
        and after.norm not in lexicon.name_stopwords
    )


@dataclass(frozen=True, slots=True)
class NameFound:
    """An unknown person's name in one article, before it becomes an UnknownName."""

    name: str
    count: int
    example: str


class NameScanner:
    """Where person-like names stand in one article's tokens (shared by roles and unknowns)."""

    def __init__(
        self,
        text: str,
        tokens: list[Token],
        matches: list[Match],
        lexicon: Lexicon,
        skip_before: int = 0,  # end of a Title Case headline, whose capitals mean nothing
    ) -> None:
        self.text, self.tokens, self.matches, self.lexicon = text, tokens, matches, lexicon
        self.skip_before = skip_before
        self.kinds = kinds_of(matches)  # each match's entry kinds
        self.covered = {
            i
            for m, kinds in zip(matches, self.kinds, strict=True)
            if not _COVERING.isdisjoint(kinds)
            for i in range(m.first, m.last)
        }
        self.blocked = _blocked(lexicon)
        self._word_ok = _word_memo(lexicon, "nameish")  # word -> could be part of a name
        self.titled = {  # a title is never part of the name after it
            i
            for m, kinds in zip(matches, self.kinds, strict=True)
            if kinds <= TITLE_ONLY
            for i in range(m.first, m.last)
        }
        self.after_titles = self._after_titles()
        self._spans: list[tuple[int, int]] | None = None

    def nameish(self, i: int) -> bool:
        """Whether token i could be part of a person's name."""
        if i in self.covered or i in self.titled:
            return False
        return self._nameish_word(self.tokens[i].text)

    def _nameish_word(self, text: str) -> bool:
        """The part of ``nameish`` that depends on the word alone, remembered per lexicon."""
        known = self._word_ok.get(text)
        if known is None:
            if len(self._word_ok) > MEMO_LIMIT:
                self._word_ok.clear()
            known = self._word_ok[text] = self._nameish_text(text)
        return known

    def _nameish_text(self, text: str) -> bool:
        lexicon = self.lexicon
        norm = normalise_word(text)
        if norm in self.blocked:
            return False
        if is_latin(text) and not text[0].isupper():
            return False
        if lexicon.name_token is not None and not lexicon.name_token.match(fold_text(text)):
            return False
        return not (lexicon.descriptor_prefix and norm.startswith(lexicon.descriptor_prefix))

    def joined(self, i: int) -> bool:
        """Token i follows token i-1 with nothing but spaces between."""
        return i > 0 and not self.text[self.tokens[i - 1].end : self.tokens[i].start].strip()

    def _descriptor(self, k: int) -> bool:
        """A word between a title and a name: "the former", a ministry, a nationality."""
        norm, lexicon = self.tokens[k].norm, self.lexicon
        if k in self.covered:
            return False
        if norm in lexicon.role_breakers:
            return True
        prefix = lexicon.descriptor_prefix
        return bool(prefix) and norm not in self.blocked and norm.startswith(prefix)

    def _triggers(self, match: Match, kinds: frozenset[str]) -> bool:
        """Titles always announce a name; a role only in Latin script or when it starts
        with a title word (a minister's role, not "the prime minister" before a verb)."""
        if "title" in kinds:
            return True
        if "role" not in kinds:
            return False
        first = self.tokens[match.first]
        return first.text.isascii() or any(
            (v,) in self.lexicon.title_words for v in self.lexicon.variants(first.norm)
        )

    def _after_titles(self) -> dict[int, tuple[int, int]]:
        """Name spans right after a title or role, keyed by the title's first token."""
        tokens, lexicon, found = self.tokens, self.lexicon, {}
        for m, kinds in zip(self.matches, self.kinds, strict=True):
            if ("title" not in kinds and "role" not in kinds) or not self._triggers(m, kinds):
                continue  # (most matches are names and places, which trigger nothing)
            k = m.last
            while k < len(tokens) and k - m.last < lexicon.max_descriptors and self._descriptor(k):
                k += 1
            end = k
            while end < len(tokens) and end - k < 2 and self.nameish(end) and self.joined(end):
                end += 1
            latin = k < len(tokens) and tokens[k].text.isascii()
            if end - k == 2 or (latin and end - k == 1):
                found[m.first] = (k, end)
        return found

    def spans(self) -> list[tuple[int, int]]:
        """Every name span: after titles, after a geresh first name, capitalised runs."""
        if self._spans is None:
            self._spans = self._find_spans()
        return self._spans

    def _find_spans(self) -> list[tuple[int, int]]:
        tokens, lexicon = self.tokens, self.lexicon
        covered, titled = self.covered, self.titled
        spans = list(self.after_titles.values())
        texts = list(map(TEXT, tokens))
        pattern = lexicon.geresh_name
        if pattern is not None:
            memo = _word_memo(lexicon, "geresh")
            geresh = _per_word(memo, texts, lambda text: bool(pattern.match(fold_text(text))))
            for i in compress(range(len(tokens) - 1), geresh):
                if i not in covered and self.nameish(i + 1) and self.joined(i + 1):
                    spans.append((i, i + 2))
        # capitalised runs (Latin script only): a run starts at a name-like Latin word
        memo = _word_memo(lexicon, "latin")
        nameish = self._nameish_word
        latin = _per_word(memo, texts, lambda text: text.isascii() and nameish(text))
        candidates = list(compress(range(len(tokens)), latin))
        if not candidates:
            return spans
        count, skip_before = len(tokens), self.skip_before
        after_run = 0
        for i in candidates:
            if i < after_run or i in covered or i in titled or tokens[i].start < skip_before:
                continue
            end = i + 1
            while (
                end < count
                and end - i < 3
                and tokens[end].text.isascii()
                and self.nameish(end)
                and self.joined(end)
            ):
                end += 1
            if end - i >= 2:
                spans.append((i, end))
            after_run = end
        return spans


@cache
def _blocked(lexicon: Lexicon) -> frozenset[str]:
    """Words never part of a name (stopwords, verbs, pronouns, travel words...)."""
    blocked = lexicon.name_stopwords | lexicon.speech_verbs | lexicon.pronouns
    blocked |= lexicon.travel_words | lexicon.visit_nouns | lexicon.verb_complements
    return blocked | lexicon.role_breakers


@cache
def _word_memo(lexicon: Lexicon, which: str) -> dict[str, bool]:
    """A per-lexicon memo of one yes/no question about a word (its text as written)."""
    return {}


def _per_word(memo: dict[str, bool], texts: list[str], test: Callable[[str], bool]) -> list[bool]:
    """``test`` of every word, remembered in ``memo`` (words recur across articles)."""
    try:  # a C-level map while every word is known, which is the common case
        return list(map(memo.__getitem__, texts))
    except KeyError:
        pass
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    for text in set(texts).difference(memo):
        memo[text] = test(text)
    return list(map(memo.__getitem__, texts))


def find_unknown_names(scanner: NameScanner, sentences: list[tuple[int, int]]) -> list[NameFound]:
    """People named in the text who are not actors, with counts and an example sentence."""
    return _count_names(
        scanner.text,
        scanner.tokens,
        scanner.spans(),
        scanner.covered,
        scanner.lexicon,
        sentences,
    )


def _count_names(
    text: str,
    tokens: list[Token],
    spans: list[tuple[int, int]],
    covered: set[int],
    lexicon: Lexicon,
    sentences: list[tuple[int, int]],
) -> list[NameFound]:
    """Count each name, plus its surname alone after it; keep the first sentence as example."""
    spans = sorted(set(spans))
    counts: Counter[str] = Counter()
    first_at: dict[str, int] = {}
    in_span: set[int] = set()
    surnames: dict[str, str] = {}
    for first, last in spans:
        if any(i in in_span for i in range(first, last)):
            continue
        name = " ".join(fold_text(text[tokens[first].start : tokens[last - 1].end]).split())
        counts[name] += 1
        first_at.setdefault(name, first)
        in_span.update(range(first, last))
        if last - first > 1:
            surnames.setdefault(tokens[last - 1].norm, name)
    # A surname is found alone or after a prefix: only words spelled so need a look.
    targets = {p + s for s in surnames for p in ("", *lexicon.prefixes)}
    found_at = compress(range(len(tokens)), map(targets.__contains__, map(NORM, tokens)))
    for i in found_at if surnames else ():
        tok = tokens[i]
        if i in in_span or i in covered or not tok.capitalised:
            continue
        for variant in lexicon.variants(tok.norm):
            name = surnames.get(variant)
            if name is not None and i > first_at[name]:
                counts[name] += 1
                break
    starts = [s for s, _ in sentences]
    found = []
    for name, count in counts.items():
        offset = tokens[first_at[name]].start
        index = max(bisect.bisect_right(starts, offset) - 1, 0)
        start, end = sentences[index] if sentences else (0, len(text))
        found.append(NameFound(name, count, " ".join(text[start:end].split())))
    return sorted(found, key=lambda f: (-f.count, f.name))
