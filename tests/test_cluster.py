"""Story clustering: visits, evidence across languages, editorial control, determinism, scale."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.analyse import ActorMention, AnalysedArticle, Visit
from site_builder.clean import Block, CleanArticle
from site_builder.cluster import Story, bcubed, cluster_articles, slugify
from site_builder.evaluate import clusters as evaluate_clusters
from site_builder.load import ArticleMeta, Topic, load_content, read_topics
from site_builder.settings import ClusterSettings
from site_builder.topics import rank_topics
from site_builder.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold" / "stories.yaml"
SETTINGS = ClusterSettings()


def article(
    article_id: str,
    language: str = "en",
    actors: tuple[str, ...] = (),
    ordinal: int | None = None,
    status: str = "over",
    topics: tuple[str, ...] = (),
    date: str | None = None,
    hints: tuple[str, ...] = (),
    places: tuple[str, ...] = (),
    text: str = "",
    title: str | None = None,
    meta: ArticleMeta | None = None,
) -> AnalysedArticle:
    """An analysed article built by hand, independent of the analyser's current output."""
    clean = CleanArticle(
        id=article_id,
        path=f"{article_id}.txt",
        title=title or f"Headline of {article_id}",
        subtitle=None,
        author=None,
        blocks=(Block("paragraph", text),),
        removals=(),
        meta=meta or ArticleMeta(),
    )
    return AnalysedArticle(
        clean=clean,
        language=language,
        actors=tuple(ActorMention(a, 1) for a in actors),
        visit=Visit(ordinal, status) if ordinal is not None else None,
        topics=topics,
        date=date,
        date_hints=hints,
        places=places,
    )


KERRY, BIBI, ABBAS, EREKAT = "john-kerry", "benjamin-netanyahu", "mahmoud-abbas", "saeb-erekat"


def seed_like() -> list[AnalysedArticle]:
    """The seeds' evidence as a good analyser reports it (texts shortened)."""
    return [
        article(
            "000",
            "he",
            (KERRY, BIBI, ABBAS),
            9,
            "under-way",
            ("peace-talks", "security-arrangements", "visit-diplomacy"),
            hints=("thursday",),
            places=("ramallah", "rome"),
            text="kerry ramallah security proposals rejected occupation talks progress",
        ),
        article(
            "001",
            "he",
            (KERRY, BIBI, ABBAS, "john-allen", "tzipi-livni", "moshe-yaalon", EREKAT, "yair-lapid"),
            9,
            "under-way",
            ("peace-talks", "security-arrangements", "visit-diplomacy"),
            hints=("thursday",),
            places=("jerusalem", "ramallah", "washington"),
            text="kerry security jordan valley allen ramallah four hours suspicion gaps",
        ),
        article(
            "002",
            "he",
            (KERRY, BIBI, ABBAS, "tzipi-livni", "martin-indyk", "frank-lowenstein"),
            8,
            "announced",
            ("iran-nuclear", "peace-talks", "visit-diplomacy"),
            places=("jerusalem", "ramallah", "rome"),
            text="kerry will come eighth time november iran uranium rome meeting",
        ),
        article(
            "003",
            "en",
            (KERRY, ABBAS, EREKAT, BIBI, "yair-lapid", "john-allen", "marie-harf", "nabil-shaath"),
            None,
            "unknown",
            ("security-arrangements", "peace-talks", "europe-pressure"),
            hints=("thursday", "friday", "tuesday"),
            places=("ramallah", "jerusalem", "washington"),
            text="Kerry said Thursday progress had been made in talks after a three-hour "
            "meeting with Abbas in Ramallah; General John Allen briefed Netanyahu on "
            "security; Kerry will meet Lapid; settlements; prisoners; EU aid",
        ),
        article(
            "004",
            "en",
            (KERRY, BIBI, ABBAS, EREKAT, "frank-lowenstein"),
            5,
            "over",
            ("peace-talks", "palestinian-statehood", "borders-territory"),
            hints=("sunday",),
            places=("tel-aviv", "jerusalem", "ramallah"),
            text="Kerry ended a shuttle diplomacy mission on Sunday without an agreement on "
            "resuming peace talks, progress, settlements, preconditions, borders 1967",
        ),
    ]


def grouping(stories: tuple[Story, ...]) -> set[frozenset[str]]:
    return {frozenset(s.article_ids) for s in stories}


# --- B-cubed -----------------------------------------------------------------------------------


