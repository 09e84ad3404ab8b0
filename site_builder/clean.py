"""Stage 2, clean: a raw article becomes a clean page plus a record of what was removed.

Every rule has a name and a reason, and every line it drops is recorded, so
an editor can check the cleaner's work line by line.  Markers (words that
announce boilerplate) are per-language data in ``data/lexicons/clean-*.yaml``;
the rules themselves are general.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .load import ArticleMeta, RawArticle


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

    @property
    def body_text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise_whitespace(line: str) -> str:
    """Non-breaking and other odd spaces become plain spaces; runs collapse; ends trimmed."""
    return _SPACES.sub(" ", line).strip()


def clean_article(raw: RawArticle) -> CleanArticle:
    """Clean one article (first version: repeated headline out, whitespace normalised)."""
    numbered = [
        (number, normalise_whitespace(line)) for number, line in enumerate(raw.lines, start=1)
    ]
    numbered = [(n, text) for n, text in numbered if text]
    removals: list[Removal] = []
    if raw.format == "markdown":
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
    title = raw.meta.title
    subtitle = raw.meta.subtitle
    if raw.format == "text" and numbered:
        title = title or numbered[0][1]
        head = numbered[:2]
        numbered = numbered[1:]
        # The dump repeats its headline (and sub-headline) at the end.
        tail_start = _repeated_head_start(head, numbered)
        if tail_start is not None:
            for n, text in numbered[tail_start:]:
                removals.append(
                    Removal("repeated-headline", "the headline repeated at the end", text, n)
                )
            numbered = numbered[:tail_start]
            if len(head) > 1 and numbered and numbered[0][1] == head[1][1]:
                subtitle = subtitle or numbered[0][1]
                numbered = numbered[1:]
    return CleanArticle(
        id=raw.id,
        path=raw.path,
        title=title or raw.id,
        subtitle=subtitle,
        author=raw.meta.author,
        blocks=tuple(Block("paragraph", text) for _, text in numbered),
        removals=tuple(sorted(removals, key=lambda r: r.line)),
        meta=raw.meta,
    )


def _repeated_head_start(
    head: list[tuple[int, str]], body: list[tuple[int, str]]
) -> int | None:
    headline = head[0][1]
    for index in range(len(body) - 1, max(len(body) - 4, -1), -1):
        if body[index][1] == headline:
            return index
    return None
