"""Stage 2, clean: a raw article becomes a clean page plus a record of what was removed.

Every rule has a name and a reason, and every line it drops is recorded, so
an editor can check the cleaner's work line by line.  Markers (words that
announce boilerplate) are per-language data in ``data/lexicons/clean-*.yaml``;
the rules themselves are general: a line's position in the dump, its shape
(length, parentheses, capitals, a name), repetition and distance from the end.
When a rule is unsure it keeps the text and adds a flag for an editor.

The recipe (``clean_article``), in order, because later rules look at what
earlier ones decided:
1. headline from line 1; the headline and sub-headline repeated at the end go;
2. line rules: each line alone, by its markers and shape;
3. sequence rules: lists under a bare marker, glued headlines, repeated
   lines, appeal blocks and credits near the end (distance from the end);
4. the sub-headline: the first plain line, when there is evidence for it; it
   fixes the header zone, the lines above the first body sentence;
5. context rules: bylines, captions and credits in the header zone;
6. crossheads become headings; the rest are paragraphs.

Every decision depends only on what a second cleaning would also see, so
cleaning a clean article changes nothing (tests/test_clean_properties.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean_rules import (
    Lexicon,
    credit_line,
    ends_sentence,
    glued_junctions,
    has_hebrew,
    is_all_capitals,
    is_date,
    is_headline_like,
    is_name_like,
    is_parenthesised,
    is_sentence_like,
    lexicon,
    line_key,
    repair_hebrew_punctuation,
    same_key,
    use_user_lexicons,
    words,
)
from .load import ArticleMeta, RawArticle

__all__ = [
    "Block",
    "CleanArticle",
    "Removal",
    "RULES",
    "clean_article",
    "normalise_whitespace",
    "repair_hebrew_punctuation",
    "repair_text",
    "use_user_lexicons",
]

# Every rule the cleaner applies, with the reason editors see.
RULES = {
    "headline": "the dump's headline, replaced by the title given in the metadata",
    "repeated-headline": "the headline repeated in the dump",
    "repeated-subtitle": "the sub-headline repeated at the end of the dump",
    "related-headlines": "a list of links to other articles",
    "caption": "a video or photo caption",
    "photo-credit": "a photo credit",
    "byline": "the byline; it became the article's author",
    "editor-contact": "a line inviting readers to contact the editor or author",
    "update-stamp": "an update stamp; it became the article's update time",
    "appeal": "a newsletter, subscription or donation appeal",
    "end-of-page": "a fragment of the page's furniture below the article",
    "dateline": "the date above the body; it became the article's date when none was given",
    "share-comment": "a share, comment or navigation line",
    "reporting-credit": "a reporting or editing credit",
    "copyright": "a copyright line",
    "duplicate-line": "the line just before it says the same",
}
HEADER_RULES = frozenset(
    {"byline", "editor-contact", "caption", "photo-credit", "update-stamp", "dateline"}
)
TAIL_WINDOW = 6  # the repeated headline stands among the dump's last lines
APPEAL_WINDOW = 10  # an appeal block starts at most this many body paragraphs from the end


@dataclass(frozen=True, slots=True)
class Removal:
    """One piece of the source that is not in the clean page, and why."""

    rule: str  # the rule's name, e.g. "repeated-headline"
    reason: str  # why the rule removed it, in a sentence for editors
    text: str  # the removed text, as it was in the source
    line: int  # 1-based line of the source where it stood


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the clean body."""

    kind: str  # "paragraph", "heading" (a crosshead) or "markdown" (hand-written source)
    text: str  # plain text (or Markdown source for kind "markdown")
    line: int = 0  # 1-based source line it came from (0: unknown)


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """An article's text, repaired and stripped of boilerplate."""

    id: str  # same as the raw article's id
    path: str  # source file, for messages
    title: str  # headline
    subtitle: str | None  # sub-headline (dek), if the source has one
    author: str | None  # byline: from metadata, else found by the cleaner
    blocks: tuple[Block, ...]  # the body, in order
    removals: tuple[Removal, ...]  # everything dropped, in source order
    meta: ArticleMeta  # editorial and source metadata, carried forward
    updated: str | None = None  # an update stamp found in the text, e.g. "22:24"
    flags: tuple[str, ...] = field(default_factory=tuple)  # doubts worth an editor's look
    head_lines: tuple[int, ...] = ()  # source lines that became the title and sub-headline
    dateline: str | None = None  # a date line above the body, e.g. "December 5, 2013, 10:32 am"

    @property
    def body_text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)


