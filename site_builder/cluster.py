"""Stage 4, cluster: articles grouped into stories, one visit and one main topic each.

The recipe, in an order that makes the result independent of the file order:

1. Editorial control first: articles kept ``apart`` are stories of their own;
   articles pinned to a ``story`` are set aside and placed last.
2. Visit blocks: articles that state a visit ordinal are grouped by it (different
   ordinals never merge); a block is split by main topic when some of its articles
   are about something else than the block's dominant topic.
3. Articles stating no ordinal each join the best-scoring visit story if the score
   reaches ``join_threshold`` (candidates from an inverted index, never all pairs).
4. The rest cluster among themselves, oldest first, by the same score.
5. Ids, topics, titles and the reasons a reader can check are derived from the members.

The score of an article against a story is a weighted sum (weights in
ClusterSettings) of language-independent evidence, namely smoothed IDF-weighted
overlaps (weighted Jaccard) of actors, places, numbers and topics, a shared weekday hint and date
proximity, plus the TF-IDF cosine to the story's articles in the same language.

Two halves, so that a large site neither holds every article's text nor redoes
everything after one edit:

* ``article_features`` reads everything clustering needs from one analysed article
  (words and their counts, numbers, topic words, titles, ...).  It is pure and runs
  in the per-article stage, cached with the article.
* ``cluster_features`` clusters those features.  Everything collection-wide
  (document frequencies, the vocabulary that prefix stripping trusts) is computed
  here.  It returns a ``ClusterMemo`` for the next build: with it, an edit, a new
  article or a deleted one recomputes only what provably depends on what changed
  (see ``_update_tables``), so the result equals a run from scratch.  IDF is
  rounded (``similarity.inverse_document_frequency``) so that one edit moves few
  weights: without rounding, each changed word re-weighed every article using it.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date as Date
from functools import cache, partial
from itertools import accumulate, compress, product, repeat
from operator import add, mul, truediv
from pathlib import Path
from sys import intern

from .analyse import AnalysedArticle
from .cache import BuildCache, interned, interned_for_pickle, shard_of
from .languages import known_languages
from .load import Actor, Topic
from .settings import ClusterSettings
from .similarity import (
    InvertedIndex,
    dot,
    inverse_document_frequency,
    numbers,
)
from .similarity import tokens as text_tokens
from .topics import _compiled as compiled_topics
from .topics import language_lexicon, normalise_marks, topic_terms


@dataclass(frozen=True, slots=True)
class Story:
    """Articles about the same visit and topic, across sources and languages."""

    id: str  # stable: the same articles give the same id whatever the file order
    article_ids: tuple[str, ...]  # members, oldest first, then by id
    visit: int | None  # the visit ordinal the story is about, if any
    topic: str | None = None  # main topic id
    secondary_topics: tuple[str, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)  # title per language code
    reasons: tuple[str, ...] = ()  # why these articles are together, for readers
    slug: str = ""  # file-name-safe name of the story page (equals id)
    languages: tuple[str, ...] = ()  # language codes of the members, sorted
    visit_counts: Mapping[int, int] = field(default_factory=dict)  # stated ordinal -> articles
    evidence: tuple[tuple[str, str], ...] = ()  # (kind, detail) behind reasons, for translation


# Feature families: the key prefix of a feature, and the setting that weighs it.
_FAMILIES = (
    ("a", "actor_weight"),
    ("p", "place_weight"),
    ("n", "number_weight"),
    ("k", "topic_weight"),
)
_FAMILY_NAMES = {
    "a": "people",
    "p": "places",
    "n": "numbers",
    "k": "topics",
    "w": "weekday",
    "d": "date",
    "t": "wording",
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SAFE = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case a-z, 0-9 and '-': safe in URLs and file names on every system."""
    slug = _SAFE.sub("-", text.lower()).strip("-")
    return slug or "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


# --- per article ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """Everything clustering reads from one article, and nothing else (no clean text).

    Independent of ClusterSettings (topic depth, term cut and weights are applied at
    cluster time).  It depends on the site's topics through ``topic_words``, so it
    must be computed with the topics later given to ``cluster_features``
    (``topic_set`` records which, and clustering refuses a mismatch).
    """

    id: str
    language: str
    date: str | None  # publication date (ISO), orders a story's members
    day: int | None  # the same as a day number
    ordinal: int | None  # stated visit ordinal
    status: str | None  # visit status as reported ("unknown" too); None: no visit
    topics: tuple[str, ...]  # every topic id, most relevant first
    keys: tuple[str, ...]  # "a:actor", "p:place", "n:number" feature keys, each once
    weekdays: tuple[str, ...]  # weekday names among the date hints, sorted
    terms: tuple[str, ...]  # the words (tokens), each once, in order of first use
    counts: tuple[int, ...]  # how often each of ``terms`` occurs
    title: str  # the clean headline, a story title candidate
    given_titles: tuple[tuple[str, str], ...]  # (language, title) from extra.story_title
    topic_words: tuple[tuple[str, tuple[str, ...]], ...]  # topic id -> its words in the text
    topic_set: str  # fingerprint of the topics ``topic_words`` was computed with
    pin: str | None  # front matter 'story': the story (or article) it is pinned to
    apart: bool  # front matter 'apart'
    digest: bytes = field(default=b"", compare=False)  # of all the above: change detection

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as its values, read back with its words interned: a hundred thousand
        articles share one copy of each word instead of holding tens of millions of
        copies.  The words are interned when pickled too, so a pickle of many articles
        (a cache shard) holds each word once and refers to it after: loading makes no
        string per use of a word, which was most of the time it took.  Such a pickle is
        read with its words shared (see ``cache.interned``)."""
        values = [getattr(self, name) for name in _FEATURE_FIELDS]
        values[_AT["terms"]] = interned_for_pickle(self.terms)
        return (_features_from_pickle, (tuple(values),))


def _features_from_pickle(values: tuple[object, ...]) -> ArticleFeatures:
    fields_ = list(values)
    fields_[_AT["terms"]] = interned(fields_[_AT["terms"]])  # type: ignore[arg-type]
    for name in ("keys", "topics"):  # a few words, interned whatever the pickle shares
        fields_[_AT[name]] = tuple(map(intern, fields_[_AT[name]]))  # type: ignore[call-overload]
    return ArticleFeatures(*fields_)  # type: ignore[arg-type]


_FEATURE_FIELDS = tuple(f.name for f in fields(ArticleFeatures))
_AT = {name: number for number, name in enumerate(_FEATURE_FIELDS)}


_TOPIC_SETS: dict[int, tuple[Sequence[Topic], str]] = {}


def _topic_set(topics: Sequence[Topic]) -> str:
    """A short fingerprint of the topics' ids and keywords (cached per topics object)."""
    cached = _TOPIC_SETS.get(id(topics))
    if cached is not None and cached[0] is topics:
        return cached[1]
    text = repr([(t.id, sorted((k, tuple(v)) for k, v in t.keywords.items())) for t in topics])
    key = intern(hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest())
    if len(_TOPIC_SETS) > 64:
        _TOPIC_SETS.clear()
    _TOPIC_SETS[id(topics)] = (topics, key)
    return key


def article_features(article: AnalysedArticle, topics: Sequence[Topic] = ()) -> ArticleFeatures:
    """The clustering evidence of one article: pure, so it can run and be cached per article.

    ``topics`` are the site's topics (the analysis data's): the words of each topic
    found in the text name a story's main topic in its reasons.
    """
    meta = article.clean.meta
    full = None
    if article.terms is None or article.numbers is None or topics:
        full = _full_text(article)
    words = article.terms if article.terms is not None else text_tokens(full, article.language)
    counted = Counter(words)  # then each distinct word interned, not each occurrence
    found = article.numbers if article.numbers is not None else sorted(numbers(full or ""))
    visit = article.visit
    fields = dict(
        id=article.id,
        language=intern(article.language),
        date=article.date,
        day=_day(article.date),
        ordinal=visit.ordinal if visit is not None else None,
        status=intern(visit.status) if visit is not None else None,
        topics=tuple(map(intern, article.topics)),
        keys=_feature_keys(article, found),
        weekdays=tuple(sorted(_weekdays(article.date_hints))),
        terms=tuple(map(intern, counted)),
        counts=tuple(counted.values()),
        title=article.clean.title,
        given_titles=_given_titles(meta.extra.get("story_title"), article.language),
        topic_words=_topic_words(full or "", article.language, topics),
        topic_set=_topic_set(topics),
        pin=str(meta.story) if meta.story else None,
        apart=bool(meta.apart) and not meta.story,
    )
    return ArticleFeatures(**fields, digest=_digest(fields))


def _digest(fields: Mapping[str, object]) -> bytes:
    """A fingerprint of every field, to tell an edited article from an unchanged one.

    The words and their counts, most of the bytes, are hashed as joined text and as
    packed numbers: their ``repr`` cost more than the rest of the features together.
    Words never hold a NUL, and the counts give their number, so nothing is ambiguous.
    """
    rest = [(k, v) for k, v in sorted(fields.items()) if k != "terms" and k != "counts"]
    found = hashlib.blake2b(repr(rest).encode("utf-8", "surrogatepass"), digest_size=16)
    found.update("\0".join(fields["terms"]).encode("utf-8", "surrogatepass"))  # type: ignore[arg-type]
    found.update(array("Q", fields["counts"]).tobytes())  # type: ignore[arg-type]
    return found.digest()


