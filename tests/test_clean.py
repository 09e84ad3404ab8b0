"""Stage 2, clean: goldens for the seeds, then one test per rule on made-up articles.

Hebrew text is written in a Latin transliteration (``he("yv\\"r")``) because
.py files carry no Hebrew characters; the goldens under tests/golden/clean/
were written by reading each seed by hand.  Refresh them only on purpose:
``UPDATE_GOLDEN=1 pytest tests/test_clean.py`` (then review the diff by eye).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from site_builder import clean_rules
from site_builder.clean import (
    RULES,
    CleanArticle,
    clean_article,
    normalise_whitespace,
    repair_hebrew_punctuation,
)
from site_builder.evaluate import cleaning as evaluate_cleaning
from site_builder.load import ArticleMeta, RawArticle, read_article_file

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
GOLDEN = Path(__file__).resolve().parent / "golden" / "clean"
GOLD_PAIRS = Path(__file__).resolve().parent / "gold" / "cleaning"

_LATIN_TO_HEBREW = str.maketrans(
    "abgdhvzxtyklmnsepcqrwjKMNPC",
    "\u05d0\u05d1\u05d2\u05d3\u05d4\u05d5\u05d6\u05d7\u05d8\u05d9\u05db\u05dc\u05de\u05e0"
    "\u05e1\u05e2\u05e4\u05e6\u05e7\u05e8\u05e9\u05ea\u05da\u05dd\u05df\u05e3\u05e5",
)


def he(text: str) -> str:
    """Latin transliteration to Hebrew letters (capitals are final forms)."""
    return text.translate(_LATIN_TO_HEBREW)


def raw(lines: list[str], fmt: str = "text", meta: ArticleMeta | None = None) -> RawArticle:
    return RawArticle("t", "t.txt", fmt, tuple(lines), meta or ArticleMeta())


def body(article: CleanArticle) -> list[str]:
    return [block.text for block in article.blocks]


def rules(article: CleanArticle) -> dict[int, str]:
    return {removal.line: removal.rule for removal in article.removals}


# English body sentences of a made-up wire story, used by the rule tests.
LEDE = "The minister arrived in the capital on Monday for two days of talks with officials."
BODY = [
    "He met the prime minister for three hours and discussed security arrangements at length.",
    "Officials on both sides said the meeting had been useful but gave no further details.",
    "The talks are due to resume next week in the same city, the spokesman said on Tuesday.",
]
HE_BODY = [
    he("wr hxvC hgye lbyqvr wny bydvelym vnpgw em rahm hmmwlh lwlvw weyj."),
    he("hwnyym dnv bnvwayM hbytvxvnyym vbmcb hmwa vmtN, amr gvrM bkyr."),
    he("hpgywh hbah cpvyh lhtqyyM bwbve hba, kK nmsr."),
]


# --- goldens ------------------------------------------------------------------------------


def _as_golden(article: CleanArticle) -> dict[str, object]:
    return {
        "id": article.id,
        "title": article.title,
        "subtitle": article.subtitle,
        "author": article.author,
        "updated": article.updated,
        "blocks": [{"kind": b.kind, "line": b.line, "text": b.text} for b in article.blocks],
        "removals": [{"rule": r.rule, "line": r.line, "text": r.text} for r in article.removals],
    }


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_cleans_to_its_hand_written_golden(path: Path) -> None:
    article = clean_article(read_article_file(path))
    golden_path = GOLDEN / f"{path.stem}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        text = json.dumps(_as_golden(article), ensure_ascii=False, indent=1) + "\n"
        golden_path.write_text(text, encoding="utf-8")
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    got = _as_golden(article)
    for key in ("title", "subtitle", "author", "updated"):
        assert got[key] == golden[key], key
    assert got["blocks"] == golden["blocks"]
    assert got["removals"] == golden["removals"]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _squeeze(text: str) -> str:
    """Whitespace out, so punctuation repair does not hide a sentence."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_source_sentence_is_in_the_body_or_the_removal_record(path: Path) -> None:
    source = read_article_file(path)
    article = clean_article(source)
    kept = [article.title, article.subtitle or "", article.author or "", article.updated or ""]
    kept += [b.text for b in article.blocks] + [r.text for r in article.removals]
    haystack = _squeeze("\n".join(kept))
    for line in source.lines:
        for sentence in _sentences(normalise_whitespace(line)):
            assert _squeeze(sentence) in haystack, sentence


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_line_is_kept_or_has_a_recorded_reason(path: Path) -> None:
    source = read_article_file(path)
    article = clean_article(source)
    accounted = set(article.head_lines) | {b.line for b in article.blocks}
    accounted |= {r.line for r in article.removals}
    for number, line in enumerate(source.lines, start=1):
        if line.strip():
            assert number in accounted, line
    assert all(r.rule in RULES for r in article.removals)