_INVISIBLE = re.compile("[\u200b\ufeff\u00ad]")  # zero-width space, BOM, soft hyphen


def normalise_whitespace(line: str) -> str:
    """Non-breaking and other odd spaces become plain spaces; runs collapse; ends trimmed."""
    # Every space but " " and every invisible character is unprintable: a printable line
    # with no double, leading or trailing space is normalised already (most lines are).
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    # str.split() splits on every Unicode space: no-break, thin, narrow, ideographic...
    if "\u200b" in line or "\ufeff" in line or "\u00ad" in line:  # rare: a test is cheaper
        line = _INVISIBLE.sub("", line)
    return " ".join(line.split())


def repair_text(text: str) -> str:
    """Whitespace normalised, and Hebrew punctuation spacing repaired where there is Hebrew."""
    return _repair_normalised(normalise_whitespace(text))


def _repair_normalised(text: str) -> str:
    """``repair_text`` of text already normalised (normalising again would change nothing)."""
    return repair_hebrew_punctuation(text) if has_hebrew(text) else text


@dataclass(slots=True)
class _Line:
    """A source line on its way through the rules."""

    number: int  # 1-based source line
    source: str  # whitespace-normalised source text (what a removal records)
    text: str  # repaired text (what the page shows)
    rule: str | None = None  # the rule that removed it, if any
    reason: str = ""  # a more specific reason than the rule's, if any
    kept: str | None = None  # for a line cut in two: the part that stays in the body
    removed: str | None = None  # for a line cut in two: the part that went

    @property
    def open(self) -> bool:
        return self.rule is None


@dataclass(slots=True)
class _Findings:
    """What the rules learn besides line removals: metadata, head lines and doubts."""

    author: str | None = None
    updated: str | None = None
    dateline: str | None = None
    flags: list[str] = field(default_factory=list)
    head: list[int] = field(default_factory=list)  # source lines of the title and dek
    removals: list[Removal] = field(default_factory=list)  # removals not tied to a _Line

    def flag(self, line: _Line, message: str) -> None:
        self.flags.append(f"line {line.number}: {message}")


def clean_article(raw: RawArticle) -> CleanArticle:
    """Clean one article: boilerplate out (each removal recorded), text repaired."""
    if raw.format == "markdown":
        return _clean_markdown(raw)
    lex = lexicon()
    lines = [
        _Line(number, source, _repair_normalised(source))
        for number, source in ((n, normalise_whitespace(t)) for n, t in enumerate(raw.lines, 1))
        if source
    ]
    found = _Findings()
    title, title_key, lines = _take_headline(raw, lines, found)
    repeated_keys = _mark_repeated_head(lines, title_key)
    for line in lines:
        if line.open:
            _apply_line_rules(line, lex, found)
    _apply_sequence_rules(lines, lex, found)
    # The dek is decided before the context rules: they need to know where the
    # header zone (byline, captions, credits) ends, and must not remove the dek.
    subtitle = raw.meta.subtitle and repair_text(raw.meta.subtitle)
    dek = _find_dek(lines, subtitle, repeated_keys, found) if raw.format == "text" else None
    _mark_restated_dek(lines, dek)
    # A removal above the body (a caption that was the first sentence-like line) can
    # extend the header zone; rerun until it stands still, as a second cleaning would.
    zone = _header_zone(lines, dek, raw.format == "text")
    for _ in range(MAX_ZONE_ROUNDS):
        _apply_context_rules(lines, zone, dek, lex, found)
        grown = _header_zone(lines, dek, raw.format == "text")
        if grown == zone:
            break
        zone = grown
    _flag_header_leftovers(lines, zone, found)

    kept = [line for line in lines if (line.open or line.kept is not None) and line is not dek]
    if dek is not None:
        found.head.append(dek.number)
        subtitle = subtitle or dek.text
    elif raw.format != "text" and kept and subtitle:
        if line_key(kept[0].text).startswith(line_key(subtitle)):
            subtitle = None  # the page's description is its first paragraph, not a dek
    removals = found.removals + [_removal(line) for line in lines if line.rule is not None]
    return CleanArticle(
        id=raw.id,
        path=raw.path,
        title=title or raw.id,
        subtitle=subtitle or None,
        author=raw.meta.author or found.author,
        blocks=_blocks(kept, found),
        removals=tuple(sorted(removals, key=lambda r: r.line)),
        meta=raw.meta,
        updated=found.updated,
        dateline=found.dateline,
        flags=tuple(found.flags),
        head_lines=tuple(found.head),
    )