def _feature_keys(article: AnalysedArticle, found: Iterable[str]) -> tuple[str, ...]:
    """Actors, places (with the visit's place) and numbers as keys, in this order, each once."""
    keys = ["a:" + actor_id for actor_id in article.actor_ids]
    places = list(article.places)
    if article.visit is not None and article.visit.place:
        places.append(article.visit.place)  # where the visit is, as the analyser read it
    keys += ["p:" + place.lower() for place in places]
    keys += ["n:" + number for number in found]
    return tuple(dict.fromkeys(map(intern, keys)))


def _given_titles(given: object, language: str) -> tuple[tuple[str, str], ...]:
    """extra.story_title: one title in the article's language, or one per language."""
    if isinstance(given, str) and given.strip():
        return ((language, given.strip()),)
    if isinstance(given, Mapping):
        return tuple(
            (str(lang), text.strip())
            for lang, text in sorted(given.items())
            if isinstance(text, str) and text.strip()
        )
    return ()


def _topic_words(
    text: str, language: str, topics: Sequence[Topic]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per topic, the words of the text that are its keywords, as ``topic_terms`` finds them.

    Scanning the whole text with the topics' patterns was the slowest part of the
    features, so the patterns run only where a match can start (see ``_TopicFinder``);
    each topic keeps its leftmost, non-overlapping matches, as its own scan would.
    """
    keyword_sets = tuple((t.id, tuple(t.keywords.get(language, ()))) for t in topics)
    finder = _topic_finder(language, keyword_sets)
    if finder is None:  # patterns of an unexpected form: one scan per topic
        found = [(t.id, topic_terms(text, language, t)) for t in topics]
    else:
        found = finder.find(normalise_marks(text).lower())
    return tuple(
        (intern(topic_id), tuple(intern(w.strip()) for w in used))
        for topic_id, used in found
        if used
    )


_STARTS_LIMIT = 200_000  # distinct space-separated pieces remembered per finder


class _TopicFinder:
    """Where each topic's pattern matches in a text, without running the patterns everywhere.

    A topic's pattern (``topics._compiled`` for that topic alone) is ``(?<!\\w)``, up to
    ``max_prefixes`` prefix letters, then one of its keywords, whose first part (up to
    the first space) is a literal without spaces.  So a match starts inside one
    space-separated piece of the text, at most ``max_prefixes`` prefix letters before
    an occurrence of a first part.  Those places, per distinct piece, are found once
    and remembered (pieces recur across articles); the exact pattern then decides at
    each of them.  Every place the pattern can match is tried, in text order, so the
    matches are those of the pattern's own scan.
    """

    def __init__(
        self,
        topic_ids: tuple[str, ...],
        patterns: tuple[re.Pattern[str], ...],
        firsts: tuple[tuple[str, ...], ...],
        prefixes: frozenset[str],
        max_prefixes: int,
    ) -> None:
        self.topic_ids = topic_ids
        self.patterns = patterns  # per topic: (?<!\w) and its body, matched in place
        self.firsts = firsts  # per topic: the first parts of its keywords
        self.prefixes = prefixes
        self.max_prefixes = max_prefixes
        every = sorted({first for group in firsts for first in group}, key=len, reverse=True)
        self.any_first = re.compile("|".join(map(re.escape, every)))
        self.starts: dict[str, tuple[tuple[int, int], ...]] = {}

    def find(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """Per topic, its matches in ``text`` (lower case, marks normalised), first use first."""
        pieces = text.split(" ")
        starts = self.starts
        known = list(map(starts.get, pieces))
        if None in known:
            if len(starts) > _STARTS_LIMIT:
                starts.clear()
            known = [
                s if s is not None else self._piece_starts(p)
                for p, s in zip(pieces, known, strict=True)
            ]
        ends = [0] * len(self.topic_ids)
        words: list[dict[str, None]] = [{} for _ in self.topic_ids]
        offsets = list(accumulate(map(len, pieces), initial=0))
        patterns = self.patterns
        for number in compress(range(len(pieces)), known):
            base = offsets[number] + number  # the spaces before the piece
            for at, topic in known[number]:
                start = base + at
                if start >= ends[topic]:
                    match = patterns[topic].match(text, start)
                    if match is not None:
                        word = match.group()
                        ends[topic] = start + len(word)
                        words[topic].setdefault(word)
        return [(t, tuple(w)) for t, w in zip(self.topic_ids, words, strict=True)]

    def _piece_starts(self, piece: str) -> tuple[tuple[int, int], ...]:
        """(offset, topic) wherever a topic's match could start in one piece, in order."""
        found: set[tuple[int, int]] = set()
        if self.any_first.search(piece) is not None:
            for topic, firsts in enumerate(self.firsts):
                for first in firsts:
                    at = piece.find(first)
                    while at >= 0:
                        found.update((at - n, topic) for n in self._prefix_runs(piece, at))
                        at = piece.find(first, at + 1)
        result = tuple(sorted(found))
        self.starts[piece] = result
        return result

    def _prefix_runs(self, piece: str, at: int) -> Iterable[int]:
        """How many prefix letters may stand right before ``at``: 0, 1, ... (at most the max)."""
        yield 0
        for count in range(1, self.max_prefixes + 1):
            if at - count < 0 or piece[at - count] not in self.prefixes:
                return
            yield count


@cache
def _topic_finder(
    language: str, keyword_sets: tuple[tuple[str, tuple[str, ...]], ...]
) -> _TopicFinder | None:
    """The finder of a language's topics; None if a pattern is not of the expected form."""
    head = r"(?<!\w)"
    lexicon = language_lexicon(language)
    topic_ids, patterns, firsts = [], [], []
    for topic_id, keywords in keyword_sets:
        single, found = compiled_topics(language, ((topic_id, keywords),))
        if not found:
            continue
        if not single.pattern.startswith(head) or "(?P<t0>" not in single.pattern:
            return None
        parts = [
            normalise_marks(k.strip()).lower().rstrip("*").split()
            for k in keywords
            if k.strip().rstrip("*").strip()
        ]
        topic_ids.append(topic_id)
        patterns.append(re.compile(single.pattern.replace("(?P<t0>", "(?:", 1)))
        firsts.append(tuple(sorted({p[0] for p in parts})))
    prefixes = frozenset("".join(lexicon.prefixes)) if lexicon.max_prefixes else frozenset()
    return _TopicFinder(
        tuple(topic_ids), tuple(patterns), tuple(firsts), prefixes, lexicon.max_prefixes
    )


def _weekdays(hints: Iterable[str]) -> frozenset[str]:
    """Weekday names among the date hints, written "thursday" or "weekday:thursday"."""
    found = set()
    for hint in hints:
        kind, _, value = hint.lower().rpartition(":")
        if value in _WEEKDAYS and kind in ("", "weekday"):
            found.add(value)
    return frozenset(found)


def _full_text(article: AnalysedArticle) -> str:
    clean = article.clean
    return "\n".join([clean.title, clean.subtitle or "", clean.body_text])


def _day(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return Date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return None


# --- collection-wide statistics --------------------------------------------------------------


@dataclass(slots=True)
class _Language:
    """One language's word statistics: what prefix stripping and TF-IDF weights depend on."""

    documents: int
    vocabulary: Counter[str]  # word as written -> articles using it
    bare: dict[str, str]  # word -> the word without its prefixes, only where the two differ
    frequency: Counter[str]  # bare word -> articles using it (document frequency)
    idf: dict[str, float] = field(default_factory=dict)
    rank: dict[str, int] = field(default_factory=dict)  # by (-idf, word): the cut's order

    def refresh(self) -> None:
        """IDF and rank from the frequencies (cheap: one entry per distinct word).

        The rank orders by IDF, not by frequency, so that, like every weight, it
        changes only where an IDF does (see ``inverse_document_frequency``).
        """
        total = self.documents
        self.idf = {t: inverse_document_frequency(df, total) for t, df in self.frequency.items()}
        idf = self.idf
        order = sorted(self.frequency, key=lambda t: (-idf[t], t))
        self.rank = dict(zip(order, range(len(order)), strict=True))

    def stripped(self, terms: Iterable[str]) -> set[str]:
        """The distinct bare words of an article's words."""
        return set(map(self.bare.get, terms, terms))


def _strip_rule(language: str) -> Callable[[str, Mapping[str, object]], str]:
    """similarity.strip_prefixes for one word: a bare form is trusted if the collection has it."""
    lexicon = language_lexicon(language)
    prefixes = set(lexicon.prefixes)

    def bare(word: str, vocabulary: Mapping[str, object]) -> str:
        found = word
        for _ in range(lexicon.max_prefixes):
            if len(found) > 3 and found[0] in prefixes and vocabulary.get(found[1:]):
                found = found[1:]
            else:
                break
        return found

    return bare


def _prefixed_forms(words: Iterable[str], language: str) -> set[str]:
    """Every word that some prefixes in front of ``words`` could spell (the words included)."""
    lexicon = language_lexicon(language)
    forms = set(words)
    if lexicon.prefixes and lexicon.max_prefixes:
        heads = [
            "".join(p)
            for k in range(1, lexicon.max_prefixes + 1)
            for p in product(lexicon.prefixes, repeat=k)
        ]
        forms.update(head + word for word in list(forms) for head in heads)
    return forms


def _language_table(language: str, members: Sequence[ArticleFeatures]) -> _Language:
    """Vocabulary, prefix stripping and document frequencies of one language, from scratch."""
    vocabulary: Counter[str] = Counter()
    for member in members:
        vocabulary.update(member.terms)
    bare = {}
    if language_lexicon(language).prefixes and language_lexicon(language).max_prefixes:
        rule = _strip_rule(language)
        bare = {w: b for w in vocabulary if (b := rule(w, vocabulary)) != w}
    table = _Language(len(members), vocabulary, bare, Counter())
    for member in members:
        table.frequency.update(table.stripped(member.terms))
    table.refresh()
    return table


def _depth(settings: ClusterSettings) -> int:
    return max(1, int(settings.topic_depth))


def _all_keys(source: ArticleFeatures, depth: int) -> tuple[str, ...]:
    """Every feature key the article contributes to the document frequencies."""
    return source.keys + tuple(intern("k:" + t) for t in source.topics[:depth])


@dataclass(slots=True)
class _Tables:
    """Document frequencies of features and words over the whole collection."""

    total: int
    frequency: Counter[str]  # feature key ("a:", "p:", "n:", "k:") -> articles holding it
    languages: dict[str, _Language]
    idf: dict[str, float] = field(default_factory=dict)  # of feature keys, filled when asked

    @classmethod
    def build(cls, articles: Sequence[ArticleFeatures], depth: int) -> _Tables:
        frequency: Counter[str] = Counter()
        by_language: dict[str, list[ArticleFeatures]] = defaultdict(list)
        for source in articles:
            frequency.update(_all_keys(source, depth))
            by_language[source.language].append(source)
        languages = {lang: _language_table(lang, m) for lang, m in sorted(by_language.items())}
        return cls(len(articles), frequency, languages)

    def feature_idf(self, key: str) -> float:
        value = self.idf.get(key)
        if value is None:
            value = self.idf[key] = inverse_document_frequency(self.frequency[key], self.total)
        return value


# --- items -------------------------------------------------------------------------------------


# A TF-IDF vector, compact: its words' numbers (into the run's ``words``) and its weights,
# in the same order.  Items hold it as it is, and the memo stores the very same arrays: a
# dict per article (words to float objects) cost several times more and was copied again
# for the memo.
_Packed = tuple[array, array]


@dataclass(slots=True)
class _Item:
    """An article with the evidence clustering uses, computed once."""

    source: ArticleFeatures
    id: str
    language: str
    ordinal: int | None
    day: int | None  # publication date as a day number
    topics: tuple[str, ...]  # top topics, most relevant first
    features: dict[str, float]  # "a:actor", "p:place", "n:number", "k:topic" -> weight
    mass: dict[str, float]  # family -> sum of idf * weight
    weekdays: frozenset[str]
    text: _Packed  # TF-IDF vector, L2-normalised
    words: Sequence[str]  # the run's words (shared): what the numbers in ``text`` stand for
    keys: tuple[tuple[str, float], ...]  # rarest features and their IDF, to look up candidates
    index_keys: tuple[str, ...]  # what a story holding this article is found by

    def terms(self) -> list[str]:
        """The words of ``text``, in its order."""
        return list(map(self.words.__getitem__, self.text[0]))


_TF: list[float] = []


def _tf(count: int) -> float:
    """1 + ln(count), the damped term frequency (a table: counts repeat)."""
    while len(_TF) <= count:
        _TF.append(1.0 + math.log(len(_TF)) if _TF else 0.0)
    return _TF[count]


def _vector(
    source: ArticleFeatures, table: _Language, max_terms: int, numbers: Mapping[str, int]
) -> _Packed:
    """similarity.tfidf_vectors for one article, given the collection's statistics.

    The same floats in the same order: the cut keeps the most repeated words, ties
    to the rarer word (higher IDF), then by word.  Packed: the words as their numbers.
    """
    counts = dict(zip(map(table.bare.get, source.terms, source.terms), source.counts, strict=True))
    if len(counts) < len(source.terms):  # some words lost their prefixes: add up their counts
        raw = dict(zip(source.terms, source.counts, strict=True))
        for bare in {table.bare[w] for w in table.bare.keys() & raw.keys()}:
            counts[bare] = raw.get(bare, 0)
        for word in table.bare.keys() & raw.keys():
            counts[table.bare[word]] += raw[word]
    terms = list(counts)
    if len(terms) > max_terms:
        terms.sort(key=table.rank.__getitem__)  # rarer first, then by word
        terms.sort(key=counts.__getitem__, reverse=True)  # stable: most repeated first
        del terms[max_terms:]
    _tf(max(counts.values(), default=0))  # the table reaches every count
    tfs = map(_TF.__getitem__, map(counts.__getitem__, terms))
    weights = list(map(mul, tfs, map(table.idf.__getitem__, terms)))
    norm = math.sqrt(sum(map(mul, weights, weights)))
    if not norm:
        return array("I"), array("d")
    # From lists, not iterators: an array grown item by item keeps spare room.
    return array("I", list(map(numbers.__getitem__, terms))), array(
        "d", list(map(truediv, weights, repeat(norm)))
    )


def _dot_with(vector: Iterable[float], values: Sequence[float]) -> float:
    """``similarity.dot`` of a vector (its weights) and one whose values at its terms are
    ``values``.

    The same float: ``dot`` sums the products over the shared terms with ``fsum``, which
    is exact, so the products of zeros (terms the other vector lacks) change nothing.
    Mapping over the terms in C is several times faster than building the intersection.
    """
    return math.fsum(map(mul, vector, values))


def _add_to(
    centroid: dict[str, float], terms: list[str], weights: Iterable[float], before: list[float]
) -> None:
    """Add a vector to ``centroid``, whose values at its ``terms`` were ``before`` (0.0: none).

    ``centroid[t] = centroid.get(t, 0.0) + w`` for each term: the same floats, run in C.
    """
    centroid.update(zip(terms, map(add, before, weights), strict=True))


def _item(
    source: ArticleFeatures,
    tables: _Tables,
    settings: ClusterSettings,
    words: list[str],
    numbers: Mapping[str, int],
    text: _Packed | None = None,
) -> _Item:
    """The evidence of one article, weighed against the collection's statistics.

    ``text`` is the article's TF-IDF vector when already known (see ``_Items``);
    ``words`` and ``numbers`` number the words of vectors.
    """
    depth = _depth(settings)
    features = dict.fromkeys(source.keys, 1.0)
    for rank, topic_id in enumerate(source.topics[:depth]):
        features[intern("k:" + topic_id)] = 1.0 / (rank + 1)
    mass: dict[str, float] = defaultdict(float)
    for key, weight in features.items():
        # A feature no other article has can never be shared: it is evidence neither for
        # nor against any pairing, so it stays out of the overlap's denominator.
        if tables.frequency[key] > 1:
            mass[key[0]] += tables.feature_idf(key) * weight
    table = tables.languages[source.language]
    if text is None:
        text = _vector(source, table, max(1, int(settings.text_terms)), numbers)
    term_numbers, weights = text
    top = sorted(range(len(weights)), key=weights.__getitem__, reverse=True)[:8]  # stable on ties
    top_terms = [words[term_numbers[n]] for n in top]
    # Term keys "t:<language>:<word>"; their statistics are the language table's.
    term_of = {intern(f"t:{source.language}:{term}"): term for term in top_terms}
    index_keys = [k for k in features if k[0] != "k"] + list(term_of)
    # A key no other article holds cannot find a story: the rarest shared keys are the best.
    # Rarest by IDF, which an edit seldom changes (its frequency it changes every time).
    shared = {k: tables.feature_idf(k) for k in features if k[0] != "k" and tables.frequency[k] > 1}
    shared.update((k, table.idf[term]) for k, term in term_of.items() if table.frequency[term] > 1)
    rarest = sorted((-idf, k) for k, idf in shared.items())
    keys = tuple((k, -negated) for negated, k in rarest[: int(settings.block_keys)])
    return _Item(
        source=source,
        id=source.id,
        language=source.language,
        ordinal=source.ordinal,
        day=source.day,
        topics=source.topics[:depth],
        features=features,
        mass=dict(mass),
        weekdays=frozenset(source.weekdays),
        text=text,
        words=words,
        keys=keys,
        index_keys=tuple(sorted(index_keys)),
    )


_Packed = tuple[bytes, bytes]  # a vector: its words' numbers (in ``words``) and its weights


class _Items:
    """Items by article id, each computed when first asked for: an incremental run asks few.

    The TF-IDF vector, the costly part of an item, is taken from the last run's
    (``vectors``) for an article outside ``affected``: its words, counts and every
    statistic its vector reads are provably unchanged (see ``_update_tables``).

    An item is let go (``release``) once clustering is done with it; only its vector
    stays (the memo keeps it), and stories read their members as ``_Member``.
    """

    def __init__(
        self,
        sources: Mapping[str, ArticleFeatures],
        tables: _Tables,
        settings: ClusterSettings,
        words: list[str],
        numbers: Mapping[str, int],
        vectors: Mapping[str, _Packed],
        affected: set[str] | None,
    ) -> None:
        self.sources = sources
        self.tables = tables
        self.settings = settings
        self.words = words
        self.numbers = numbers  # word -> its number in ``words``
        self.vectors = vectors if affected is not None else {}
        self.affected = affected or set()
        self._done: dict[str, _Item] = {}
        self._vectors: dict[str, _Packed] = {}  # of this run, the items' own arrays

    def __getitem__(self, article_id: str) -> _Item:
        item = self._done.get(article_id)
        if item is None:
            source, text = self.sources[article_id], self.vector(article_id)
            item = _item(source, self.tables, self.settings, self.words, self.numbers, text)
            self._done[article_id] = item
        return item

    def vector(self, article_id: str) -> _Packed:
        """The article's TF-IDF vector: the last run's if provably the same, else computed."""
        found = self._vectors.get(article_id)
        if found is None:
            if article_id not in self.affected:
                found = self.vectors.get(article_id)  # words keep their numbers: ``words`` grows
            if found is None:
                source = self.sources[article_id]
                table = self.tables.languages[source.language]
                found = _vector(source, table, max(1, int(self.settings.text_terms)), self.numbers)
            self._vectors[article_id] = found
        return found

    def release(self, article_ids: Iterable[str]) -> None:
        """Clustering is done with these items: keep only their vectors."""
        for article_id in article_ids:
            self._done.pop(article_id, None)

    def member(self, article_id: str) -> _Member:
        """What a story reads of the article."""
        source = self.sources[article_id]
        topics = source.topics[: _depth(self.settings)]
        return _Member(source, topics, self.vector(article_id), self.words)

    def packed(self) -> dict[str, _Packed]:
        """Every vector known now, for the next run's memo (the items' own arrays, shared)."""
        found = {
            i: v for i, v in self.vectors.items() if i not in self.affected and i in self.sources
        }
        found.update(self._vectors)
        return found


@dataclass(frozen=True, slots=True)
class _Member:
    """A story's member: its item without the evidence only clustering reads."""

    source: ArticleFeatures
    topics: tuple[str, ...]  # top topics, as the item's
    text: _Packed  # the item's TF-IDF vector
    words: Sequence[str]

    @property
    def id(self) -> str:
        return self.source.id

    @property
    def language(self) -> str:
        return self.source.language

    @property
    def ordinal(self) -> int | None:
        return self.source.ordinal

    @property
    def day(self) -> int | None:
        return self.source.day

    @property
    def weekdays(self) -> frozenset[str]:
        return frozenset(self.source.weekdays)

    def terms(self) -> list[str]:
        """The words of ``text``, in its order."""
        return list(map(self.words.__getitem__, self.text[0]))


# --- groups ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    """A story being built: its members and their summed evidence (the profile)."""

    ordinal: int | None
    topic: str | None = None  # fixed for visit stories (decided by their stated members)
    ids: list[str] = field(default_factory=list)  # members, in the order they came
    sums: dict[str, float] = field(default_factory=dict)
    mass: dict[str, float] = field(default_factory=dict)
    weekdays: Counter[str] = field(default_factory=Counter)
    first_day: int | None = None
    last_day: int | None = None
    text: dict[str, dict[str, float]] = field(default_factory=dict)
    text_norm2: dict[str, float] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)
    joins: list[tuple[str, float, dict[str, float]]] = field(default_factory=list)
    pinned: list[str] = field(default_factory=list)
    apart: bool = False
    base_id: str = ""

    def add(self, item: _Item) -> list[str]:
        """Add a member to the profile; return the index keys the group did not have yet."""
        self.ids.append(item.id)
        for key, weight in item.features.items():
            self.sums[key] = self.sums.get(key, 0.0) + weight
        for family, value in item.mass.items():
            self.mass[family] = self.mass.get(family, 0.0) + value
        self.weekdays.update(item.weekdays)
        if item.day is not None:
            self.first_day = item.day if self.first_day is None else min(self.first_day, item.day)
            self.last_day = item.day if self.last_day is None else max(self.last_day, item.day)
        weights = item.text[1]
        if weights:
            centroid = self.text.setdefault(item.language, {})
            norm2 = self.text_norm2.get(item.language, 0.0)
            terms = item.terms()
            before = list(map(centroid.get, terms, repeat(0.0)))
            norm2 += 2 * _dot_with(weights, before) + 1.0  # |s + v|^2, v of unit length
            _add_to(centroid, terms, weights, before)
            self.text_norm2[item.language] = norm2
        new = [k for k in item.index_keys if k not in self.keys]
        self.keys.update(new)
        return new

    def drop_profile(self) -> None:
        """Empty the summed evidence: only for a group that shares none (see ``copy``)."""
        for profile in (self.sums, self.mass, self.text, self.text_norm2, self.weekdays, self.keys):
            profile.clear()

    def copy(self) -> _Group:
        """A fresh group with this profile (the profile's containers are only read from now)."""
        return dataclasses.replace(self, ids=list(self.ids), joins=[], pinned=[])


@dataclass(frozen=True, slots=True)
class _Context:
    """Collection-wide values every score needs."""

    settings: ClusterSettings
    tables: _Tables
    weights: dict[str, float]  # weight per kind of evidence, from the settings


def score(item: _Item, group: _Group, context: _Context) -> tuple[float, dict[str, float]] | None:
    """The evidence that ``item`` belongs to ``group``: (total, part per kind); None: never."""
    settings = context.settings
    parts: dict[str, float] = {}
    if item.day is not None and group.first_day is not None and group.last_day is not None:
        gap = max(0, group.first_day - item.day, item.day - group.last_day)
        if gap > settings.max_date_gap_days:
            return None
        parts["d"] = 1.0 - gap / (settings.max_date_gap_days + 1.0)
    size = len(group.ids)
    shared: dict[str, float] = {}
    sums, idf = group.sums, context.tables.feature_idf
    for key, weight in item.features.items():
        summed = sums.get(key)
        if summed:
            family = key[0]
            shared[family] = shared.get(family, 0.0) + idf(key) * min(weight, summed / size)
    for family, _ in _FAMILIES:
        if shared.get(family):
            both = item.mass.get(family, 0.0) + group.mass.get(family, 0.0) / size
            union = both - shared[family]
            parts[family] = shared[family] / (union + settings.evidence_smoothing)
    # A weekday named in the text only stands in for unknown dates; with dates it adds nothing.
    if "d" not in parts and any(group.weekdays[day] for day in item.weekdays):
        parts["w"] = 1.0
    centroid = group.text.get(item.language)
    weights = item.text[1]
    if weights and centroid:
        terms = map(item.words.__getitem__, item.text[0])
        found = list(map(centroid.get, terms, repeat(0.0)))
        parts["t"] = _dot_with(weights, found) / math.sqrt(group.text_norm2[item.language])
    weights = context.weights
    total = sum(weights[kind] * value for kind, value in parts.items())
    return total, parts


def _weights(settings: ClusterSettings) -> dict[str, float]:
    weights = {family: float(getattr(settings, name)) for family, name in _FAMILIES}
    weights.update(w=settings.weekday_weight, d=settings.date_weight, t=settings.text_weight)
    return weights


LEADING_TOPIC_SHARE = 0.5  # a story's leading topics weigh at least this share of its main one


def _visit_block(ordinal: int, members: Sequence[_Item]) -> list[_Group]:
    """One ordinal's stories: split by main topic where members disagree on it."""
    dominant = _main_topic(members)
    # An article leaves its visit's story only when none of its topics is among the
    # story's leading ones (at least half the main topic's weight): a short article
    # about the arrival itself stays, one about another subject does not.
    weights = _topic_weights(members)
    top = max(weights.values(), default=0.0)
    leading = {t for t, w in weights.items() if w >= LEADING_TOPIC_SHARE * top}
    parts: dict[str | None, list[_Item]] = defaultdict(list)
    for item in members:
        on_topic = dominant is None or not item.topics or bool(leading & set(item.topics))
        parts[dominant if on_topic else item.topics[0]].append(item)
    groups = []
    for topic_id in sorted(parts, key=lambda t: (t != dominant, t or "")):
        group = _Group(ordinal=ordinal, topic=topic_id)
        for item in parts[topic_id]:
            group.add(item)
        groups.append(group)
    return groups


def _topic_weights(members: Iterable[_Item | _Member]) -> dict[str, float]:
    """How strongly the members are about each topic: 1 for a main topic, 1/2 next, and so on."""
    weights: dict[str, float] = {}
    for item in members:
        for rank, topic_id in enumerate(item.topics):
            weights[topic_id] = weights.get(topic_id, 0.0) + 1.0 / (rank + 1)
    return weights


def _main_topic(members: Iterable[_Item | _Member]) -> str | None:
    """The topic with the most weight; ties to the smaller id."""
    weights = _topic_weights(members)
    if not weights:
        return None
    return min(weights, key=lambda t: (-weights[t], t))


def _best(
    item: _Item, groups: Sequence[_Group], index: InvertedIndex, context: _Context
) -> tuple[int, float, dict[str, float]] | None:
    """The best candidate group reaching the join threshold, ties to the earlier group."""
    settings = context.settings
    best: tuple[int, float, dict[str, float]] | None = None
    for number in index.candidates(
        item.keys, int(settings.max_postings), int(settings.max_candidates)
    ):
        scored = score(item, groups[number], context)
        if scored is None or scored[0] < settings.join_threshold:
            continue
        if best is None or scored[0] > best[1] or (scored[0] == best[1] and number < best[0]):
            best = (number, scored[0], scored[1])
    return best


def _cluster_loose(article_ids: Iterable[str], items: _Items, context: _Context) -> list[_Group]:
    """Leader clustering of the remaining articles, oldest first, ties by id."""
    groups: list[_Group] = []
    index = InvertedIndex()
    sources = items.sources
    days = {i: sources[i].day for i in article_ids}
    for article_id in sorted(days, key=lambda i: (days[i] is None, days[i] or 0, i)):
        item = items[article_id]
        best = _best(item, groups, index, context)
        if best is None:
            groups.append(_Group(ordinal=None))
            number = len(groups) - 1
        else:
            number = best[0]
            groups[number].joins.append((item.id, best[1], best[2]))
        index.add(number, groups[number].add(item))
        items.release((article_id,))
    return groups


def _assign_ids(groups: Sequence[_Group]) -> None:
    """Visit stories are named by ordinal and topic, others by their smallest member id."""
    by_base: dict[str, list[_Group]] = defaultdict(list)
    for group in groups:
        first = min(group.ids)
        if group.ordinal is not None and not group.apart:
            base = f"visit-{group.ordinal}" + (f"-{slugify(group.topic)}" if group.topic else "")
        else:
            base = f"story-{slugify(first)}"
        by_base[base].append(group)
    taken: set[str] = set()
    for base in sorted(by_base):
        clashing = sorted(by_base[base], key=lambda g: min(g.ids))
        for position, group in enumerate(clashing):
            name = base if position == 0 else f"{base}-{slugify(min(group.ids))}"
            while name in taken:
                name += "-" + hashlib.sha1(name.encode()).hexdigest()[:4]
            taken.add(name)
            group.base_id = name


def _place_pinned(pinned: Sequence[ArticleFeatures], groups: list[_Group]) -> None:
    """An article pinned to a story id, or to another article's id, goes there; else a new story."""
    by_id = {group.base_id: group for group in groups}
    by_article = {m: group for group in groups for m in group.ids}
    for source in sorted(pinned, key=lambda s: s.id):
        pin = str(source.pin)
        target = by_id.get(slugify(pin)) or by_article.get(pin)
        if target is None:
            target = _Group(ordinal=None, base_id=slugify(pin))
            groups.append(target)
            by_id[target.base_id] = target
        target.ids.append(source.id)
        target.pinned.append(source.id)
        by_article[source.id] = target


# --- the run -------------------------------------------------------------------------------


_Target = tuple[int | None, str | None]  # a visit story by (ordinal, topic)
# (story joined or None, score, parts, lookup keys, candidate stories, each one's score)
_Decision = tuple[
    _Target | None,
    float,
    dict[str, float],
    tuple[tuple[str, float], ...],
    tuple[_Target, ...],
    tuple[float | None, ...],
]


@dataclass(slots=True)
class ClusterMemo:
    """What one run leaves for the next, to skip work that cannot have changed.

    Opaque to the caller: store it (it pickles) and pass it back.  Every entry is
    reused only when the inputs it was computed from are provably the same:

    * ``contributions``: each article's digest, language, feature keys and words
      (as ids into ``words``), to update ``tables`` when an article changes;
    * ``blocks``: per visit ordinal, its members and the visit stories built from them;
    * ``joins``: per article stating no ordinal, the visit story it joined (or none),
      its lookup keys, and its score with each candidate story;
    * ``stories``: per story id, the story and the inputs it was built from;
    * ``vectors``: per article, its TF-IDF vector, packed.
    """

    key: str  # settings, topics, actors and this code: another key, nothing is reused
    words: list[str]
    contributions: dict[str, tuple[bytes, str, tuple[str, ...], array]]
    tables: _Tables
    blocks: dict[int, tuple[tuple[str, ...], list[_Group]]]
    joins: dict[str, _Decision]
    stories: dict[str, tuple[tuple, Story]]
    vectors: dict[str, _Packed]  # per article, its TF-IDF vector, shared with its item

    def split(self, shards: int) -> tuple[ClusterMemo, list[dict[str, tuple[object, object]]]]:
        """The memo as stored: its shared part, and its articles' entries (contribution and
        vector) in ``shards`` groups by article id, so that a run that changed a few
        articles rewrites a few groups (at 100,000 articles the entries are 300 MB)."""
        groups: list[dict[str, tuple[object, object]]] = [{} for _ in range(shards)]
        for article_id, contribution in self.contributions.items():
            entry = (contribution, self.vectors.get(article_id))
            groups[shard_of(article_id, shards)][article_id] = entry
        return dataclasses.replace(self, contributions={}, vectors={}), groups

    @classmethod
    def joined(cls, shared: ClusterMemo, groups: Iterable[Mapping[str, tuple]]) -> ClusterMemo:
        """The memo ``split`` stored."""
        contributions, vectors = {}, {}
        for group in groups:
            for article_id, (contribution, vector) in group.items():
                contributions[article_id] = contribution
                if vector is not None:
                    vectors[article_id] = vector
        return dataclasses.replace(shared, contributions=contributions, vectors=vectors)


@dataclass(frozen=True, slots=True)
class Clustering:
    """The stories, and the memo to hand to the next run."""

    stories: tuple[Story, ...]
    memo: ClusterMemo


def cluster_articles(
    articles: Sequence[AnalysedArticle],
    settings: ClusterSettings,
    *,
    topics: Sequence[Topic] = (),
    actors: Sequence[Actor] = (),
) -> tuple[Story, ...]:
    """Group articles into stories: by visit, then by evidence; see the module docstring."""
    features = [article_features(article, topics) for article in articles]
    return cluster_features(features, settings, topics=topics, actors=actors).stories


def cluster_features(
    features: Sequence[ArticleFeatures],
    settings: ClusterSettings,
    *,
    topics: Sequence[Topic] = (),
    actors: Sequence[Actor] = (),
    memo: ClusterMemo | None = None,
) -> Clustering:
    """Stories from the articles' features; ``memo`` (the last run's) only saves time.

    The stories are the same with or without a memo, whatever the memo holds.
    """
    # Clustering allocates millions of small acyclic containers; the cycle collector's
    # repeated full scans of them would cost more than the clustering itself.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _cluster(features, settings, topics, actors, memo)
    finally:
        if collecting:
            gc.enable()


def _cluster(
    features: Sequence[ArticleFeatures],
    settings: ClusterSettings,
    topics: Sequence[Topic],
    actors: Sequence[Actor],
    memo: ClusterMemo | None,
) -> Clustering:
    """The recipe of the module docstring, step by step."""
    unique = {f.id: f for f in sorted(features, key=lambda f: f.id)}
    ordered = [unique[k] for k in sorted(unique)]
    _check_topics(ordered, topics)
    key = _memo_key(settings, topics, actors)
    previous = memo if _reusable(memo, key, unique) else None
    if previous is None:
        tables = _Tables.build(ordered, _depth(settings))
        affected: set[str] | None = None  # everything is new
        words, contributions = [], {}
    else:
        tables, affected = _update_tables(previous, unique, _depth(settings))
        words = list(previous.words)
        contributions = {i: c for i, c in previous.contributions.items() if i in unique}
    numbers = _record(contributions, words, unique, affected, _depth(settings))
    vectors = previous.vectors if previous is not None else {}
    items = _Items(unique, tables, settings, words, numbers, vectors, affected)
    context = _Context(settings, tables, _weights(settings))
    free = [f for f in ordered if not f.pin and not f.apart]

    anchored, blocks, changed = _visit_stories(free, items, previous, affected)
    loose = [f.id for f in free if f.ordinal is None]
    joins = _join_visit_stories(loose, anchored, items, context, previous, affected, changed)
    rest = [i for i in loose if joins[i][0] is None]
    items.release(i for i in loose if joins[i][0] is not None)
    loose_groups = _cluster_loose(rest, items, context)
    for group in loose_groups:  # stories read no profile; these groups own theirs
        group.drop_profile()
    groups = anchored + loose_groups
    for source in ordered:
        if source.apart:
            groups.append(_Group(ordinal=source.ordinal, ids=[source.id], apart=True))
    _assign_ids(groups)
    _place_pinned([f for f in ordered if f.pin], groups)
    names = _Names(topics, actors)
    stories: dict[str, tuple[tuple, Story]] = {}
    for group in groups:
        stories[group.base_id] = _memoised_story(group, items, context, names, previous, affected)
    found = sorted(
        (s for _, s in stories.values()), key=lambda s: (s.visit is None, -(s.visit or 0), s.id)
    )
    new_memo = ClusterMemo(
        key, words, contributions, tables, blocks, joins, stories, items.packed()
    )
    return Clustering(tuple(found), new_memo)


def _check_topics(features: Iterable[ArticleFeatures], topics: Sequence[Topic]) -> None:
    """Topic words found with other topics would give other reasons: refuse, do not guess."""
    expected = _topic_set(topics)
    for source in features:
        if source.topic_set != expected:
            raise ValueError(
                f"{source.id}: features computed with other topics than the clustering's"
            )


_CODE: list[str] = []


def _memo_key(settings: ClusterSettings, topics: Sequence[Topic], actors: Sequence[Actor]) -> str:
    """Everything besides the articles that the stories depend on, this code included."""
    if not _CODE:
        here = Path(__file__).resolve().parent
        code = b"".join((here / name).read_bytes() for name in ("cluster.py", "similarity.py"))
        _CODE.append(hashlib.sha256(code).hexdigest())
    text = repr((_CODE[0], settings, list(topics), list(actors), sorted(known_languages())))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _reusable(memo: ClusterMemo | None, key: str, features: Mapping[str, ArticleFeatures]) -> bool:
    """A memo helps only for the same settings, with every article it knew in the same
    language and no language it did not know (articles may come and go).

    Words of articles that went stay numbered in the memo; once they outnumber the
    words in use, a run from scratch numbers them afresh.
    """
    if not isinstance(memo, ClusterMemo) or memo.key != key:
        return False
    if len(memo.words) > 2 * sum(len(t.vocabulary) for t in memo.tables.languages.values()) + 1000:
        return False
    known = memo.contributions
    if any(i in known and known[i][1] != f.language for i, f in features.items()):
        return False
    return {f.language for f in features.values()} <= memo.tables.languages.keys()


def _record(
    contributions: dict[str, tuple[bytes, str, tuple[str, ...], array]],
    words: list[str],
    features: Mapping[str, ArticleFeatures],
    affected: set[str] | None,
    depth: int,
) -> dict[str, int]:
    """Remember what each new or edited article added to the tables, to take it out later.

    Returns the number of each word in ``words`` (new words are appended).
    """
    ids = {w: n for n, w in enumerate(words)}
    for article_id, source in features.items():
        old = contributions.get(article_id)
        if old is not None and old[0] == source.digest:
            continue
        for word in source.terms:
            if word not in ids:
                ids[word] = len(words)
                words.append(word)
        numbers_ = array("I", map(ids.__getitem__, source.terms))
        contributions[article_id] = (
            source.digest,
            source.language,
            _all_keys(source, depth),
            numbers_,
        )
    return ids


def _update_tables(
    memo: ClusterMemo, features: Mapping[str, ArticleFeatures], depth: int
) -> tuple[_Tables, set[str]]:
    """The last run's tables brought up to date, and the articles whose items may differ.

    An item depends on its own features and on the IDF of its own keys and words
    (and on which of its words lose their prefixes, and which keys some other
    article shares).  So the items to recompute are the new and edited articles and
    those holding a key or word whose IDF (or bare form) changed; all others are
    provably the same.  An article added or removed changes the collection's size,
    and with it every exact IDF by about 1/N: rounded, few of them move (see
    ``inverse_document_frequency``), and only their holders are recomputed.
    """
    known = memo.contributions
    removed = [i for i in known if i not in features]
    changed = [i for i, f in features.items() if i not in known or known[i][0] != f.digest]
    if not changed and not removed:
        return memo.tables, set()
    affected = set(changed)
    before = memo.tables
    tables = _Tables(len(features), Counter(before.frequency), dict(before.languages))
    new_keys = {i: _all_keys(features[i], depth) for i in changed}
    moved = _move_counts(
        tables.frequency,
        [known[i][2] for i in (*changed, *removed) if i in known],
        new_keys.values(),
    )
    # As with words (see ``_update_language``), only keys whose IDF changed matter.
    candidates = moved | tables.frequency.keys() if tables.total != before.total else moved
    reweighed = {
        k
        for k in candidates
        if tables.feature_idf(k) != inverse_document_frequency(before.frequency[k], before.total)
    }
    outside = {k for k in reweighed if tables.frequency[k] > sum(k in v for v in new_keys.values())}
    if outside:
        affected.update(
            i
            for i, f in features.items()
            if i not in affected and not outside.isdisjoint(_all_keys(f, depth))
        )
    languages = {features[i].language for i in changed} | {known[i][1] for i in removed}
    for language in sorted(languages):
        edited = [i for i in changed if features[i].language == language]
        old_words = {
            i: [memo.words[n] for n in known[i][3]]
            for i in (*edited, *removed)
            if i in known and known[i][1] == language
        }
        members = {i: f for i, f in features.items() if f.language == language}
        if not members:  # the language's last article went
            del tables.languages[language]
            continue
        table, touched = _update_language(
            language, tables.languages[language], old_words, edited, members, affected
        )
        tables.languages[language] = table
        affected.update(touched)
    return tables, affected


def _move_counts(
    counter: Counter[str], removed: Iterable[Iterable[str]], added: Iterable[Iterable[str]]
) -> set[str]:
    """Take out and put in document counts; return the keys whose count changed."""
    before: dict[str, int] = {}
    for keys in removed:
        for key in keys:
            before.setdefault(key, counter[key])
            counter[key] -= 1
    for keys in added:
        for key in keys:
            before.setdefault(key, counter[key])
            counter[key] += 1
    moved = {k for k, n in before.items() if counter[k] != n}
    for key in before:
        if counter[key] <= 0:
            del counter[key]
    return moved


def _update_language(
    language: str,
    old: _Language,
    old_words: Mapping[str, Sequence[str]],
    edited: Sequence[str],
    members: Mapping[str, ArticleFeatures],
    affected: set[str],
) -> tuple[_Language, set[str]]:
    """One language's table after its ``edited`` articles (new ones too) changed and its
    articles not among ``members`` went; ``old_words`` are the last run's words of both.
    Returns the table and the articles touched."""
    vocabulary = Counter(old.vocabulary)
    flipped = _move_counts(vocabulary, old_words.values(), [members[i].terms for i in edited])
    flipped = {w for w in flipped if (w in vocabulary) != (w in old.vocabulary)}
    bare = dict(old.bare)
    lexicon = language_lexicon(language)
    if lexicon.prefixes and lexicon.max_prefixes:  # words whose shorter forms came or went
        rule = _strip_rule(language)
        for word in _prefixed_forms(flipped, language):
            stripped = rule(word, vocabulary) if word in vocabulary else word
            if stripped != word:
                bare[word] = stripped
            else:
                bare.pop(word, None)
    rebared = {w for w in set(bare) | set(old.bare) if bare.get(w, w) != old.bare.get(w, w)}
    touched = set(edited)
    if rebared:  # articles whose words now strip differently
        touched.update(i for i, f in members.items() if not rebared.isdisjoint(f.terms))
    table = _Language(len(members), vocabulary, bare, Counter(old.frequency))
    previous = _Language(old.documents, old.vocabulary, old.bare, old.frequency)
    gone = [previous.stripped(words) for i, words in old_words.items() if i not in members]
    before = [
        previous.stripped(old_words[i] if i in old_words else members[i].terms)
        for i in touched
        if i in old_words or i not in edited  # a new article held nothing before
    ]
    after = {i: table.stripped(members[i].terms) for i in touched}
    moved = _move_counts(table.frequency, [*before, *gone], after.values())
    table.refresh()
    # Only a changed IDF changes other articles' items (a word going from one article to
    # two changes its IDF too, by ln 2): most moved words keep theirs.  Another article
    # count moves every exact IDF, and a few rounded ones.
    candidates = table.frequency.keys() if table.documents != old.documents else moved
    reweighed = {t for t in candidates if table.idf.get(t) != old.idf.get(t)}
    outside = {t for t in reweighed if table.frequency[t] > sum(t in s for s in after.values())}
    if outside:  # the words also occur in articles not touched yet: their weights change
        spelled = {w for w in _prefixed_forms(outside, language) if bare.get(w, w) in outside}
        touched.update(
            i
            for i, f in members.items()
            if i not in touched and i not in affected and not spelled.isdisjoint(f.terms)
        )
    return table, touched


def _visit_stories(
    free: Sequence[ArticleFeatures],
    items: _Items,
    memo: ClusterMemo | None,
    affected: set[str] | None,
) -> tuple[list[_Group], dict[int, tuple[tuple[str, ...], list[_Group]]], set[_Target]]:
    """The visit stories, block by block; a block whose members are all unchanged is reused.

    Also returns the blocks for the next memo and the stories that changed (or went).
    """
    by_ordinal: dict[int, list[str]] = defaultdict(list)
    for source in free:
        if source.ordinal is not None:
            by_ordinal[source.ordinal].append(source.id)  # by id: ``free`` is sorted
    old_blocks = memo.blocks if memo is not None else {}
    groups: list[_Group] = []
    blocks: dict[int, tuple[tuple[str, ...], list[_Group]]] = {}
    changed: set[_Target] = set()
    for ordinal in sorted(by_ordinal):
        ids = tuple(by_ordinal[ordinal])
        old = old_blocks.get(ordinal)
        if old is not None and affected is not None and old[0] == ids and affected.isdisjoint(ids):
            built = [group.copy() for group in old[1]]
        else:
            built = _visit_block(ordinal, [items[i] for i in ids])
            items.release(ids)
            changed.update((g.ordinal, g.topic) for g in built + (old[1] if old else []))
        blocks[ordinal] = (ids, [group.copy() for group in built])
        groups.extend(built)
    for ordinal, (_, gone) in old_blocks.items():
        if ordinal not in by_ordinal:
            changed.update((g.ordinal, g.topic) for g in gone)
    return groups, blocks, changed


def _join_visit_stories(
    loose: Sequence[str],
    groups: list[_Group],
    items: _Items,
    context: _Context,
    memo: ClusterMemo | None,
    affected: set[str] | None,
    changed: set[_Target],
) -> dict[str, _Decision]:
    """Articles without an ordinal join visit stories; the profiles stay those of the stated.

    An article's choice depends on its own item and on its candidate stories (found by
    its lookup keys).  Its score with a story depends on its item and that story's
    profile only; when the item and the candidates are the same as last time, only the
    candidates whose profile changed are scored again.  Finding candidates is cheap,
    scoring is not: a one-word edit in a visit's story would otherwise rescore every
    article that could join it.
    """
    settings = context.settings
    numbers = {(group.ordinal, group.topic): n for n, group in enumerate(groups)}
    index = InvertedIndex()
    for number, group in enumerate(groups):
        index.add(number, sorted(group.keys))
    limits = int(settings.max_postings), int(settings.max_candidates)
    decisions: dict[str, _Decision] = {}
    for article_id in loose:
        old = memo.joins.get(article_id) if memo is not None and affected is not None else None
        if old is not None and article_id not in affected:
            found = index.candidates(old[3], *limits)
            candidates = tuple((groups[n].ordinal, groups[n].topic) for n in found)
            if candidates == old[4]:
                if changed.isdisjoint(candidates):
                    decisions[article_id] = old
                else:
                    decisions[article_id] = _rejoin(
                        old, found, partial(items.__getitem__, article_id), groups, context, changed
                    )
                continue
        item = items[article_id]
        found = index.candidates(item.keys, *limits)
        scores = [score(item, groups[n], context) for n in found]
        decisions[article_id] = _decision(item.keys, found, groups, scores, settings)
    for article_id in loose:  # added after scoring: order cannot matter
        target, total, parts, _, _, _ = decisions[article_id]
        if target is not None:
            groups[numbers[target]].ids.append(article_id)
            groups[numbers[target]].joins.append((article_id, total, parts))
    return decisions


def _decision(
    keys: tuple[tuple[str, float], ...],
    found: Sequence[int],
    groups: Sequence[_Group],
    scores: Sequence[tuple[float, dict[str, float]] | None],
    settings: ClusterSettings,
) -> _Decision:
    """The best of the scored candidates reaching the join threshold, ties to the earlier
    group (as ``_best``), with every candidate's score for the next run."""
    best: tuple[int, float, dict[str, float]] | None = None
    for number, scored in zip(found, scores, strict=True):
        if scored is None or scored[0] < settings.join_threshold:
            continue
        if best is None or scored[0] > best[1] or (scored[0] == best[1] and number < best[0]):
            best = (number, scored[0], scored[1])
    candidates = tuple((groups[n].ordinal, groups[n].topic) for n in found)
    totals = tuple(None if scored is None else scored[0] for scored in scores)
    if best is None:
        return (None, 0.0, {}, keys, candidates, totals)
    target = (groups[best[0]].ordinal, groups[best[0]].topic)
    return (target, best[1], best[2], keys, candidates, totals)


def _rejoin(
    old: _Decision,
    found: Sequence[int],
    item: Callable[[], _Item],
    groups: Sequence[_Group],
    context: _Context,
    changed: set[_Target],
) -> _Decision:
    """``old``'s decision again, scoring only the candidates in ``changed``: the others'
    scores are last time's (same item, same profile).  A candidate's parts are kept for
    the story it joined only, so a new winner among the unchanged is scored once more."""
    _, _, old_parts, keys, candidates, totals = old
    scores: list[tuple[float, dict[str, float]] | None] = []
    for number, target, total in zip(found, candidates, totals, strict=True):
        if target in changed:
            scores.append(score(item(), groups[number], context))
        else:
            scores.append(None if total is None else (total, {}))
    decision = _decision(keys, found, groups, scores, context.settings)
    target = decision[0]
    if target is None or target in changed:
        return decision
    if target == old[0]:
        return (*decision[:2], old_parts, *decision[3:])  # type: ignore[return-value]
    number = found[candidates.index(target)]
    scored = score(item(), groups[number], context)
    assert scored is not None and scored[0] == decision[1]
    return (target, scored[0], scored[1], *decision[3:])  # type: ignore[return-value]


def _memoised_story(
    group: _Group,
    items: _Items,
    context: _Context,
    names: _Names,
    memo: ClusterMemo | None,
    affected: set[str] | None,
) -> tuple[tuple, Story]:
    """The story of a group, reused when its group and unchanged members are the same."""
    inputs = (
        group.base_id,
        group.ordinal,
        group.topic,
        group.apart,
        tuple(group.pinned),
        tuple((i, total, tuple(sorted(parts.items()))) for i, total, parts in group.joins),
        tuple(sorted(group.ids)),
    )
    old = memo.stories.get(group.base_id) if memo is not None and affected is not None else None
    if old is not None and old[0] == inputs and affected.isdisjoint(group.ids):
        return old
    return inputs, _story(group, items, context, names)


# --- stories ---------------------------------------------------------------------------------


class _Names:
    """Display names for actors and topics in reasons (English, else any)."""

    def __init__(self, topics: Sequence[Topic], actors: Sequence[Actor]) -> None:
        self.topics = {t.id: _english(t.names, t.id) for t in topics}
        self.actors = {a.id: _english(a.names, a.id) for a in actors}
        self.titles = {t.id: t for t in topics}


def _english(names: Mapping[str, str], fallback: str) -> str:
    if names.get("en"):
        return names["en"]
    return next(iter(sorted(names.values())), fallback)


def _story(group: _Group, items: _Items, context: _Context, names: _Names) -> Story:
    """The finished story: ordered members, visit, topics, titles and reasons."""
    members = sorted(
        (items.member(i) for i in group.ids),
        key=lambda m: (m.source.date is None, m.source.date or "", m.id),
    )
    counts = Counter(m.ordinal for m in members if m.ordinal is not None)
    visit = group.ordinal
    if visit is None and counts and not group.apart:
        visit = min(counts, key=lambda o: (-counts[o], o))
    weights = _topic_weights(members)
    topic = group.topic if group.topic is not None else _main_topic(members)
    secondary = tuple(
        t
        for t in sorted(weights, key=lambda t: (-weights[t], t))
        if t != topic and weights[t] * 3 >= weights.get(topic or "", 0.0)
    )[:3]
    evidence = _evidence(group, members, visit, counts, topic, context, names)
    return Story(
        id=group.base_id,
        article_ids=tuple(m.id for m in members),
        visit=visit,
        topic=topic,
        secondary_topics=secondary,
        titles=_titles(members),
        reasons=tuple(sentence for _, _, sentence in evidence),
        slug=group.base_id,
        languages=tuple(sorted({m.language for m in members})),
        visit_counts=dict(sorted(counts.items())),
        evidence=tuple((kind, detail) for kind, detail, _ in evidence),
    )


def _titles(members: Sequence[_Member]) -> dict[str, str]:
    """Per language: the front matter title (extra.story_title), else the central headline."""
    titles: dict[str, str] = {}
    for member in members:
        for language, text in member.source.given_titles:
            titles.setdefault(language, text)
    by_language: dict[str, list[_Member]] = defaultdict(list)
    for member in members:
        by_language[member.language].append(member)
    for language, group in sorted(by_language.items()):
        if language in titles:
            continue
        # The centroid by the words' numbers: the members' vectors share one numbering,
        # and looking numbers up spares making each member's list of words twice.
        centroid: dict[int, float] = {}
        for member in group:
            numbers, weights = member.text
            before = list(map(centroid.get, numbers, repeat(0.0)))
            centroid.update(zip(numbers, map(add, before, weights), strict=True))
        scores = [
            round(_dot_with(m.text[1], list(map(centroid.__getitem__, m.text[0]))), 9)
            for m in group
        ]
        best = max(scores)
        # ties to the oldest, then the smallest id (``_negated``, unique: ids are)
        central = max((m for m, s in zip(group, scores, strict=True) if s == best), key=_negated)
        titles[language] = central.source.title
    return titles


def _negated(item: _Member) -> tuple[int, tuple[int, ...]]:
    """Sort key preferring the oldest, then the smallest id, under max()."""
    return (-(item.day or 10**7), tuple(-ord(c) for c in item.id))


def _evidence(
    group: _Group,
    members: Sequence[_Member],
    visit: int | None,
    counts: Counter[int],
    topic: str | None,
    context: _Context,
    names: _Names,
) -> list[tuple[str, str, str]]:
    """(kind, detail, English sentence) for everything the members share."""
    found: list[tuple[str, str, str]] = []
    size = len(members)
    if group.apart:
        found.append(("apart", members[0].id, "Kept apart by the editor (front matter 'apart')."))
    for article_id in sorted(group.pinned):
        sentence = f"{article_id} is pinned to this story by the editor (front matter 'story')."
        found.append(("pinned", article_id, sentence))
    if visit is not None and counts:
        stated = sum(counts.values())
        if len(counts) == 1:
            sentence = f"{stated} of {size} articles state that this is visit {visit}"
            sentence += "." if stated == size else "; the others state no number."
        else:
            listed = ", ".join(f"visit {o} ({n})" for o, n in sorted(counts.items()))
            sentence = f"Sources disagree on the visit's number: {listed}."
        found.append(("visit", str(visit), sentence))
        statuses = Counter(
            m.source.status
            for m in members
            if m.source.status is not None and m.source.status != "unknown"
        )
        if statuses:
            shown = ", ".join(f"{status} ({n})" for status, n in sorted(statuses.items()))
            detail = ",".join(f"{status}:{n}" for status, n in sorted(statuses.items()))
            found.append(("visit-status", detail, f"The visit as the articles report it: {shown}."))
    if size < 2:
        if not group.apart and not group.pinned:
            found.append(
                (
                    "alone",
                    f"{context.settings.join_threshold:.2f}",
                    "No other article shares enough evidence to join it "
                    f"(join threshold {context.settings.join_threshold:.2f}).",
                )
            )
        return found
    if topic is not None:
        holding = sum(1 for m in members if topic in m.topics)
        found.append(
            (
                "topic",
                topic,
                f"Main topic {names.topics.get(topic, topic)}: among the "
                f"top topics of {holding} of {size} articles.",
            )
        )
        terms = _topic_terms(members, names.titles.get(topic))
        if terms:
            shown = "; ".join(f"{', '.join(words)} ({language})" for language, words in terms)
            detail = ";".join(f"{language}:{','.join(words)}" for language, words in terms)
            found.append(("topic-terms", detail, f"Words of the main topic: {shown}."))
    shared = _shared(members, context)
    labels = {
        "a": ("actors", "Shared people"),
        "p": ("places", "Shared places"),
        "n": ("numbers", "Same numbers"),
    }
    for family, (kind, label) in labels.items():
        if shared.get(family):
            held = shared[family][:6]
            detail = ",".join(f"{key}:{n}" for key, n in held)
            shown = ", ".join(
                f"{names.actors.get(key, key) if family == 'a' else key} ({n} of {size})"
                for key, n in held
            )
            found.append((kind, detail, f"{label}: {shown}."))
    weekday = [
        (d, n) for d, n in sorted(Counter(d for m in members for d in m.weekdays).items()) if n > 1
    ]
    if weekday:
        shown = ", ".join(f"{d} ({n} of {size})" for d, n in weekday)
        found.append(("weekday", ",".join(d for d, _ in weekday), f"Same weekday named: {shown}."))
    for language, value in _wording(members):
        known = known_languages().get(language)
        shown = known.name if known is not None else language
        found.append(
            (
                "similarity",
                f"{language}:{value:.2f}",
                f"Wording of the {shown} articles: TF-IDF cosine {value:.2f}.",
            )
        )
    for article_id, total, parts in sorted(group.joins):
        shown = ", ".join(
            f"{_FAMILY_NAMES[k]} {v:.2f}" for k, v in sorted(parts.items()) if v >= 0.005
        )
        detail = f"{article_id}={total:.2f};" + ";".join(
            f"{_FAMILY_NAMES[k]}={v:.2f}" for k, v in sorted(parts.items()) if v >= 0.005
        )
        found.append(
            (
                "joined",
                detail,
                f"{article_id} joined with score {total:.2f} (threshold "
                f"{context.settings.join_threshold:.2f}): {shown}.",
            )
        )
    return found


def _topic_terms(members: Sequence[_Member], topic: Topic | None) -> list[tuple[str, list[str]]]:
    """Per language, the topic's words most used by the members (at most five)."""
    if topic is None:
        return []
    used: dict[str, Counter[str]] = defaultdict(Counter)
    for member in members:
        used[member.language].update(dict(member.source.topic_words).get(topic.id, ()))
    return [
        (language, [w for w, _ in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:5]])
        for language, counts in sorted(used.items())
        if counts
    ]