def test_bcubed_of_a_perfect_clustering_is_one() -> None:
    assert bcubed([["a", "b"], ["c"]], [["b", "a"], ["c"]]) == (1.0, 1.0, 1.0)


def test_bcubed_of_everything_in_one_cluster_has_full_recall_and_low_precision() -> None:
    precision, recall, f1 = bcubed([["a", "b", "c", "d"]], [["a", "b"], ["c"], ["d"]])
    assert recall == 1.0
    assert precision == pytest.approx((0.5 + 0.5 + 0.25 + 0.25) / 4)
    assert f1 == pytest.approx(2 * precision / (precision + 1))


def test_bcubed_counts_a_gold_article_missing_from_the_prediction_as_alone() -> None:
    precision, recall, _ = bcubed([["a"]], [["a", "b"]])
    assert precision == 1.0
    assert recall == 0.5


# --- the seeds' stories -------------------------------------------------------------------------


def test_seed_like_articles_form_the_gold_stories() -> None:
    stories = cluster_articles(seed_like(), SETTINGS)
    assert grouping(stories) == {
        frozenset({"000", "001", "003"}),
        frozenset({"002"}),
        frozenset({"004"}),
    }


def test_an_article_without_an_ordinal_joins_its_visit_across_languages_not_another() -> None:
    stories = {s.id: s for s in cluster_articles(seed_like(), SETTINGS)}
    ninth = next(s for s in stories.values() if "003" in s.article_ids)
    assert ninth.visit == 9
    assert ninth.languages == ("en", "he")
    assert ninth.id == "visit-9-peace-talks"
    assert any(kind == "joined" and detail.startswith("003=") for kind, detail in ninth.evidence)


def test_the_seed_files_cluster_as_the_gold_file_says() -> None:
    stories = evaluate_clusters.build_stories(ROOT / "seeds", ROOT / "content")
    gold = evaluate_clusters.read_gold(GOLD)
    assert bcubed([s.article_ids for s in stories], gold) == (1.0, 1.0, 1.0)


def test_the_gold_file_names_every_seed_once() -> None:
    gold = evaluate_clusters.read_gold(GOLD)
    ids = [i for cluster in gold for i in cluster]
    assert sorted(ids) == sorted(p.stem for p in (ROOT / "seeds").glob("*.txt"))


def test_evaluate_command_prints_bcubed_scores(capsys: pytest.CaptureFixture[str]) -> None:
    code = evaluate_clusters.main(
        [str(GOLD), "--seeds", str(ROOT / "seeds"), "--content", str(ROOT / "content")]
    )
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 0
    assert re.fullmatch(
        r"clusters: 5 articles, B-cubed precision [\d.]+, recall [\d.]+, F1 [\d.]+", line
    )


# --- rules of grouping ----------------------------------------------------------------------------


def test_articles_with_different_stated_ordinals_never_merge() -> None:
    same = dict(
        actors=(KERRY, BIBI, "john-allen"),
        topics=("security-arrangements",),
        places=("ramallah",),
        text="kerry allen security ramallah proposals",
    )
    stories = cluster_articles(
        [article("a", ordinal=8, **same), article("b", ordinal=9, **same)], SETTINGS
    )
    assert grouping(stories) == {frozenset({"a"}), frozenset({"b"})}


def test_articles_stating_the_same_ordinal_are_one_story_across_languages() -> None:
    stories = cluster_articles(
        [
            article("a", "he", (KERRY,), 9, topics=("peace-talks",)),
            article("b", "en", (BIBI,), 9, topics=("peace-talks",)),
        ],
        SETTINGS,
    )
    assert grouping(stories) == {frozenset({"a", "b"})}
    assert stories[0].id == "visit-9-peace-talks"


def test_a_visit_block_splits_off_articles_about_another_topic() -> None:
    stories = cluster_articles(
        [
            article("a", ordinal=9, topics=("security-arrangements", "peace-talks")),
            article("b", ordinal=9, topics=("peace-talks", "security-arrangements")),
            article("c", ordinal=9, topics=("security-arrangements",)),
            article("d", ordinal=9, topics=("iran-nuclear",)),
        ],
        SETTINGS,
    )
    assert {s.id: set(s.article_ids) for s in stories} == {
        "visit-9-security-arrangements": {"a", "b", "c"},
        "visit-9-iran-nuclear": {"d"},
    }


