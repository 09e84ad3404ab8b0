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
"""

from __future__ import annotations

import gc
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from sys import intern

from .analyse import AnalysedArticle
from .languages import known_languages
from .load import Actor, Topic
from .settings import ClusterSettings
from .similarity import (
    InvertedIndex,
    dot,
    inverse_document_frequency,
    numbers,
    strip_prefixes,
    tfidf_vectors,
)
from .similarity import tokens as text_tokens
from .topics import topic_terms


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


@dataclass(slots=True)
class _Item:
    """An article with the evidence clustering uses, computed once."""

    article: AnalysedArticle
    id: str
    language: str
    ordinal: int | None
    day: int | None  # publication date as a day number
    topics: tuple[str, ...]  # top topics, most relevant first
    features: dict[str, float]  # "a:actor", "p:place", "n:number", "k:topic" -> weight
    mass: dict[str, float]  # family -> sum of idf * weight
    weekdays: frozenset[str]
    text: dict[str, float]  # TF-IDF vector, L2-normalised
    keys: tuple[tuple[str, float], ...]  # rarest features and their IDF, to look up candidates
    index_keys: tuple[str, ...]  # what a story holding this article is found by


@dataclass(slots=True)
class _Group:
    """A story being built: its members and their summed evidence (the profile)."""

    ordinal: int | None
    topic: str | None = None  # fixed for visit stories (decided by their stated members)
    members: list[_Item] = field(default_factory=list)
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
        self.members.append(item)
        for key, weight in item.features.items():
            self.sums[key] = self.sums.get(key, 0.0) + weight
        for family, value in item.mass.items():
            self.mass[family] = self.mass.get(family, 0.0) + value
        self.weekdays.update(item.weekdays)
        if item.day is not None:
            self.first_day = item.day if self.first_day is None else min(self.first_day, item.day)
            self.last_day = item.day if self.last_day is None else max(self.last_day, item.day)
        if item.text:
            centroid = self.text.setdefault(item.language, {})
            norm2 = self.text_norm2.get(item.language, 0.0)
            norm2 += 2 * dot(item.text, centroid) + 1.0  # |s + v|^2, v of unit length
            for term, weight in item.text.items():
                centroid[term] = centroid.get(term, 0.0) + weight
            self.text_norm2[item.language] = norm2
        new = [k for k in item.index_keys if k not in self.keys]
        self.keys.update(new)
        return new


@dataclass(frozen=True, slots=True)
class _Context:
    """Collection-wide values every score needs."""

    settings: ClusterSettings
    idf: dict[str, float]
    weights: dict[str, float]  # weight per kind of evidence, from the settings


def cluster_articles(
    articles: Sequence[AnalysedArticle],
    settings: ClusterSettings,
    *,
    topics: Sequence[Topic] = (),
    actors: Sequence[Actor] = (),
) -> tuple[Story, ...]:
    """Group articles into stories: by visit, then by evidence; see the module docstring."""
    # Clustering allocates millions of small acyclic containers; the cycle collector's
    # repeated full scans of them would cost more than the clustering itself.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _cluster(articles, settings, topics, actors)
    finally:
        if collecting:
            gc.enable()


def _cluster(
    articles: Sequence[AnalysedArticle],
    settings: ClusterSettings,
    topics: Sequence[Topic],
    actors: Sequence[Actor],
) -> tuple[Story, ...]:
    """The recipe of the module docstring, step by step."""
    unique = {a.id: a for a in sorted(articles, key=lambda a: a.id)}
    ordered = [unique[k] for k in sorted(unique)]
    pinned = [a for a in ordered if a.clean.meta.story]
    apart = [a for a in ordered if a.clean.meta.apart and not a.clean.meta.story]
    free = [a for a in ordered if not a.clean.meta.story and not a.clean.meta.apart]
    items, context = _prepare(free + apart + pinned, settings)

    anchored = _visit_groups(
        [items[a.id] for a in free if items[a.id].ordinal is not None], settings
    )
    loose = [items[a.id] for a in free if items[a.id].ordinal is None]
    joined = _join_visit_stories(loose, anchored, context)
    rest = [item for item in loose if item.id not in joined]
    groups = anchored + _cluster_loose(rest, context)
    for article in apart:
        group = _Group(ordinal=items[article.id].ordinal, apart=True)
        group.add(items[article.id])
        groups.append(group)
    _assign_ids(groups)
    _place_pinned([items[a.id] for a in pinned], groups)
    names = _Names(topics, actors)
    stories = [_story(group, context, names) for group in groups]
    return tuple(sorted(stories, key=lambda s: (s.visit is None, -(s.visit or 0), s.id)))


# --- evidence ------------------------------------------------------------------------------


def _prepare(
    articles: Sequence[AnalysedArticle], settings: ClusterSettings
) -> tuple[dict[str, _Item], _Context]:
    """Features, IDF and TF-IDF for the whole collection, in one pass per kind."""
    depth = max(1, int(settings.topic_depth))
    raw: list[tuple[AnalysedArticle, dict[str, float]]] = []
    frequency: Counter[str] = Counter()
    texts = {  # only for articles the analyser did not give terms and numbers
        article.id: _full_text(article)
        for article in articles
        if article.terms is None or article.numbers is None
    }
    for article in articles:
        features: dict[str, float] = {}
        for actor_id in article.actor_ids:
            features[intern("a:" + actor_id)] = 1.0
        places = list(article.places)
        if article.visit is not None and article.visit.place:
            places.append(article.visit.place)  # where the visit is, as the analyser read it
        for place in places:
            features[intern("p:" + place.lower())] = 1.0
        found = article.numbers if article.numbers is not None else numbers(texts[article.id])
        for number in found:
            features[intern("n:" + number)] = 1.0
        for rank, topic_id in enumerate(article.topics[:depth]):
            features[intern("k:" + topic_id)] = 1.0 / (rank + 1)
        frequency.update(features.keys())
        raw.append((article, features))
    total = len(articles)
    idf = {key: inverse_document_frequency(df, total) for key, df in frequency.items()}

    by_language: dict[str, list[AnalysedArticle]] = defaultdict(list)
    for article in articles:
        by_language[article.language].append(article)
    vectors: dict[str, dict[str, float]] = {}
    for language, members in sorted(by_language.items()):
        docs = strip_prefixes(
            [
                list(a.terms) if a.terms is not None else text_tokens(texts[a.id], language)
                for a in members
            ],
            language,
        )
        found, term_frequency = tfidf_vectors(docs, max(1, int(settings.text_terms)))
        for article, vector in zip(members, found, strict=True):
            vectors[article.id] = vector
        for term, df in term_frequency.items():
            key = intern(f"t:{language}:{term}")
            frequency[key] = df
            idf[key] = inverse_document_frequency(df, len(members))

    items = {}
    for article, features in raw:
        mass: dict[str, float] = defaultdict(float)
        for key, weight in features.items():
            # A feature no other article has can never be shared: it is evidence neither for
            # nor against any pairing, so it stays out of the overlap's denominator.
            if frequency[key] > 1:
                mass[key[0]] += idf[key] * weight
        text = vectors.get(article.id, {})
        top_terms = sorted(text, key=text.__getitem__, reverse=True)[:8]  # stable on ties
        term_keys = [intern(f"t:{article.language}:{term}") for term in top_terms]
        index_keys = [k for k in features if k[0] != "k"] + term_keys
        # A key no other article holds cannot find a story: the rarest shared keys are the best.
        rarest = sorted((frequency[k], k) for k in index_keys if frequency[k] > 1)
        keys = tuple((k, idf[k]) for _, k in rarest[: int(settings.block_keys)])
        visit = article.visit
        items[article.id] = _Item(
            article=article,
            id=article.id,
            language=article.language,
            ordinal=visit.ordinal if visit is not None else None,
            day=_day(article.date),
            topics=tuple(article.topics[:depth]),
            features=features,
            mass=dict(mass),
            weekdays=_weekdays(article.date_hints),
            text=text,
            keys=keys,
            index_keys=tuple(sorted(index_keys)),
        )
    return items, _Context(settings, idf, _weights(settings))


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


def score(item: _Item, group: _Group, context: _Context) -> tuple[float, dict[str, float]] | None:
    """The evidence that ``item`` belongs to ``group``: (total, part per kind); None: never."""
    settings = context.settings
    parts: dict[str, float] = {}
    if item.day is not None and group.first_day is not None and group.last_day is not None:
        gap = max(0, group.first_day - item.day, item.day - group.last_day)
        if gap > settings.max_date_gap_days:
            return None
        parts["d"] = 1.0 - gap / (settings.max_date_gap_days + 1.0)
    size = len(group.members)
    shared: dict[str, float] = {}
    sums, idf = group.sums, context.idf
    for key, weight in item.features.items():
        summed = sums.get(key)
        if summed:
            family = key[0]
            shared[family] = shared.get(family, 0.0) + idf[key] * min(weight, summed / size)
    for family, _ in _FAMILIES:
        if shared.get(family):
            both = item.mass.get(family, 0.0) + group.mass.get(family, 0.0) / size
            union = both - shared[family]
            parts[family] = shared[family] / (union + settings.evidence_smoothing)
    # A weekday named in the text only stands in for unknown dates; with dates it adds nothing.
    if "d" not in parts and any(group.weekdays[day] for day in item.weekdays):
        parts["w"] = 1.0
    centroid = group.text.get(item.language)
    if item.text and centroid:
        parts["t"] = dot(item.text, centroid) / math.sqrt(group.text_norm2[item.language])
    weights = context.weights
    total = sum(weights[kind] * value for kind, value in parts.items())
    return total, parts


def _weights(settings: ClusterSettings) -> dict[str, float]:
    weights = {family: float(getattr(settings, name)) for family, name in _FAMILIES}
    weights.update(w=settings.weekday_weight, d=settings.date_weight, t=settings.text_weight)
    return weights


# --- grouping ------------------------------------------------------------------------------


LEADING_TOPIC_SHARE = 0.5  # a story's leading topics weigh at least this share of its main one


def _visit_groups(items: Sequence[_Item], settings: ClusterSettings) -> list[_Group]:
    """One group per stated ordinal, split by main topic where members disagree on it."""
    blocks: dict[int, list[_Item]] = defaultdict(list)
    for item in items:
        assert item.ordinal is not None
        blocks[item.ordinal].append(item)
    groups = []
    for ordinal in sorted(blocks):
        members = sorted(blocks[ordinal], key=lambda i: i.id)
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
        for topic_id in sorted(parts, key=lambda t: (t != dominant, t or "")):
            group = _Group(ordinal=ordinal, topic=topic_id)
            for item in parts[topic_id]:
                group.add(item)
            groups.append(group)
    return groups


def _topic_weights(members: Iterable[_Item]) -> dict[str, float]:
    """How strongly the members are about each topic: 1 for a main topic, 1/2 next, and so on."""
    weights: dict[str, float] = {}
    for item in members:
        for rank, topic_id in enumerate(item.topics):
            weights[topic_id] = weights.get(topic_id, 0.0) + 1.0 / (rank + 1)
    return weights


def _main_topic(members: Iterable[_Item]) -> str | None:
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


def _join_visit_stories(
    items: Sequence[_Item], groups: list[_Group], context: _Context
) -> set[str]:
    """Articles without an ordinal join visit stories; the profiles stay those of the stated."""
    index = InvertedIndex()
    for number, group in enumerate(groups):
        index.add(number, sorted(group.keys))
    joined = set()
    choices = []
    for item in items:
        best = _best(item, groups, index, context)
        if best is not None:
            choices.append((best, item))
            joined.add(item.id)
    for (number, total, parts), item in choices:  # added after scoring: order cannot matter
        groups[number].members.append(item)
        groups[number].joins.append((item.id, total, parts))
    return joined


def _cluster_loose(items: Sequence[_Item], context: _Context) -> list[_Group]:
    """Leader clustering of the remaining articles, oldest first, ties by id."""
    groups: list[_Group] = []
    index = InvertedIndex()
    for item in sorted(items, key=lambda i: (i.day is None, i.day or 0, i.id)):
        best = _best(item, groups, index, context)
        if best is None:
            groups.append(_Group(ordinal=None))
            number = len(groups) - 1
        else:
            number = best[0]
            groups[number].joins.append((item.id, best[1], best[2]))
        index.add(number, groups[number].add(item))
    return groups


def _assign_ids(groups: Sequence[_Group]) -> None:
    """Visit stories are named by ordinal and topic, others by their smallest member id."""
    by_base: dict[str, list[_Group]] = defaultdict(list)
    for group in groups:
        first = min(m.id for m in group.members)
        if group.ordinal is not None and not group.apart:
            base = f"visit-{group.ordinal}" + (f"-{slugify(group.topic)}" if group.topic else "")
        else:
            base = f"story-{slugify(first)}"
        by_base[base].append(group)
    taken: set[str] = set()
    for base in sorted(by_base):
        clashing = sorted(by_base[base], key=lambda g: min(m.id for m in g.members))
        for position, group in enumerate(clashing):
            name = base if position == 0 else f"{base}-{slugify(min(m.id for m in group.members))}"
            while name in taken:
                name += "-" + hashlib.sha1(name.encode()).hexdigest()[:4]
            taken.add(name)
            group.base_id = name


def _place_pinned(items: Sequence[_Item], groups: list[_Group]) -> None:
    """An article pinned to a story id, or to another article's id, goes there; else a new story."""
    by_id = {group.base_id: group for group in groups}
    by_article = {m.id: group for group in groups for m in group.members}
    for item in sorted(items, key=lambda i: i.id):
        pin = str(item.article.clean.meta.story)
        target = by_id.get(slugify(pin)) or by_article.get(pin)
        if target is None:
            target = _Group(ordinal=None, base_id=slugify(pin))
            groups.append(target)
            by_id[target.base_id] = target
        target.members.append(item)
        target.pinned.append(item.id)
        by_article[item.id] = target


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