def _shared(members: Sequence[_Member], context: _Context) -> dict[str, list[tuple[str, int]]]:
    """Features held by at least two members, per family, rarest and most held first."""
    # The item's features in "a", "p" and "n" are its source's keys, each once.
    held: Counter[str] = Counter(
        key for m in members for key in dict.fromkeys(m.source.keys) if key[0] in "apn"
    )
    result: dict[str, list[tuple[str, int]]] = defaultdict(list)
    idf = context.tables.feature_idf
    for key in sorted(held, key=lambda k: (-held[k], -idf(k), k)):
        if held[key] > 1:
            result[key[0]].append((key[2:], held[key]))
    return result


def _wording(members: Sequence[_Member]) -> list[tuple[str, float]]:
    """Mean pairwise TF-IDF cosine per language with two or more members (small stories only)."""
    by_language: dict[str, list[_Member]] = defaultdict(list)
    for member in members:
        if member.text[1]:
            by_language[member.language].append(member)
    found = []
    for language, group in sorted(by_language.items()):
        if 2 <= len(group) <= 40:
            vectors = [dict(zip(m.text[0], m.text[1], strict=True)) for m in group]
            pairs = [dot(a, b) for i, a in enumerate(vectors) for b in vectors[i + 1 :]]
            found.append((language, sum(pairs) / len(pairs)))
    return found