def test_evaluate_command_scores_the_gold_pairs_above_the_floor(capsys) -> None:
    assert evaluate_cleaning.main([str(GOLD_PAIRS)]) == 0
    line = capsys.readouterr().out.strip()
    match = re.match(r"cleaning: (\d+) documents, line precision ([\d.]+), recall ([\d.]+)", line)
    assert match, line
    assert int(match.group(1)) >= 7  # the five seeds and two saved pages
    assert float(match.group(2)) >= 0.98
    assert float(match.group(3)) >= 0.98


def test_cleaning_beats_the_uncleaned_baseline(capsys) -> None:
    assert evaluate_cleaning.main([str(GOLD_PAIRS), "--baseline"]) == 0
    baseline = float(re.search(r"precision ([\d.]+)", capsys.readouterr().out).group(1))
    evaluate_cleaning.main([str(GOLD_PAIRS)])
    cleaned = float(re.search(r"precision ([\d.]+)", capsys.readouterr().out).group(1))
    assert cleaned > baseline


def test_evaluate_command_fails_on_a_missing_folder(tmp_path: Path) -> None:
    assert evaluate_cleaning.main([str(tmp_path / "nowhere")]) == 2


# --- headline and sub-headline -------------------------------------------------------------


def test_repeated_headline_is_removed() -> None:
    article = clean_article(
        raw(["Talks resume", "A dek without a stop", *BODY, "", "Talks resume"])
    )
    assert article.title == "Talks resume"
    assert body(article) == BODY
    assert rules(article)[len(BODY) + 4] == "repeated-headline"


def test_repeated_sub_headline_is_the_dek() -> None:
    dek = "The minister is expected to press both sides."
    article = clean_article(raw(["Talks resume", dek, *BODY, "Talks resume", dek]))
    assert article.subtitle == dek
    assert body(article) == BODY
    assert article.flags == ()


def test_a_wire_lede_on_line_two_is_body_not_a_dek() -> None:
    article = clean_article(raw(["Talks resume", LEDE, *BODY]))
    assert article.subtitle is None
    assert body(article) == [LEDE, *BODY]


def test_a_dek_above_the_byline_is_the_sub_headline() -> None:
    dek = "The minister says progress was made."
    article = clean_article(raw(["Talks resume", "", dek, "", "By Jane Roe", "", *BODY]))
    assert article.subtitle == dek
    assert article.author == "Jane Roe"


# --- boilerplate by kind -------------------------------------------------------------------


def test_glued_related_headlines_after_a_marker_are_removed_with_their_section_title() -> None:
    glued = he("hmwa vhmtN - kvjrvj nvspvj:kvjrt axjkvjrt wnyyhkvjrt wlywyj")
    article = clean_article(raw([he("kvjrt"), *HE_BODY[:2], glued, HE_BODY[2]]))
    assert rules(article) == {4: "related-headlines"}
    assert len(article.blocks) == 3


def test_a_sentence_before_a_related_marker_is_kept() -> None:
    line = f"{BODY[0]} Read more: Minister lands in capitalTalks to resume next week"
    article = clean_article(raw(["Talks resume", LEDE, line, BODY[1]]))
    assert body(article) == [LEDE, BODY[0], BODY[1]]
    removal = article.removals[0]
    assert removal.rule == "related-headlines"
    assert removal.text.startswith("Read more:")