def _story(group: _Group, context: _Context, names: _Names) -> Story:
    """The finished story: ordered members, visit, topics, titles and reasons."""
    members = sorted(
        group.members, key=lambda m: (m.article.date is None, m.article.date or "", m.id)
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


def _titles(members: Sequence[_Item]) -> dict[str, str]:
    """Per language: the front matter title (extra.story_title), else the central headline."""
    titles: dict[str, str] = {}
    for member in members:
        given = member.article.clean.meta.extra.get("story_title")
        if isinstance(given, str) and given.strip():
            titles.setdefault(member.language, given.strip())
        elif isinstance(given, Mapping):
            for language, text in sorted(given.items()):
                if isinstance(text, str) and text.strip():
                    titles.setdefault(str(language), text.strip())
    by_language: dict[str, list[_Item]] = defaultdict(list)
    for member in members:
        by_language[member.language].append(member)
    for language, group in sorted(by_language.items()):
        if language in titles:
            continue
        centroid: dict[str, float] = defaultdict(float)
        for member in group:
            for term, weight in member.text.items():
                centroid[term] += weight
        central = max(group, key=lambda m: (round(dot(m.text, centroid), 9), _negated(m)))
        titles[language] = central.article.clean.title
    return titles


def _negated(item: _Item) -> tuple[int, tuple[int, ...]]:
    """Sort key preferring the oldest, then the smallest id, under max()."""
    return (-(item.day or 10**7), tuple(-ord(c) for c in item.id))


def _evidence(
    group: _Group,
    members: Sequence[_Item],
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
            m.article.visit.status
            for m in members
            if m.article.visit is not None and m.article.visit.status != "unknown"
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


def _topic_terms(members: Sequence[_Item], topic: Topic | None) -> list[tuple[str, list[str]]]:
    """Per language, the topic's words most used by the members (at most five)."""
    if topic is None:
        return []
    used: dict[str, Counter[str]] = defaultdict(Counter)
    for member in members:
        words = topic_terms(_full_text(member.article), member.language, topic)
        used[member.language].update(word.strip() for word in words)
    return [
        (language, [w for w, _ in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:5]])
        for language, counts in sorted(used.items())
        if counts
    ]


def _shared(members: Sequence[_Item], context: _Context) -> dict[str, list[tuple[str, int]]]:
    """Features held by at least two members, per family, rarest and most held first."""
    held: Counter[str] = Counter(key for m in members for key in m.features if key[0] in "apn")
    result: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key in sorted(held, key=lambda k: (-held[k], -context.idf.get(k, 0.0), k)):
        if held[key] > 1:
            result[key[0]].append((key[2:], held[key]))
    return result


def _wording(members: Sequence[_Item]) -> list[tuple[str, float]]:
    """Mean pairwise TF-IDF cosine per language with two or more members (small stories only)."""
    by_language: dict[str, list[_Item]] = defaultdict(list)
    for member in members:
        if member.text:
            by_language[member.language].append(member)
    found = []
    for language, group in sorted(by_language.items()):
        if 2 <= len(group) <= 40:
            pairs = [dot(a.text, b.text) for i, a in enumerate(group) for b in group[i + 1 :]]
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