# --- evaluation ------------------------------------------------------------------------------


def bcubed(
    predicted: Iterable[Iterable[str]], gold: Iterable[Iterable[str]]
) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering against gold clusters.

    Averaged over the gold items; a gold item missing from the prediction
    counts as a story of its own, predicted items not in the gold are ignored.
    """
    gold_of = {item: frozenset(cluster) for cluster in map(list, gold) for item in cluster}
    predicted_of = {
        item: frozenset(cluster) for cluster in map(list, predicted) for item in cluster
    }
    if not gold_of:
        return 0.0, 0.0, 0.0
    precision = recall = 0.0
    for item, gold_cluster in gold_of.items():
        mine = predicted_of.get(item, frozenset({item})) & gold_of.keys()
        both = len(mine & gold_cluster)
        precision += both / len(mine)
        recall += both / len(gold_cluster)
    precision /= len(gold_of)
    recall /= len(gold_of)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- the memo in the build cache -------------------------------------------------------------


CLUSTER_MEMO = "cluster-memo.pickle"  # what clustering can reuse when few articles changed
MEMO_SHARDS = 32  # its articles' entries, in groups: an edit rewrites a few of them
StoredMemo = tuple[ClusterMemo, list[int]]  # the memo, and the generation of each group


def memo_group_name(shard: int) -> str:
    return f"cluster-memo-{shard:02d}.pickle"


def load_memo(cache: BuildCache) -> StoredMemo | None:
    """The last clustering memo, if its shared part and every group of its articles'
    entries were saved by the same build (a group of another build: no memo)."""
    stored = cache.load(CLUSTER_MEMO)
    if not isinstance(stored, dict) or not isinstance(stored.get("shared"), ClusterMemo):
        return None
    generations = stored.get("generations")
    if not isinstance(generations, list) or len(generations) != MEMO_SHARDS:
        return None
    groups = []
    for shard, generation in enumerate(generations):
        group = cache.load(memo_group_name(shard))
        if not isinstance(group, tuple) or len(group) != 2 or group[0] != generation:
            return None
        groups.append(group[1])
    return ClusterMemo.joined(stored["shared"], groups), generations


def save_memo(cache: BuildCache, memo: ClusterMemo, before: StoredMemo | None) -> None:
    """Save the groups holding an article whose entry is not the very one loaded, then
    the shared part naming each group's generation: a build interrupted in between
    leaves groups the shared part does not name, and the next build starts afresh."""
    old, generations = before if before is not None else (None, [-1] * MEMO_SHARDS)
    changed = set(range(MEMO_SHARDS))
    if old is not None:
        changed = {
            shard_of(i, MEMO_SHARDS)
            for i, entry in memo.contributions.items()
            if old.contributions.get(i) is not entry
            or old.vectors.get(i) is not memo.vectors.get(i)
        }
        changed.update(
            shard_of(i, MEMO_SHARDS) for i in old.contributions if i not in memo.contributions
        )
    generation = max(generations) + 1
    shared, groups = memo.split(MEMO_SHARDS)
    generations = list(generations)
    for shard in sorted(changed):
        cache.save(memo_group_name(shard), (generation, groups[shard]))
        generations[shard] = generation
    cache.save(CLUSTER_MEMO, {"shared": shared, "generations": generations})