def _take_headline(
    raw: RawArticle, lines: list[_Line], found: _Findings
) -> tuple[str | None, str, list[_Line]]:
    """A dump's line 1 is its headline (unless the editor gave one); a page's is in meta.

    Returns the title, the key to find its repeats by, and the lines below it.
    """
    title = raw.meta.title and repair_text(raw.meta.title)
    if raw.format != "text" or not lines:
        return title, line_key(title or ""), lines
    first = lines[0]
    if title:
        found.removals.append(Removal("headline", RULES["headline"], first.source, first.number))
    else:
        title = first.text
        found.head.append(first.number)
    return title, line_key(first.text), lines[1:]


def _find_dek(
    lines: list[_Line], subtitle: str | None, repeated: set[str], found: _Findings
) -> _Line | None:
    """The line that is the sub-headline, if any (see ``_dek_evidence``)."""
    candidate = _dek_candidate(lines)
    if candidate is None or candidate.kept is not None:
        return None
    if subtitle is not None:  # the editor gave one: line 2 is the dek only if it says the same
        return candidate if line_key(candidate.text) == line_key(subtitle) else None
    evidence = _dek_evidence(candidate, lines, repeated)
    if evidence == "shape":
        found.flag(candidate, "sub-headline guessed from its shape (no final full stop)")
    return candidate if evidence else None


def _clean_markdown(raw: RawArticle) -> CleanArticle:
    """Hand-written Markdown is the editor's own text: kept as it is."""
    body = "\n".join(raw.lines).strip()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return CleanArticle(
        id=raw.id,
        path=raw.path,
        title=raw.meta.title or raw.id,
        subtitle=raw.meta.subtitle,
        author=raw.meta.author,
        blocks=tuple(Block("markdown", p) for p in paragraphs),
        removals=(),
        meta=raw.meta,
    )


def _remove(line: _Line, rule: str, reason: str = "") -> None:
    line.rule = rule
    line.reason = reason


def _removal(line: _Line) -> Removal:
    assert line.rule is not None
    text = line.removed if line.removed is not None else line.source
    return Removal(line.rule, line.reason or RULES[line.rule], text, line.number)


# --- 1. the repeated head ----------------------------------------------------------------


def _mark_repeated_head(lines: list[_Line], title_key: str) -> set[str]:
    """The headline repeated just below itself or among the last lines (with the
    sub-headline after it); return the keys of the repeated sub-headline."""
    if not title_key:
        return set()
    if lines and line_key(lines[0].text) == title_key:
        _remove(lines[0], "repeated-headline")
    start = max(0, len(lines) - TAIL_WINDOW)
    at = next(
        (
            i
            for i in range(len(lines) - 1, start - 1, -1)
            if lines[i].open and line_key(lines[i].text) == title_key
        ),
        None,
    )
    if at is None:
        return set()
    _remove(lines[at], "repeated-headline")
    early = {line_key(line.text): line for line in lines[: min(3, at)] if line.open}
    repeated: set[str] = set()
    for line in lines[at + 1 :]:
        key = line_key(line.text)
        if line.open and key in early and early[key] is not line:
            _remove(line, "repeated-subtitle")
            repeated.add(key)
    return repeated


