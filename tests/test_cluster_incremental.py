"""Clustering with the last run's memo gives exactly the stories of a run from scratch."""

from __future__ import annotations

import dataclasses
import pickle
import random

import pytest

from site_builder.analyse import AnalysedArticle
from site_builder.clean import Block
from site_builder.cluster import (
    ArticleFeatures,
    Clustering,
    ClusterMemo,
    article_features,
    cluster_articles,
    cluster_features,
)
from site_builder.load import read_topics
from site_builder.settings import ClusterSettings
from site_builder.yamlio import parse_yaml

from .test_cluster import (
    EREKAT,
    KERRY,
    ROOT,
    SETTINGS,
    article,
    generated_distinct_stories,
    seed_like,
)

TOPICS = read_topics(parse_yaml((ROOT / "content" / "topics.yaml").read_text("utf-8")))


def corpus() -> list[AnalysedArticle]:
    """Visit stories, loose stories and articles joining them, in two languages."""
    articles = seed_like() + generated_distinct_stories(8, 5)[0]
    extra = [
        article(
            "j1",
            "en",
            ("john-kerry", "saeb-erekat"),
            None,
            "unknown",
            ("peace-talks",),
            text="kerry ramallah security proposals talks",
        ),
        article(
            "j2",
            "he",
            ("john-kerry",),
            9,
            "over",
            ("peace-talks",),
            text="kerry ramallah security talks",
        ),
    ]
    return articles + extra


def cluster(features: list[ArticleFeatures], memo: object = None) -> Clustering:
    return cluster_features(features, SETTINGS, topics=TOPICS, memo=memo)  # type: ignore[arg-type]


def with_text(original: AnalysedArticle, more: str) -> AnalysedArticle:
    blocks = (*original.clean.blocks, Block("paragraph", more))
    return dataclasses.replace(original, clean=dataclasses.replace(original.clean, blocks=blocks))


