"""The cleaner's shortcuts give the answers the plain patterns give.

``MarkerSearch`` skips a case-insensitive search when a case-sensitive gate
finds none of the markers' words in the folded line; the gate must never
reject a line the pattern matches, also for the letters re.IGNORECASE pairs
with ASCII ones beyond str.lower() (dotted and dotless i, long s, Kelvin sign).
"""

from __future__ import annotations

import re

import pytest

from site_builder import clean_rules
from site_builder.clean_rules import fold_case, lexicon, repair_hebrew_punctuation

GATED = ("related", "credit_tail", "appeal", "reporting")

LINES = [
    "Read more: Netanyahu meets Kerry",
    "READ MORE -",
    "Sign up for our newsletter",
    "\u017fign up for our \u0131nbox",  # long s, dotless i
    "S\u0130GN UP FOR OUR NEWSLETTER",  # dotted capital I
    "Editor\u2019s picks:",
    "(Reporting by Jane Roe; Editing by John Doe)",
    "A caption here. Photo: Jane Roe",
    "(\u212aELVIN photo credit: Flash90)",  # Kelvin sign
    "Nothing to see in this line at all.",
    "",
]


@pytest.mark.parametrize("name", GATED)
@pytest.mark.parametrize("line", LINES)
def test_gate_never_hides_a_match(name: str, line: str) -> None:
    marker = getattr(lexicon(), name)
    expected = marker.pattern.search(line)
    found = marker.search(line)
    assert (found and found.span()) == (expected and expected.span())
    assert [m.span() for m in marker.finditer(line)] == [
        m.span() for m in marker.pattern.finditer(line)
    ]


def test_fold_case_keeps_what_ignorecase_matches() -> None:
    for letter in "\u0130\u0131\u017f\u212a":
        ascii_partner = fold_case(letter)
        assert len(ascii_partner) == 1 and ascii_partner.isascii()
        assert re.fullmatch(ascii_partner, letter, re.IGNORECASE)


def test_hebrew_letter_set_is_the_hebrew_letter_class() -> None:
    pattern = re.compile(f"[{clean_rules.HEBREW_LETTER}]")
    expected = {chr(c) for c in range(0x0500, 0x0700) if pattern.match(chr(c))}
    assert clean_rules._HEBREW_LETTERS == expected


@pytest.mark.parametrize(
    "text",
    ['\u05d0\u05de\u05e8 " \u05e9\u05dc\u05d5\u05dd " .', "( \u05d0 )", "\u05d0  \u05d1 ,", 'a"b'],
)
def test_repair_is_a_fixed_point(text: str) -> None:
    once = repair_hebrew_punctuation(text)
    assert repair_hebrew_punctuation(once) == once