def test_a_bare_read_more_marker_takes_the_headlines_below_it() -> None:
    lines = [
        "Talks resume",
        LEDE,
        BODY[0],
        "Related:",
        "Minister lands in capital",
        "Talks to resume next week",
        BODY[1],
    ]
    article = clean_article(raw(lines))
    assert body(article) == [LEDE, BODY[0], BODY[1]]
    assert set(rules(article).values()) == {"related-headlines"}


def test_english_headlines_glued_without_a_marker_are_removed() -> None:
    glued = "Minister lands in capitalTalks to resume next weekOfficials upbeat on deal"
    article = clean_article(raw(["Talks resume", LEDE, *BODY, glued]))
    assert body(article) == [LEDE, *BODY]


def test_video_caption_in_parentheses_is_removed() -> None:
    caption = he("( bsrtvN : hwr bpgywh )")
    article = clean_article(
        raw([he("kvjrt"), he("mwpt mswnh arvK lla nqvdh bsvpv"), caption, *HE_BODY])
    )
    assert rules(article) == {3: "caption"}
    assert article.subtitle is not None


def test_a_parenthesised_line_at_the_top_is_a_caption_even_without_a_marker() -> None:
    caption = he("( msybt hejvnayM axry hpgywh )")
    article = clean_article(raw([he("kvjrt"), he("mwpt mswnh"), caption, *HE_BODY]))
    assert rules(article)[3] == "caption"


def test_a_parenthesised_line_inside_the_body_is_kept_and_flagged() -> None:
    note = "(This story has been updated with comments from officials in the capital.)"
    article = clean_article(raw(["Talks resume", LEDE, BODY[0], note, BODY[1]]))
    assert note in body(article)
    assert any("parentheses" in flag for flag in article.flags)


def test_photo_credit_and_the_caption_above_it_are_removed() -> None:
    lines = [
        "Talks resume",
        LEDE,
        BODY[0],
        "The minister in the capital",
        "Miriam Alster/Flash90",
        BODY[1],
    ]
    article = clean_article(raw(lines))
    assert rules(article) == {4: "caption", 5: "photo-credit"}


def test_hebrew_photo_credit_is_removed() -> None:
    lines = [he("kvjrt"), HE_BODY[0], he("cylvM: rvytrs"), *HE_BODY[1:]]
    assert rules(clean_article(raw(lines))) == {3: "photo-credit"}


def test_repeated_image_caption_and_credit_above_the_body_are_removed() -> None:
    lines = [
        "Talks resume",
        "",
        "Contact Editor",
        "Jane Roe,",
        "",
        "The Minister",
        "The Minister",
        "Reuters",
        "",
        LEDE,
        *BODY,
    ]
    article = clean_article(raw(lines))
    assert article.author == "Jane Roe"
    assert rules(article) == {
        3: "editor-contact",
        4: "byline",
        6: "caption",
        7: "caption",
        8: "photo-credit",
    }
    assert body(article) == [LEDE, *BODY]


def test_byline_becomes_the_author() -> None:
    article = clean_article(raw(["Talks resume", LEDE, "By Jane Roe and John Doe, Reuters", *BODY]))
    assert article.author == "Jane Roe and John Doe"
    assert rules(article)[3] == "byline"


def test_a_sentence_starting_with_by_is_not_a_byline() -> None:
    sentence = "By Monday evening the two delegations had agreed on an agenda for the talks."
    article = clean_article(raw(["Talks resume", LEDE, sentence, *BODY]))
    assert sentence in body(article)
    assert article.author is None


def test_the_editor_given_author_wins_over_the_byline() -> None:
    meta = ArticleMeta(author="Editor Choice")
    article = clean_article(raw(["Talks resume", LEDE, "By Jane Roe", *BODY], meta=meta))
    assert article.author == "Editor Choice"


def test_update_stamp_becomes_metadata() -> None:
    stamp = he("( edkvN rawvN : 22:24 )")
    article = clean_article(raw([he("kvjrt"), *HE_BODY, stamp]))
    assert article.updated == "22:24"
    assert rules(article) == {5: "update-stamp"}