# --- 2. line rules -----------------------------------------------------------------------


def _apply_line_rules(line: _Line, lex: Lexicon, found: _Findings) -> None:
    """Rules that judge a line by its own markers and shape (first match wins)."""
    text = line.text
    count = len(words(text))
    stamp = (lex.update.match(text) or lex.update.match(line.source)) if count <= 12 else None
    if stamp and is_date(stamp.group("stamp"), lex):
        _remove(line, "update-stamp")
        found.updated = found.updated or stamp.group("stamp").strip(" ,:")
        return
    if _apply_related(line, lex):
        return
    if lex.contact.match(text) and count <= 10:
        _remove(line, "editor-contact")
        return
    author = _byline_name(text, lex)
    if author:
        _remove(line, "byline")
        found.author = found.author or author
        return
    if lex.caption.match(text) and (count <= 40 or is_parenthesised(text)):
        _remove(line, "caption")
        return
    tail = lex.credit_tail.search(text) if count <= 60 else None
    if tail and tail.start() > 0 and _one_sentence(text[: tail.start()]):
        _remove(line, "caption", "a photo caption ending in its credit")
        return
    if (lex.credit.match(text) and count <= 12) or credit_line(text, lex):
        _remove(line, "photo-credit")
        return
    if lex.share.match(text) and count <= 8 and not ends_sentence(text):
        _remove(line, "share-comment")
        return
    if is_parenthesised(text) and lex.reporting.search(text):
        _remove(line, "reporting-credit")
        return
    if count <= 15 and lex.copyright.search(text) and not ends_sentence(text[:-1] or "x"):
        _remove(line, "copyright")
        return
    if count <= 12 and lex.appeal.search(text):
        _remove(line, "appeal")


def _one_sentence(text: str) -> bool:
    """No sentence ends inside the text (a caption is one sentence or a phrase)."""
    return re.search(r"[.!?][\"'\u201d\u2019)]*\s+\S", text.strip()) is None


def _apply_related(line: _Line, lex: Lexicon) -> bool:
    """A related-headlines marker: the list goes; a real sentence before it stays."""
    match = lex.related.search(line.text)
    if match is None:
        short = len(words(line.text)) <= 8 and not ends_sentence(line.text)
        if short and lex.related_start.match(line.text):  # "More stories on the site"
            _remove(line, "related-headlines", "a link to other articles")
            return True
        return False
    before = line.text[: match.start(1)].rstrip(" -\u2013\u2014|")
    if not before:
        _remove(line, "related-headlines")
        return True
    if is_sentence_like(before) and ends_sentence(before):
        source_match = lex.related.search(line.source)
        _remove(line, "related-headlines")
        line.kept = before
        cut = source_match.start(1) if source_match else None
        line.removed = line.source[cut:] if cut is not None else line.text[match.start(1) :]
        return True
    _remove(line, "related-headlines", "a list of links to other articles, under its section title")
    return True