def test_dated_articles_far_apart_never_join() -> None:
    shared = dict(
        actors=(KERRY, "john-allen", "yair-lapid"),
        topics=("security-arrangements",),
        hints=("thursday",),
        places=("ramallah",),
    )
    stories = cluster_articles(
        [
            article("a", ordinal=9, date="2013-12-05", **shared),
            article("b", date="2013-06-30", **shared),
        ],
        SETTINGS,
    )
    assert grouping(stories) == {frozenset({"a"}), frozenset({"b"})}


def test_articles_sharing_only_common_actors_stay_apart() -> None:
    filler = [
        article(f"f{n}", actors=(KERRY, BIBI, f"other-{n}"), text=f"filler {'abcdef'[n]}word")
        for n in range(6)
    ]
    stories = cluster_articles(
        [
            article("a", actors=(KERRY, BIBI), text="iran uranium geneva"),
            article("b", actors=(KERRY, BIBI), text="settlement freeze housing"),
        ]
        + filler,
        SETTINGS,
    )
    assert all(len(s.article_ids) == 1 for s in stories)


def test_same_language_articles_with_similar_wording_and_rare_actors_join() -> None:
    text = "general allen presented the jordan valley security plan to the cabinet"
    stories = cluster_articles(
        [
            article(
                "a", actors=(KERRY, "john-allen"), topics=("security-arrangements",), text=text
            ),
            article(
                "b", actors=("john-allen",), topics=("security-arrangements",), text=text + "."
            ),
            article("c", actors=(BIBI,), topics=("iran-nuclear",), text="iran uranium geneva"),
            article("d", actors=(ABBAS,), topics=("prisoners",), text="prisoner release january"),
        ],
        SETTINGS,
    )
    assert frozenset({"a", "b"}) in grouping(stories)
    joined = next(s for s in stories if "a" in s.article_ids)
    assert joined.id == "story-a"


def generated_distinct_stories(
    count: int, seed: int
) -> tuple[list[AnalysedArticle], list[list[str]]]:
    """Distinct events, each reported in both languages, with their own actors, words, dates."""
    rng = random.Random(seed)
    topics = ("security-arrangements", "peace-talks", "settlements", "prisoners", "iran-nuclear")
    articles, gold = [], []
    for event in range(count):
        ordinal = event + 1 if event % 3 == 0 else None
        people = (KERRY, BIBI, f"envoy-{event}", f"minister-{event}")
        code = "".join(chr(ord("a") + int(digit)) for digit in f"{event:03d}")
        words = {
            lang: [f"{lang}{code}w{chr(ord('a') + n)}" for n in range(6)] for lang in ("en", "he")
        }
        topic = (topics[event % len(topics)], topics[(event + 1) % len(topics)])
        day = f"2013-{1 + event % 12:02d}-{1 + (event * 7) % 27:02d}"
        members = []
        for copy, language in enumerate(("en", "he", "en")):
            article_id = f"e{event:03d}-{copy}"
            text = " ".join(rng.sample(words[language], 5) + ["kerry", "talks", "israel"])
            stated = ordinal if copy == 0 else None
            articles.append(
                article(
                    article_id,
                    language,
                    people,
                    stated,
                    topics=topic,
                    date=day,
                    places=(f"town-{event}",),
                    text=text,
                )
            )
            members.append(article_id)
        gold.append(members)
    return articles, gold


def test_generated_distinct_stories_stay_apart_and_their_reports_stay_together() -> None:
    articles, gold = generated_distinct_stories(40, seed=7)
    stories = cluster_articles(articles, SETTINGS)
    precision, recall, _ = bcubed([s.article_ids for s in stories], gold)
    assert precision == 1.0
    assert recall == 1.0


def test_undated_stories_sharing_common_actors_places_and_topics_still_stay_apart() -> None:
    rng = random.Random(11)
    domain = "kerry netanyahu abbas talks peace security israel palestinian meeting progress"
    articles, gold = [], []
    for event in range(30):
        code = "".join(chr(ord("a") + int(digit)) for digit in f"{event:03d}")
        own = [f"{code}{suffix}" for suffix in ("alpha", "beta", "gamma", "delta")]
        members = []
        for copy, language in enumerate(("en", "he", "en", "he")):
            article_id = f"u{event:03d}-{copy}"
            words = rng.sample(own, 3) + rng.sample(domain.split(), 6)
            articles.append(
                article(
                    article_id,
                    language,
                    (KERRY, BIBI, ABBAS, f"aide-{event}"),
                    topics=("peace-talks", "security-arrangements"),
                    hints=(rng.choice(("thursday", "friday")),),
                    places=("ramallah", "jerusalem"),
                    text=" ".join(words),
                )
            )
            members.append(article_id)
        gold.append(members)
    stories = cluster_articles(articles, SETTINGS)
    precision, recall, _ = bcubed([s.article_ids for s in stories], gold)
    assert precision == 1.0
    assert recall >= 0.9