def test_english_update_stamp_becomes_metadata() -> None:
    article = clean_article(raw(["Talks resume", "Updated: Dec. 6, 2013, 10:02 am", LEDE, *BODY]))
    assert article.updated == "Dec. 6, 2013, 10:02 am"


def test_publisher_appeal_at_the_end_is_removed_with_its_signature() -> None:
    appeal = [
        "A message from our Editor in Chief Jane Roe",
        "Before you go, please consider supporting our journalism today.",
        "Readers like you make it all possible. Become a member now.",
        "\u2014 Jane Roe, Editor in Chief",
    ]
    article = clean_article(raw(["Talks resume", LEDE, *BODY, *appeal]))
    assert body(article) == [LEDE, *BODY]
    assert set(rules(article).values()) == {"appeal"}


def test_newsletter_share_and_comment_lines_are_removed() -> None:
    lines = [
        "Talks resume",
        LEDE,
        "Share this article",
        BODY[0],
        "Sign up for our daily newsletter",
        BODY[1],
        "Comments (12)",
        BODY[2],
    ]
    article = clean_article(raw(lines))
    assert body(article) == [LEDE, *BODY]
    assert rules(article) == {3: "share-comment", 5: "appeal", 7: "share-comment"}


def test_hebrew_join_appeal_is_removed() -> None:
    lines = [he("kvjrt"), *HE_BODY, he("hctrpv lervC htlgrM wlnv")]
    assert rules(clean_article(raw(lines))) == {5: "appeal"}


def test_reuters_reporting_credit_is_removed() -> None:
    credit = "(Reporting by Jane Roe; Editing by John Doe)"
    article = clean_article(raw(["Talks resume", LEDE, *BODY, credit]))
    assert rules(article) == {6: "reporting-credit"}


def test_a_line_repeated_twice_in_the_body_is_kept_once() -> None:
    article = clean_article(raw(["Talks resume", LEDE, BODY[0], BODY[0], BODY[1]]))
    assert body(article) == [LEDE, BODY[0], BODY[1]]
    assert rules(article) == {4: "duplicate-line"}


def test_body_sentences_that_mention_markers_are_kept() -> None:
    sentences = [
        "He said he would share the proposals with the cabinet before the vote on Sunday.",
        "Officials said they had read more than a hundred pages of the draft agreement.",
        "A photo of the two leaders shaking hands was released by the government later.",
    ]
    article = clean_article(raw(["Talks resume", LEDE, *sentences, *BODY]))
    assert body(article) == [LEDE, *sentences, *BODY]
    assert article.removals == ()


# --- text repair -----------------------------------------------------------------------------


def test_hebrew_punctuation_spacing_is_repaired() -> None:
    text = he('amr ,  ky " rq yvbylv lhmwK hkybvw ".  hvA ( xmywy ) amr : " yw hjqdmvj "')
    assert repair_hebrew_punctuation(text) == he(
        'amr, ky "rq yvbylv lhmwK hkybvw". hvA (xmywy) amr: "yw hjqdmvj"'
    )


def test_abbreviation_quotes_and_the_geresh_survive_repair() -> None:
    text = he('yv"r hrwvj vmv"m  , arh"b vg\'vN qry .')
    assert repair_hebrew_punctuation(text) == he('yv"r hrwvj vmv"m, arh"b vg\'vN qry.')


def test_a_prefix_glued_to_an_opening_quote_pairs_with_its_closer() -> None:
    text = he('mawymyM b"tqyej "  hmwa vmtN .')
    assert repair_hebrew_punctuation(text) == he('mawymyM b"tqyej" hmwa vmtN.')


def test_an_unpaired_quote_leaves_the_spacing_alone() -> None:
    text = he('amr " wlvM')
    assert repair_hebrew_punctuation(text) == text


def test_hebrew_repair_also_applies_to_title_and_sub_headline() -> None:
    dek = he('hwr amr :  " wlvM ebvr kvlM "')
    article = clean_article(raw([he("lqraj mwbr ?  kvjrt"), dek, *HE_BODY]))
    assert article.title == he("lqraj mwbr? kvjrt")
    assert article.subtitle == he('hwr amr: "wlvM ebvr kvlM"')


