"""Languages as data: names, direction, interface words, and script-based detection."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


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
    data = yaml.safe_load(text)
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


@cache
def _letter_patterns(codes: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    languages = known_languages()
    return tuple((code, re.compile(f"[{languages[code].letters}]")) for code in codes)


def detect_language(text: str, candidates: tuple[str, ...] | None = None) -> str:
    """The language whose script has the most letters in ``text``.

    Enough for languages with distinct scripts (Hebrew and English); languages
    sharing a script would need word statistics.
    """
    codes = candidates or tuple(sorted(known_languages()))
    counts = [(len(pattern.findall(text)), code) for code, pattern in _letter_patterns(codes)]
    best = max(counts, key=lambda item: (item[0], item[1] == "en"))
    return best[1] if best[0] else "en"
