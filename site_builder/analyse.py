"""Stage 3, analyse: language, actors, the visit reported, topics, dates and quotes.

Works on the clean text only, so nothing in removed boilerplate (a byline, a
related headline, a publisher's appeal) can make someone an actor.
Language-specific knowledge (prefixes, ordinals, status cues, titles, speech
verbs, places) is data in ``data/lexicons/analyse-*.yaml``.  The recipe:

1. tokenize the title, sub-headline and blocks once (``analyse_text``);
2. find every actor name, alias, role, place and title in one longest-match
   pass over the tokens (a phrase table built once by ``prepare_analysis``);
3. resolve actors and unknown people (``actors_match``), the visit and date
   hints (``visits``) and quotations (``quotes``) from those matches.

Every step is linear in the article's length, whatever the number of actors.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain

import yaml

from .actors_match import NameScanner, build_phrase_table, find_mentions, find_unknown_names
from .analyse_text import (
    MEMO_LIMIT,
    NORM,
    TEXT,
    TITLE_ONLY,
    Lexicon,
    Match,
    PhraseTable,
    Token,
    load_lexicon,
    sentence_spans,
    tokenize,
)
from .clean import CleanArticle
from .dates import date_from_dateline
from .languages import detect_language
from .load import Actor, Topic
from .quotes import find_quotes
from .similarity import numbers as similarity_numbers
from .similarity import tokens as similarity_tokens
from .topics import rank_topics
from .visits import find_date_hints, find_visit


@dataclass(frozen=True, slots=True)
class ActorMention:
    """An actor named in an article, and how often."""

    actor_id: str
    count: int  # mentions in the clean title, sub-headline and body


@dataclass(frozen=True, slots=True)
class Visit:
    """The visit an article reports on."""

    ordinal: int | None  # 9 for "the ninth visit"; None when the count is not stated
    status: str  # "announced", "under-way", "over" or "unknown"
    place: str | None = None  # where, when stated: a place id from the lexicon (e.g. "jerusalem")
    evidence: str = ""  # the words that gave the ordinal away
    ordinals: tuple[int, ...] = ()  # every count the text states, most stated first


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation attributed to an actor."""

    actor_id: str
    text: str  # the quoted words, without quote marks
    block: int  # index of the clean block that holds it


@dataclass(frozen=True, slots=True)
class UnknownName:
    """A person-like name that is not in actors.yaml."""

    name: str
    count: int
    example: str  # a sentence where it occurs


@dataclass(frozen=True, slots=True)
class AnalysedArticle:
    """A clean article plus what the analyser found in it."""

    clean: CleanArticle
    language: str  # language code
    actors: tuple[ActorMention, ...]  # most mentioned first, then by id
    visit: Visit | None  # None: the article reports on no visit
    topics: tuple[str, ...] = ()  # topic ids, most relevant first
    date: str | None = None  # publication date (ISO) when known
    date_hints: tuple[str, ...] = ()  # weekday and time hints from the text
    places: tuple[str, ...] = ()  # place ids or names, for clustering
    quotes: tuple[Quote, ...] = ()
    unknown_names: tuple[UnknownName, ...] = field(default_factory=tuple)
    mentions: tuple[tuple[int, str], ...] = ()  # (offset in the analysed text, actor id)
    # The words and numbers clustering compares, computed here so that the work
    # runs on the workers and is cached with the article; None: not computed.
    terms: tuple[str, ...] | None = None
    numbers: tuple[str, ...] | None = None

    @property
    def id(self) -> str:
        return self.clean.id

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(m.actor_id for m in self.actors)


@dataclass(frozen=True, slots=True)
class AnalysisData:
    """Actors, topics and lexicons, compiled once and shared by every article."""

    actors: tuple[Actor, ...]
    topics: tuple[Topic, ...]
    languages: tuple[str, ...]
    actor_patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()  # unused since the table
    table: PhraseTable | None = None  # every name, role, place and title, for one-pass lookup
    lexicons: tuple[tuple[str, Lexicon], ...] = ()  # per language code

    def lexicon(self, code: str) -> Lexicon:
        """The lexicon of a language (an empty one when the language has none)."""
        for known, lexicon in self.lexicons:
            if known == code:
                return lexicon
        return load_lexicon(code)


def prepare_analysis(
    actors: Sequence[Actor], topics: Sequence[Topic], languages: Sequence[str]
) -> AnalysisData:
    """Compile the matchers once per build."""
    codes = tuple(dict.fromkeys([*languages, "en", "he"]))
    lexicons = tuple((code, load_lexicon(code)) for code in codes)
    table = build_phrase_table(actors, (lex for _, lex in lexicons))
    return AnalysisData(tuple(actors), tuple(topics), tuple(languages), (), table, lexicons)