def test_non_breaking_spaces_are_normalised_and_typographic_quotes_kept() -> None:
    line = "\u201cWe are\u00a0making progress,\u201d he\u2009said \u2014 and left."
    article = clean_article(raw(["Talks resume", LEDE, line, *BODY]))
    assert "\u201cWe are making progress,\u201d he said \u2014 and left." in body(article)


def test_a_crosshead_in_capitals_becomes_a_heading() -> None:
    article = clean_article(raw(["Talks resume", LEDE, BODY[0], "NO PRECONDITIONS", BODY[1]]))
    assert [(b.kind, b.text) for b in article.blocks][2] == ("heading", "NO PRECONDITIONS")


def test_an_acronym_sentence_is_not_a_crosshead() -> None:
    article = clean_article(raw(["Talks resume", LEDE, BODY[0], "THE UN SAID NO.", BODY[1]]))
    assert all(b.kind == "paragraph" for b in article.blocks)


# --- other formats and data ----------------------------------------------------------------


def test_markdown_is_kept_as_the_editor_wrote_it() -> None:
    meta = ArticleMeta(title="Hand written")
    article = clean_article(
        raw(["First *para*.", "", "Read more: not a list here."], "markdown", meta)
    )
    assert [b.kind for b in article.blocks] == ["markdown", "markdown"]
    assert article.removals == ()


def test_saved_web_page_goes_through_the_same_rules(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in [LEDE, *BODY])
    html = (
        "<html><head><title>Talks resume</title></head><body><article>"
        "<h1>Talks resume</h1><p>By Jane Roe</p>"
        + paragraphs
        + "<p>Sign up for our daily newsletter</p><p>Share this article</p>"
        "</article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    article = clean_article(read_article_file(path))
    assert body(article) == [LEDE, *BODY]
    assert article.title == "Talks resume"


def test_user_lexicon_adds_a_marker_without_code(tmp_path: Path) -> None:
    (tmp_path / "clean-en.yaml").write_text("share:\n  - Zapp this story\n", encoding="utf-8")
    lines = ["Talks resume", LEDE, "Zapp this story", *BODY]
    assert "Zapp this story" in body(clean_article(raw(lines)))
    clean_rules.use_user_lexicons(tmp_path)
    try:
        assert rules(clean_article(raw(lines))) == {3: "share-comment"}
    finally:
        clean_rules.use_user_lexicons(None)


def test_a_body_sentence_starting_with_updated_is_not_a_stamp() -> None:
    sentence = "Updated figures showed 300 people had been hurt"
    article = clean_article(raw(["Talks resume", LEDE, sentence, *BODY]))
    assert sentence in body(article)
    assert article.updated is None


def test_a_closing_sentence_about_newsletters_is_kept_and_flagged() -> None:
    sentence = (
        "The ministry has also started sending newsletters to settlers in the valley about "
        "the plan, officials said."
    )
    article = clean_article(raw(["Talks resume", LEDE, *BODY, sentence]))
    assert sentence in body(article)
    assert any("appeal" in flag for flag in article.flags)


def test_a_caption_ending_in_its_photo_credit_is_removed() -> None:
    caption = (
        "The minister (left) meets officials in the capital, December 5 "
        "(photo credit: Jane Roe/Flash90)"
    )
    article = clean_article(raw(["Talks resume", LEDE, caption, *BODY]))
    assert rules(article) == {3: "caption"}


def test_a_paragraph_with_a_photo_credit_after_two_sentences_is_kept() -> None:
    text = f"{BODY[0]} {BODY[1]} (Photo: Jane Roe)"
    article = clean_article(raw(["Talks resume", LEDE, text, BODY[2]]))
    assert text in body(article)


def test_an_editor_given_title_replaces_the_dump_headline_on_record() -> None:
    meta = ArticleMeta(title="Editor title")
    article = clean_article(raw(["Talks resume", LEDE, *BODY], meta=meta))
    assert article.title == "Editor title"
    assert rules(article) == {1: "headline"}
    assert body(article) == [LEDE, *BODY]