# --- determinism ----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_same_stories_ids_and_slugs_whatever_the_order_of_the_files(rng: random.Random) -> None:
    articles = seed_like() + generated_distinct_stories(6, seed=3)[0]
    expected = cluster_articles(articles, SETTINGS)
    shuffled = list(articles)
    rng.shuffle(shuffled)
    assert cluster_articles(shuffled, SETTINGS) == expected


def test_the_seed_files_in_shuffled_order_give_the_same_stories(tmp_path: Path) -> None:
    stories = evaluate_clusters.build_stories(ROOT / "seeds", ROOT / "content")
    loaded = load_content(ROOT / "seeds", ROOT / "content")
    reordered = tmp_path / "seeds"
    reordered.mkdir()
    for number, raw in enumerate(reversed(loaded.articles)):
        folder = reordered / f"{number:02d}"  # a different reading order on disk
        folder.mkdir()
        source = Path(raw.path)
        (folder / source.name).write_bytes(source.read_bytes())
    assert evaluate_clusters.build_stories(reordered, ROOT / "content") == stories


def test_story_ids_are_stable_when_an_unrelated_article_is_added() -> None:
    before = {s.id: s.article_ids for s in cluster_articles(seed_like(), SETTINGS)}
    extra = article("zzz", "en", ("someone-else",), topics=("weather",), text="rain in london")
    after = {s.id: s.article_ids for s in cluster_articles(seed_like() + [extra], SETTINGS)}
    assert {k: v for k, v in after.items() if "zzz" not in v} == before


def test_story_ids_are_safe_and_unique() -> None:
    articles = [
        article("Odd Name_1", ordinal=None),
        article("odd-name-1", ordinal=None),
        article("x", ordinal=3, topics=("peace-talks",)),
        article("y", ordinal=3, topics=("peace-talks",), meta=ArticleMeta(apart=True)),
    ]
    stories = cluster_articles(articles, SETTINGS)
    ids = [s.id for s in stories]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    assert all(s.slug == s.id for s in stories)


def test_slugify_keeps_only_lower_case_letters_digits_and_dashes() -> None:
    assert slugify("Visit 9: Security!") == "visit-9-security"
    assert re.fullmatch(r"x[0-9a-f]{8}", slugify("\u05e7\u05e8\u05d9"))


# --- editorial control ----------------------------------------------------------------------------


def test_an_article_kept_apart_is_a_story_of_its_own() -> None:
    articles = seed_like()
    articles[3] = article(
        "003",
        "en",
        articles[3].actor_ids,
        None,
        topics=articles[3].topics,
        hints=("thursday",),
        places=("ramallah",),
        meta=ArticleMeta(apart=True),
    )
    stories = cluster_articles(articles, SETTINGS)
    alone = next(s for s in stories if "003" in s.article_ids)
    assert alone.article_ids == ("003",)
    assert ("apart", "003") in alone.evidence


def test_an_article_pinned_to_a_story_id_joins_it() -> None:
    pinned = article("zzz", "en", ("someone-else",), meta=ArticleMeta(story="visit-5-peace-talks"))
    stories = {s.id: s for s in cluster_articles(seed_like() + [pinned], SETTINGS)}
    assert set(stories["visit-5-peace-talks"].article_ids) == {"004", "zzz"}
    assert any("pinned" in r for r in stories["visit-5-peace-talks"].reasons)


def test_an_article_pinned_to_another_article_joins_that_articles_story() -> None:
    pinned = article("zzz", "en", ("someone-else",), meta=ArticleMeta(story="002"))
    stories = cluster_articles(seed_like() + [pinned], SETTINGS)
    assert frozenset({"002", "zzz"}) in grouping(stories)


