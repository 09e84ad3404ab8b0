"""Languages as data: names, direction, interface words, and script-based detection."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .yamlio import safe_load


@dataclass(frozen=True, slots=True)
class Language:
    """A site language and the interface words of its pages."""

    code: str  # ISO 639-1 code, e.g. "he"
    name: str  # English name, e.g. "Hebrew"
    native_name: str  # the language's own name for itself, in its own script
    direction: str  # "ltr" or "rtl"
    letters: str  # regex character class of its script's letters
    ui: Mapping[str, str]  # interface words, keyed as in data/languages.yaml
    prefixes: tuple[
        str, ...
    ] = ()  # clitics glued to words (Hebrew ve-, ha-, be-...), longest first


@cache
def known_languages() -> dict[str, Language]:
    """Every language described in the package's data/languages.yaml."""
    text = resources.files("site_builder").joinpath("data/languages.yaml").read_text("utf-8")
    data = safe_load(text)
    return {
        code: Language(
            code=code,
            name=item["name"],
            native_name=item["native_name"],
            direction=item["direction"],
            letters=item["letters"],
            ui=dict(item["ui"]),
            prefixes=tuple(sorted(item.get("prefixes", ()), key=lambda p: (-len(p), p))),
        )
        for code, item in data.items()
    }


DETECTION_SAMPLE = 3000  # characters of an article read to tell its language


@cache
def _letter_runs(codes: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Per candidate language, a regex matching runs of its script's letters.

    Written "[x][x]*", not "[x]+": a pattern that opens with a character class lets the
    regex engine skip to the next letter in C instead of trying it at every character.
    """
    languages = known_languages()
    classes = (f"[{languages[code].letters}]" for code in codes)
    return tuple(re.compile(f"{letter}{letter}*") for letter in classes)


def detect_language(text: str, candidates: tuple[str, ...] | None = None) -> str:
    """The language whose script has the most letters in ``text``.

    Enough for languages with distinct scripts (Hebrew and English); languages
    sharing a script would need word statistics.  Letters are counted in runs,
    so the work per language is one regex scan and a sum done in C; the first
    few thousand characters decide as well as the whole text would.
    """
    codes = candidates or tuple(sorted(known_languages()))
    sample = text[:DETECTION_SAMPLE]
    totals = [sum(map(len, pattern.findall(sample))) for pattern in _letter_runs(codes)]
    if not any(totals):
        return "en" if "en" in codes else codes[0]
    best = max(range(len(codes)), key=lambda i: (totals[i], codes[i] == "en"))
    return codes[best]