def with_word_changed(original: AnalysedArticle) -> AnalysedArticle:
    """One word in the middle of the text grows an ending (its old form may vanish)."""
    blocks = list(original.clean.blocks)
    words = blocks[-1].text.split(" ")
    words[len(words) // 2] += "s"
    blocks[-1] = dataclasses.replace(blocks[-1], text=" ".join(words))
    return dataclasses.replace(
        original, clean=dataclasses.replace(original.clean, blocks=tuple(blocks))
    )


EDITS = {
    "one more sentence": lambda a: with_text(a, "One more sentence."),
    "one word changed": with_word_changed,
    "another date": lambda a: dataclasses.replace(a, date="2013-11-20" if a.date else None),
    "words of another story": lambda a: with_text(a, "kerry ramallah security talks jordan"),
    "no ordinal": lambda a: dataclasses.replace(a, visit=None),
    "another ordinal": lambda a: dataclasses.replace(
        a,
        visit=dataclasses.replace(a.visit, ordinal=(a.visit.ordinal or 0) + 1) if a.visit else None,
    ),
    "topics reversed": lambda a: dataclasses.replace(a, topics=tuple(reversed(a.topics))),
    "actors dropped": lambda a: dataclasses.replace(a, actors=()),
}


def features_of(articles: list[AnalysedArticle]) -> list[ArticleFeatures]:
    return [article_features(a, TOPICS) for a in articles]


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_clustered_with_the_memo_equals_clustering_from_scratch(edit: str) -> None:
    articles = corpus()
    first = cluster(features_of(articles))
    memo = pickle.loads(pickle.dumps(first.memo))  # as the build's cache stores it
    for position in range(len(articles)):
        changed = list(articles)
        changed[position] = EDITS[edit](articles[position])
        assert_same_as_from_scratch(features_of(changed), memo)


def state(memo: ClusterMemo) -> tuple[object, ...]:
    """What a memo holds that the next run reads, words spelled out (their numbers are
    the memo's own): it must be what a run from scratch leaves."""
    words = memo.words
    vectors = {
        i: tuple(zip(map(words.__getitem__, numbers), weights, strict=True))
        for i, (numbers, weights) in sorted(memo.vectors.items())
    }
    tables = memo.tables
    languages = {
        name: (
            t.documents,
            t.vocabulary,
            t.bare,
            t.frequency,
            t.idf,
            sorted(t.rank, key=t.rank.get),
        )
        for name, t in sorted(tables.languages.items())
    }
    contributions = {
        i: (digest, language, keys, [words[n] for n in numbers])
        for i, (digest, language, keys, numbers) in sorted(memo.contributions.items())
    }
    return tables.total, +tables.frequency, languages, vectors, contributions, repr(memo.joins)


def assert_same_as_from_scratch(features: list[ArticleFeatures], memo: ClusterMemo) -> Clustering:
    result = cluster(features, memo)
    scratch = cluster(features)
    assert repr(result.stories) == repr(scratch.stories)
    assert state(result.memo) == state(scratch.memo)
    return result


NEW = [
    article("new-en", "en", ("john-kerry",), 9, text="kerry talks ramallah security"),
    article("new-he", "he", ("john-kerry",), None, "unknown", text="kerry security talks"),
    article("new-story", "en", ("saeb-erekat",), None, "unknown", text="wholly fresh words"),
]


def larger_corpus() -> list[AnalysedArticle]:
    """Enough articles that one more moves only some rounded IDFs, not all of them."""
    return corpus() + generated_distinct_stories(60, 9)[0]


def test_adding_and_removing_articles_with_the_memo_equals_from_scratch() -> None:
    """Another article count moves every exact IDF: the rounded ones that move are found."""
    articles = larger_corpus()
    memo = cluster(features_of(articles)).memo
    for new in NEW:
        assert_same_as_from_scratch(features_of(articles + [new]), memo)
    for position in range(0, len(articles), 7):
        fewer = articles[:position] + articles[position + 1 :]
        assert_same_as_from_scratch(features_of(fewer), memo)
    assert_same_as_from_scratch(features_of(articles[5:] + NEW), memo)


def test_a_memo_is_not_used_across_a_language_change() -> None:
    articles = corpus()
    memo = cluster(features_of(articles)).memo
    moved = [dataclasses.replace(articles[0], language="en"), *articles[1:]]
    assert_same_as_from_scratch(features_of(moved), memo)
    only_english = [a for a in articles if a.language == "en"]
    result = assert_same_as_from_scratch(features_of(only_english), memo)
    assert_same_as_from_scratch(features_of(articles), result.memo)  # Hebrew comes back


def test_a_chain_of_edits_additions_and_removals_each_with_the_last_memo_stays_exact() -> None:
    articles = larger_corpus()
    rng = random.Random(3)
    memo = cluster(features_of(articles)).memo
    pool = list(NEW)
    for _ in range(24):
        roll = rng.random()
        if roll < 0.2 and pool:
            articles.append(pool.pop())
        elif roll < 0.35:
            pool.append(articles.pop(rng.randrange(len(articles))))
        else:
            position = rng.randrange(len(articles))
            articles[position] = EDITS[rng.choice(sorted(EDITS))](articles[position])
        memo = assert_same_as_from_scratch(features_of(articles), memo).memo


def test_a_memo_from_other_settings_or_topics_is_ignored() -> None:
    articles = corpus()
    other = cluster_features(
        features_of(articles), ClusterSettings(join_threshold=0.9), topics=TOPICS
    ).memo
    assert cluster(features_of(articles), other).stories == cluster(features_of(articles)).stories
    assert (
        cluster(features_of(articles), object()).stories == cluster(features_of(articles)).stories
    )


def test_features_from_other_topics_are_refused() -> None:
    features = [article_features(a) for a in corpus()]
    with pytest.raises(ValueError, match="other topics"):
        cluster(features)


def test_the_wrapper_gives_the_stories_of_the_features() -> None:
    articles = corpus()
    assert (
        cluster_articles(articles, SETTINGS, topics=TOPICS)
        == cluster(features_of(articles)).stories
    )


def test_features_are_compact_and_hold_no_text() -> None:
    source = article_features(corpus()[0], TOPICS)
    assert not any(
        isinstance(getattr(source, f.name), AnalysedArticle) for f in dataclasses.fields(source)
    )
    assert len(source.terms) == len(set(source.terms)) == len(source.counts)
    assert source == pickle.loads(pickle.dumps(source))


def test_a_loose_article_moves_when_the_story_it_joined_changes() -> None:
    """Its score with the changed story is computed again, its score with the unchanged
    one is last run's: the choice must still be the one a run from scratch makes."""
    talks = ("peace-talks",)
    articles = [
        article(
            "v9",
            "en",
            (KERRY, EREKAT),
            9,
            topics=talks,
            date="2013-11-05",
            places=("ramallah",),
            text="kerry ramallah erekat security proposals talks",
        ),
        article(
            "v8",
            "en",
            (KERRY, EREKAT),
            8,
            topics=talks,
            date="2013-11-06",
            places=("amman",),
            text="kerry amman erekat security proposals meeting",
        ),
        article(
            "loose",
            "en",
            (KERRY, EREKAT),
            None,
            "unknown",
            talks,
            date="2013-11-05",
            places=("ramallah", "amman"),
            text="kerry ramallah erekat security proposals",
        ),
    ]
    first = cluster(features_of(articles))
    joined = {s.visit: s.article_ids for s in first.stories}
    assert "loose" in joined[9]
    memo = pickle.loads(pickle.dumps(first.memo))
    # Same lookup keys, so the same candidates; a month later, so a worse score.
    articles[0] = dataclasses.replace(articles[0], date="2013-12-20")
    features = features_of(articles)
    again = cluster(features, memo)
    assert again.stories == cluster(features).stories
    assert "loose" in {s.visit: s.article_ids for s in again.stories}[8]


def letters(number: int) -> str:
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


def test_words_of_articles_gone_do_not_pile_up_in_the_memo() -> None:
    articles = corpus()
    memo = cluster(features_of(articles)).memo
    for round_ in range(60):
        text = " ".join(f"fresh{letters(round_)}x{letters(n)}" for n in range(40))
        churn = article(f"churn-{round_}", "en", ("john-kerry",), None, "unknown", text=text)
        memo = cluster(features_of([*articles, churn]), memo).memo
    in_use = sum(len(t.vocabulary) for t in memo.tables.languages.values())
    assert len(memo.words) <= 2 * in_use + 1000 + 40