def _byline_name(text: str, lex: Lexicon) -> str | None:
    """The author's name if the line is a marked byline ("By Jane Roe, Reuters")."""
    match = lex.byline.match(text)
    if match is None or len(words(text)) > 10:
        return None
    # "By Jane Roe, Reuters", "By JANE ROE/THE POST", "By Jane Roe December 6, 2013"
    main = re.split(r"\s*[|,;(/\u2022]\s*|\s+(?=\d)", match.group("name"))[0].strip()
    main = re.sub(r"\s+(?:in|at)\s+[A-Z][\w ]*$", "", main)  # "By X in Jerusalem"
    tokens = main.split()
    while tokens and tokens[-1].casefold().strip(".") in lex.date_words:
        tokens.pop()
    main = " ".join(tokens)
    if main.isupper() and main.isascii():
        main = main.title()  # "By HERB KEINON": the name, not the shouting
    parts = [p for p in re.split(r"\s+and\s+|\s*&\s*", main) if p]
    # "By Jane Roe and AP": the agency is a source, not an author.
    people = [p for p in parts if not lex.agency.fullmatch(p.strip())]
    if people and all(is_name_like(p) for p in people):
        return " and ".join(people) if len(people) < len(parts) else main
    return None


# --- 4. the sub-headline and the header zone ------------------------------------------


def _header_shaped(line: _Line) -> bool:
    """A line that belongs above the body: a name, a parenthesis, a short label."""
    text = line.text
    return (
        is_name_like(text)
        or is_parenthesised(text)
        or (is_headline_like(text) and len(words(text)) <= 4)
    )


def _dek_candidate(lines: list[_Line]) -> _Line | None:
    """The first line after the headline that is neither boilerplate nor header-shaped."""
    return next((line for line in lines if line.open and not _header_shaped(line)), None)


def _dek_evidence(dek: _Line, lines: list[_Line], repeated: set[str]) -> str:
    """Why line 2 is a dek ("repeated", "header", "shape"), or "" when it is the lede.

    A dek is repeated at the end of the dump, or sits above the header
    boilerplate (byline, caption, credit), or has a dek's shape (no final full
    stop) with body below it.  A wire story's one-sentence lede is body.
    """
    if line_key(dek.text) in repeated:
        return "repeated"
    index = lines.index(dek)
    key = line_key(dek.text)
    later = [
        line
        for line in lines[index + 1 :]
        if (line.open or line.kept is not None) and line_key(line.text) != key
    ]
    if not any(is_sentence_like(line.text) for line in later):
        return ""  # nothing below it would be body
    # the next line that is still open or went as header boilerplate (lists and
    # other removals in between do not count: a second cleaning will not see them)
    nxt = next(
        (line for line in lines[index + 1 :] if line.open or line.rule in HEADER_RULES), None
    )
    if nxt is not None and (nxt.rule in HEADER_RULES or _header_shaped(nxt)):
        return "header"
    words_count = len(words(dek.text))
    if not ends_sentence(dek.text) and 3 <= words_count <= 40 and not is_all_capitals(dek.text):
        return "shape"
    return ""


def _header_zone(lines: list[_Line], dek: _Line | None, dump: bool) -> frozenset[int]:
    """Indexes of the lines above the first body sentence (the dek excluded)."""
    if dump and dek is None:
        candidate = _dek_candidate(lines)
        end = lines.index(candidate) if candidate is not None else len(lines)
        return frozenset(range(end))
    start = lines.index(dek) + 1 if dek is not None else 0
    end = next(
        (i for i in range(start, len(lines)) if lines[i].open and is_sentence_like(lines[i].text)),
        len(lines),
    )
    return frozenset(i for i in range(end) if lines[i] is not dek)


# --- 3 and 5. sequence and context rules -------------------------------------------


def _apply_context_rules(
    lines: list[_Line], zone: frozenset[int], dek: _Line | None, lex: Lexicon, found: _Findings
) -> None:
    """Rules that need a line's neighbours or its place in the dump; order matters."""
    _mark_datelines(lines, zone, lex, found)  # first: a byline is often its neighbour
    _mark_unmarked_bylines(lines, zone, found)
    _mark_credit_captions(lines, dek)
    _mark_header_parentheses(lines, zone, found)
    # Last: removals above may have brought two equal lines together.
    # Until nothing changes: each removal may bring two more equal lines together.
    standing = -1
    while standing != (standing := sum(1 for line in lines if line.open)):
        _mark_duplicates(lines, dek)
        _mark_repeated_captions(lines, zone, dek)


