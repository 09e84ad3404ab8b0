"""Reading a publication date from a dateline, for articles whose metadata gives none.

Month names and the order of day and month are per-language data
(``data/lexicons/dates-*.yaml``); an ambiguous or impossible date is no date.
"""

from __future__ import annotations

import datetime
import re
from functools import cache
from importlib import resources

from .yamlio import safe_load

_NUMERIC = re.compile(r"(?<!\d)(\d{1,4})[./-](\d{1,2})[./-](\d{2,4})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"(?<![\d:])\d{1,4}(?![\d:])")


@cache
def _calendar(language: str) -> tuple[dict[str, int], bool]:
    path = resources.files("site_builder").joinpath(f"data/lexicons/dates-{language}.yaml")
    if not path.is_file():
        return {}, True
    data = safe_load(path.read_text("utf-8")) or {}
    months = {
        form.casefold(): number
        for number, forms in enumerate(data.get("months") or [], start=1)
        for form in forms
    }
    return months, bool(data.get("day_first", True))


def date_from_dateline(text: str | None, language: str) -> str | None:
    """``YYYY-MM-DD`` for "December 5, 2013", "5 Dec 2013", "05/12/2013" or "2013-12-05"."""
    if not text:
        return None
    months, day_first = _calendar(language)
    numeric = _NUMERIC.search(text)
    if numeric:
        a, b, c = (int(x) for x in numeric.groups())
        if a > 31:  # 2013-12-05
            return _iso(a, b, c)
        year = c + 2000 if c < 100 else c
        if a > 12 or (day_first and b <= 12):
            return _iso(year, b, a)
        return _iso(year, a, b)
    month = next(
        (months[w.casefold()] for w in _WORD.findall(text) if w.casefold() in months), None
    )
    numbers = [int(n) for n in _NUMBER.findall(text)]
    years = [n for n in numbers if n >= 1900]
    days = [n for n in numbers if 1 <= n <= 31]
    if month is None or len(years) != 1 or len(days) != 1:
        return None
    return _iso(years[0], month, days[0])


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None