def analyse_article(article: CleanArticle, data: AnalysisData) -> AnalysedArticle:
    """Analyse one clean article: actors, unknown people, visit, dates, quotes, places."""
    parts = [article.title, article.subtitle or "", *(b.text for b in article.blocks)]
    text, spans = _join(parts)
    language = article.meta.language or detect_language(text, data.languages or None)
    lexicon = data.lexicon(language)
    table = data.table or build_phrase_table(data.actors, [lexicon])
    tokens = tokenize(text)
    norms = list(map(NORM, tokens))
    flags = lexicon.flag_list(norms)  # what each word may be, for the finders below
    matches = table.find(tokens, lexicon, norms)
    title_end = spans[0][1]
    skip_before = title_end if _title_case(article.title) else 0
    scanner = NameScanner(text, tokens, matches, lexicon, skip_before)
    mentions = find_mentions(scanner)
    sentences = sentence_spans(text)
    lead_end = spans[1][1] if article.subtitle else (spans[2][1] if len(spans) > 2 else title_end)
    visit = find_visit(text, tokens, matches, lexicon, sentences, title_end, lead_end, flags, norms)
    unknown = find_unknown_names(scanner, sentences)
    others = [tokens[first].start for first, _ in scanner.spans()]
    others += [
        tokens[m.first].start
        for m, kinds in zip(matches, scanner.kinds, strict=True)
        if kinds <= TITLE_ONLY
    ]
    quotes = find_quotes(text, spans[2:], tokens, mentions, lexicon, sentences, others, flags)
    counts = Counter(m.actor_id for m in mentions)
    full_text = "\n".join([article.title, article.subtitle or "", article.body_text])
    return AnalysedArticle(
        clean=article,
        language=language,
        actors=tuple(
            ActorMention(actor_id, count)
            for actor_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ),
        visit=None
        if visit is None
        else Visit(visit.ordinal, visit.status, visit.place, visit.evidence, visit.ordinals),
        topics=rank_topics(text, language, data.topics),
        date=article.meta.date
        or date_from_dateline(article.dateline, language)
        or date_from_dateline(article.updated, language),
        date_hints=find_date_hints(text, tokens, lexicon, article.updated, flags),
        places=_places(matches),
        quotes=tuple(Quote(q.actor_id, q.text, q.block) for q in quotes),
        unknown_names=tuple(UnknownName(u.name, u.count, u.example) for u in unknown),
        mentions=tuple((tokens[m.first].start, m.actor_id) for m in mentions),
        terms=_terms(tokens, text, full_text, language),
        numbers=tuple(sorted(similarity_numbers(full_text))),
    )


def _join(parts: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """One text of title, sub-headline and blocks, with each part's (start, end)."""
    spans, pieces, offset = [], [], 0
    for part in parts:
        spans.append((offset, offset + len(part)))
        pieces.append(part)
        offset += len(part) + 2
    return "\n\n".join(pieces), spans


def _terms(tokens: list[Token], text: str, full_text: str, language: str) -> tuple[str, ...]:
    """``similarity.tokens`` of the full text, put together from the words of ``tokens``.

    The article's words are already split, and the similarity words of the text are
    those of its words one after another: a similarity word (letters, inner quotes) never
    runs across two of them, and ``text`` holds the same words as ``full_text`` (only the
    line breaks between the parts differ).  Each distinct word is looked up once per
    language, so the text is neither lower-cased nor searched a second time.  Two
    characters break that equivalence and send the text the long way: a capital sigma
    (lower-cased by its context) and the modifier apostrophe (a letter to the similarity
    words, a quote mark to the tokenizer).
    """
    if any(char in text for char in _WHOLE_TEXT_TERMS):
        return tuple(similarity_tokens(full_text, language))
    memo = _word_terms(language)
    words = list(map(TEXT, tokens))
    try:  # a C-level map while every word is known, which is the common case
        found = list(map(memo.__getitem__, words))
    except KeyError:
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        for word in set(words).difference(memo):
            memo[word] = tuple(similarity_tokens(word, language))
        found = list(map(memo.__getitem__, words))
    return tuple(chain.from_iterable(found))


_WHOLE_TEXT_TERMS = ("\u03a3", "\u02bc")  # capital sigma, modifier apostrophe: see _terms


@cache
def _word_terms(language: str) -> dict[str, tuple[str, ...]]:
    """Per language, the similarity words of each word as written (see ``_terms``)."""
    return {}


def _title_case(title: str) -> bool:
    """An English headline In Title Case says nothing about which words are names."""
    words = [w for w in title.split() if w[:1].isalpha() and w.isascii()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _places(matches: Sequence[Match]) -> tuple[str, ...]:
    """Place ids found, most frequent first (ties in text order): evidence for clustering."""
    found: Counter[str] = Counter()
    for match in matches:
        for entry in match.entries:
            if entry.kind == "place":
                found[entry.value] += 1
                break
    return tuple(sorted(found, key=lambda p: -found[p]))


def aggregate_unknown_names(analysed: Sequence[AnalysedArticle]) -> list[UnknownName]:
    """Unknown people across articles, most mentioned first, for an editor to review."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for article in analysed:
        for name in article.unknown_names:
            counts[name.name] += name.count
            examples.setdefault(name.name, name.example)
    return [
        UnknownName(name, count, examples[name])
        for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def suggest_actors(analysed: Sequence[AnalysedArticle]) -> str:
    """Draft actors.yaml entries for the unknown people, to paste after review."""
    drafts = []
    for name in aggregate_unknown_names(analysed):
        language = detect_language(name.name)
        words = name.name.split()
        drafts.append(
            {
                "id": _slug(name.name),
                "names": {language: name.name},
                "aliases": {language: [name.name, *words[-1:]] if len(words) > 1 else [name.name]},
                "roles": {},
                "description": {language: f"TODO (seen {name.count} times, e.g.: {name.example})"},
            }
        )
    return yaml.safe_dump(drafts, allow_unicode=True, sort_keys=False, width=100)


def _slug(name: str) -> str:
    """An actor id: the Latin name in lower case, else a stable id from a hash to rename."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if slug and name.isascii():
        return slug
    return "person-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