def _flag_header_leftovers(lines: list[_Line], zone: frozenset[int], found: _Findings) -> None:
    """Short lines left above the body: kept (when unsure, keep), but worth a look."""
    for index in sorted(zone):
        line = lines[index]
        if line.open and not is_sentence_like(line.text):
            found.flag(line, "short line above the body kept: a caption or byline?")


def _mark_datelines(
    lines: list[_Line], zone: frozenset[int], lex: Lexicon, found: _Findings
) -> None:
    """A line above the body that is only a date and time: metadata, not text."""
    for index in sorted(zone):
        line = lines[index]
        if line.open and len(words(line.text)) <= DATELINE_WORDS and is_date(line.text, lex):
            _remove(line, "dateline")
            found.dateline = found.dateline or line.text


def _apply_sequence_rules(lines: list[_Line], lex: Lexicon, found: _Findings) -> None:
    """Rules that look at a run of lines but not at the header zone (run before the dek,
    whose evidence is the line below it: that line must already be decided)."""
    _mark_related_continuation(lines)
    _mark_glued_headlines(lines, found)
    _mark_duplicates(lines)
    # Late, because "near the end" counts the body lines still standing after a line.
    # The dek candidate is left out of the count: if it becomes the dek it leaves the body.
    candidate = _dek_candidate(lines)
    skip = candidate.text if candidate is not None else ""
    _mark_appeal_block(lines, skip, lex, found)
    _mark_tail_lines(lines, skip, lex, found)
    _mark_end_of_page_fragments(lines)


END_OF_PAGE_RULES = frozenset({"appeal", "share-comment", "related-headlines", "editor-contact"})
BYLINE_NEIGHBOURS = frozenset({"editor-contact", "update-stamp", "dateline"})
MAX_ZONE_ROUNDS = 4  # the header zone settles in one or two rounds; this bounds the loop
DATELINE_WORDS = 8  # a date line above the body: "December 5, 2013, 10:32 am"
FRAGMENT_WORDS = 8  # a line this short with no sentence end is a label, a button, a prompt


def _mark_end_of_page_fragments(lines: list[_Line]) -> None:
    """Short fragments mixed into the boilerplate at the very end of a page go with it.

    Sign-up forms and share bars leave labels and buttons behind ("Newsletter
    email address", "GET IT", "Follow Jane Roe on Twitter"); below the last
    sentence of the article, in a run that holds end-of-page boilerplate,
    a short line that is not a sentence is one of them.
    """
    fragments: list[_Line] = []
    boilerplate = False
    for line in reversed(lines):
        if line.open:
            if ends_sentence(line.text) or len(words(line.text)) > FRAGMENT_WORDS:
                break
            fragments.append(line)
        elif line.kept is not None:
            break  # a line cut in two keeps body text: the article reaches down to here
        elif line.rule in END_OF_PAGE_RULES:
            boilerplate = True
    if boilerplate:
        for line in fragments:
            _remove(line, "end-of-page", "a short label or button among end-of-page boilerplate")


def _mark_related_continuation(lines: list[_Line]) -> None:
    """After a bare "Read more:" line, the headline-shaped lines below it are the list."""
    for index, line in enumerate(lines):
        if line.rule != "related-headlines" or line.kept is not None:
            continue
        if (
            not re.search(r"[:\-\u2013\u2014|\u00bb\u203a>]\s*$", line.text)
            and len(words(line.text)) > 4
        ):
            continue
        for follower in lines[index + 1 : index + 11]:
            if not follower.open or not is_headline_like(follower.text):
                break
            _remove(follower, "related-headlines", "a headline in a list of links under a marker")