def test_articles_pinned_to_a_new_name_form_a_story_of_that_name() -> None:
    pins = [article(i, meta=ArticleMeta(story="Geneva Deal")) for i in ("p", "q")]
    stories = {s.id: s for s in cluster_articles(seed_like() + pins, SETTINGS)}
    assert stories["geneva-deal"].article_ids == ("p", "q")


# --- what a story says about itself ------------------------------------------------------------


def test_a_story_explains_why_its_articles_are_together() -> None:
    ninth = next(s for s in cluster_articles(seed_like(), SETTINGS) if s.visit == 9)
    kinds = {kind for kind, _ in ninth.evidence}
    assert {"visit", "topic", "actors", "places", "weekday", "joined"} <= kinds
    assert len(ninth.reasons) == len(ninth.evidence)
    assert any("visit 9" in r for r in ninth.reasons)
    assert any("john-allen" in detail for kind, detail in ninth.evidence if kind == "actors")


def test_a_story_has_a_main_topic_secondary_topics_and_a_title_per_language() -> None:
    ninth = next(s for s in cluster_articles(seed_like(), SETTINGS) if s.visit == 9)
    assert ninth.topic == "peace-talks"
    assert "security-arrangements" in ninth.secondary_topics
    assert ninth.titles == {"en": "Headline of 003", "he": ninth.titles["he"]}
    assert ninth.titles["he"] in ("Headline of 000", "Headline of 001")
    assert ninth.visit_counts == {9: 2}


def test_a_story_title_given_in_front_matter_wins() -> None:
    meta = ArticleMeta(extra={"story_title": {"en": "Kerry's ninth visit"}})
    articles = [article("a", ordinal=9, meta=meta), article("b", ordinal=9)]
    (story,) = cluster_articles(articles, SETTINGS)
    assert story.titles == {"en": "Kerry's ninth visit"}


def test_stories_come_newest_visit_first_then_by_id() -> None:
    stories = cluster_articles(seed_like(), SETTINGS)
    assert [s.visit for s in stories] == [9, 8, 5]


def test_a_story_names_the_words_of_its_main_topic_when_topics_are_given() -> None:
    talks = Topic("peace-talks", {"en": "Peace talks"}, {"en": ("talks", "negotiat*")})
    articles = [
        article("a", ordinal=9, topics=("peace-talks",), text="The talks and negotiations"),
        article("b", ordinal=9, topics=("peace-talks",), text="More talks"),
    ]
    (story,) = cluster_articles(articles, SETTINGS, topics=[talks])
    assert ("topic-terms", "en:talks,negotiations") in story.evidence
    assert any("Main topic Peace talks" in reason for reason in story.reasons)


# --- topics -----------------------------------------------------------------------------------


def test_hebrew_keywords_match_after_one_letter_prefixes() -> None:
    security = "\u05d1\u05d9\u05d8\u05d7\u05d5\u05df"  # the Hebrew word for security
    topic = Topic("security", {"en": "Security"}, {"he": (security,), "en": ("security",)})
    text = "\u05d5\u05d4" + security + " " + "\u05dc" + security  # with prefixes: and-the, to
    assert rank_topics(text, "he", [topic]) == ("security",)
    assert rank_topics("x" + security, "he", [topic]) == ()


def test_keywords_with_a_star_match_any_ending_and_rank_by_hits() -> None:
    topics = [
        Topic("settlements", {}, {"en": ("settlement*",)}),
        Topic("talks", {}, {"en": ("talks",)}),
    ]
    text = "Settlements and settlers; the settlement freeze came before talks."
    assert rank_topics(text, "en", topics) == ("settlements", "talks")
    assert rank_topics("stalks", "en", topics) == ()


def test_the_sites_topics_file_is_valid_and_bilingual() -> None:
    topics = read_topics(parse_yaml((ROOT / "content" / "topics.yaml").read_text("utf-8")))
    assert len(topics) >= 6
    assert all(t.keywords.get("en") and t.keywords.get("he") for t in topics)
    assert all(t.names.get("en") and t.names.get("he") for t in topics)


def test_a_short_article_whose_only_topic_is_among_the_story_s_leading_ones_stays() -> None:
    stories = cluster_articles(
        [
            article("a", ordinal=9, topics=("peace-talks", "security-arrangements", "visit")),
            article("b", ordinal=9, topics=("peace-talks", "visit", "security-arrangements")),
            article("c", ordinal=9, topics=("visit",)),
        ],
        SETTINGS,
    )
    assert [set(s.article_ids) for s in stories] == [{"a", "b", "c"}]