def _mark_appeal_block(lines: list[_Line], skip: str, lex: Lexicon, found: _Findings) -> None:
    """An appeal's header near the end takes everything after it, signature included."""
    for index in range(1, len(lines)):  # not the first line: that may be the dek
        line = lines[index]
        if not line.open or not lex.appeal_header.match(line.text):
            continue
        if _paragraphs_after(lines, index, skip) > APPEAL_WINDOW:
            continue
        block = [other for other in lines[index:] if other.open or other.rule == "appeal"]
        short_header = len(words(line.text)) <= 14 and not ends_sentence(line.text)
        has_appeal = any(lex.appeal.search(other.text) for other in block)
        if short_header and has_appeal:
            for other in block:
                if other.open or other.rule == "appeal":
                    _remove(other, "appeal", "part of an appeal block that runs to the end")
            return
        found.flag(line, "looks like the start of an appeal, kept")
        return


def _body_text(line: _Line) -> str | None:
    """The text of a standing body paragraph, what "distance from the end" counts.

    Short labels are left out, since later rules may still take them (a caption,
    a byline), and paragraphs count once however often they are repeated (by
    ``line_key``): the distance must not change when the article is cleaned a second time.
    """
    if not (line.open or line.kept is not None):
        return None
    text = line.kept if line.kept is not None else line.text
    if is_sentence_like(text) and not is_parenthesised(text):
        return text
    return None


class _Paragraphs:
    """Distinct body paragraphs, those with the key of ``skip`` (a text) left out.

    Told apart with ``same_key``, which mostly settles on the paragraphs' openings:
    counting them seldom needs a whole paragraph's key.
    """

    def __init__(self, skip: str) -> None:
        self.skip = skip
        self.texts: list[str] = []

    def add(self, text: str | None) -> None:
        if text is None or same_key(text, self.skip):
            return
        if not any(same_key(text, known) for known in self.texts):
            self.texts.append(text)

    def __len__(self) -> int:
        return len(self.texts)


def _paragraphs_after(lines: list[_Line], index: int, skip: str) -> int:
    """How many distinct body paragraphs stand after this line: its distance from the end."""
    paragraphs = _Paragraphs(skip)
    for line in lines[index + 1 :]:
        paragraphs.add(_body_text(line))
    return len(paragraphs)


def _mark_tail_lines(lines: list[_Line], skip: str, lex: Lexicon, found: _Findings) -> None:
    """Reporting credits and long appeal lines count as boilerplate only near the end.

    A long line needs two appeal phrases ("Sign up for ... delivered to your
    inbox"); with one it may be a sentence about newsletters: kept, flagged.
    """
    below = _Paragraphs(skip)  # body paragraphs standing below the current line
    for line in reversed(lines):
        after = len(below)
        if after > 5:
            break
        if not (line.open or line.kept is not None):
            continue
        if line.open:
            count = len(words(line.text))
            if after <= 3 and count <= 30 and lex.reporting.search(line.text):
                _remove(line, "reporting-credit")
                continue
            hits = len(set(m.group(0).casefold() for m in lex.appeal.finditer(line.text)))
            if count <= 45 and hits >= 2:
                _remove(line, "appeal")
                continue
            if hits:
                found.flag(line, "an appeal phrase near the end, kept")
        below.add(_body_text(line))


def _mark_unmarked_bylines(lines: list[_Line], zone: frozenset[int], found: _Findings) -> None:
    """A name above the body next to a contact line, a date or update stamp, or ending in
    a comma, is a byline (sites print the author's name beside the date)."""
    for index in sorted(zone):
        line = lines[index]
        if not line.open or not is_name_like(line.text):
            continue
        near_contact = any(
            lines[j].rule in BYLINE_NEIGHBOURS
            for j in (index - 1, index + 1)
            if 0 <= j < len(lines)
        )
        if near_contact or line.text.endswith((",", "|")):
            _remove(line, "byline")
            found.author = found.author or line.text.strip(" ,|")


def _mark_credit_captions(lines: list[_Line], dek: _Line | None) -> None:
    """Short label lines just above a photo credit are the photo's caption."""
    for index, line in enumerate(lines):
        if line.rule != "photo-credit":
            continue
        for above in range(index - 1, max(-1, index - 4), -1):
            candidate = lines[above]
            if not candidate.open:
                if candidate.rule == "caption":
                    continue
                break
            # Between removed header lines (a byline, a dateline) and its credit, a caption
            # may be a full sentence ("X and Y in Z, December 5."); anywhere else a
            # sentence is body text, and the header zone must not shift under a rerun.
            previous = lines[above - 1] if above > 0 else None
            after_header = previous is not None and previous.rule in HEADER_RULES
            right_above = above == index - 1 and after_header and _one_sentence(candidate.text)
            if candidate is dek or not (is_headline_like(candidate.text) or right_above):
                break
            if len(words(candidate.text)) > 12:
                break
            _remove(candidate, "caption", "a photo caption, just above its credit")


def _mark_duplicates(lines: list[_Line], dek: _Line | None = None) -> None:
    """A line repeating the body line before it: an image's alt text and caption, or a glitch."""
    previous: _Line | None = None
    for line in lines:
        if line is dek:
            continue  # the dek leaves the body: the lines around it become neighbours
        if not line.open:
            previous = line if line.kept is not None else previous  # compare kept text only
            continue
        if previous is not None:
            shown = previous.kept if previous.kept is not None else previous.text
            if same_key(line.text, shown):
                _remove(line, "duplicate-line")
                continue
        previous = line


def _mark_repeated_captions(lines: list[_Line], zone: frozenset[int], dek: _Line | None) -> None:
    """A short label said twice above the body is an image's alt text and its caption."""
    for index in sorted(zone):
        line = lines[index]
        if line.rule != "duplicate-line" or not is_headline_like(line.text):
            continue
        _remove(line, "caption", "a photo caption, repeated")
        for above in range(index - 1, -1, -1):
            first = lines[above]
            if first.open and line_key(first.text) == line_key(line.text):
                if first is not dek:
                    _remove(first, "caption", "a photo caption, repeated")
                break


def _mark_restated_dek(lines: list[_Line], dek: _Line | None) -> None:
    """A body line saying the same as the dek is a repeat of it."""
    if dek is None:
        return
    for line in lines:
        if line.open and line is not dek and same_key(line.text, dek.text):
            _remove(line, "duplicate-line", "the sub-headline repeated in the body")


def _mark_header_parentheses(lines: list[_Line], zone: frozenset[int], found: _Findings) -> None:
    """A whole line in parentheses above the body is a caption; further down, a doubt."""
    for index, line in enumerate(lines):
        if not line.open or not is_parenthesised(line.text):
            continue
        if index in zone:
            _remove(line, "caption", "a whole line in parentheses above the body: a caption")
        else:
            found.flag(line, "a whole line in parentheses kept: an editor's note or a caption?")


def _mark_glued_headlines(lines: list[_Line], found: _Findings) -> None:
    """Headlines run together without separators ("talksKerry says..."), no marker."""
    for line in lines:
        if not line.open or glued_junctions(line.text) < 2:
            continue
        if not ends_sentence(line.text):
            _remove(line, "related-headlines", "headlines run together without separators")
        else:
            found.flag(line, "words run together: glued headlines?")


# --- 6. blocks ---------------------------------------------------------------------------


def _blocks(kept: list[_Line], found: _Findings) -> tuple[Block, ...]:
    """Kept lines become paragraphs; a short all-capitals line between them, a heading."""
    blocks: list[Block] = []
    for index, line in enumerate(kept):
        text = line.kept if line.kept is not None else line.text
        if (
            0 < index < len(kept) - 1
            and len(text) <= 80
            and is_all_capitals(text)
            and len(words(text)) <= 8
            and not re.search(r"[.,;:!?]$", text)
        ):
            blocks.append(Block("heading", text, line.number))
            continue
        if index == 0 and is_all_capitals(text) and len(words(text)) <= 8:
            found.flag(line, "capitals line at the top kept as a paragraph: a kicker?")
        blocks.append(Block("paragraph", text, line.number))
    return tuple(blocks)
