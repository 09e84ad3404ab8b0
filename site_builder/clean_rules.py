"""The cleaner's building blocks: marker lexicons, line shapes and Hebrew text repair.

Markers are data (``data/lexicons/clean-<lang>.yaml``), merged over every
language because a marker of one script never matches text of another; the
shapes here (length, capitals, parentheses, position) are language-neutral.
Everything is compiled once, when the lexicon is first loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from .yamlio import safe_load

MARKER_KEYS = (
    "related_headlines",
    "captions",
    "credits",
    "agencies",
    "bylines",
    "contacts",
    "update_stamps",
    "appeal_headers",
    "appeals",
    "share",
    "reporting_credits",
    "copyright",
    "quote_prefixes",
    "date_words",
)

HEBREW_LETTER = "\u05d0-\u05ea"
_HEBREW = re.compile(f"[{HEBREW_LETTER}]")
_DELIMITERS = ":-\u2013\u2014|\u00bb\u203a>"  # what may follow a marker: ':' '-' '|' '»' ...
_DELIM = f"[{re.escape(_DELIMITERS)}]"
_TERMINAL = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")  # a sentence's last mark
# Greedy, not possessive (*+): Python 3.11.0-3.11.4 match a possessive repeat of a group
# wrongly ("a.b." for "a.b"), and nothing after it could make it give back anyway.
_WORD = re.compile(r"\w+(?:['\u2019\u05f3\"\u05f4.-]\w+)*")

_user_lexicon_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class MarkerSearch:
    """A marker pattern searched for anywhere in a line, behind a quick test.

    A case-insensitive search costs a try at every position of the line, and
    most lines hold no marker at all.  Every match of a marker holds one of
    the marker's words literally, so ``gate`` looks for those words alone,
    case-sensitively in the case-folded line (``fold_case``), where the regex
    engine skips straight to their first letters.  When the gate finds none,
    the pattern cannot match either: the answer is the same, only sooner.
    Markers that close their phrase have a sharper gate, an ``EndGate``.
    """

    pattern: re.Pattern[str]
    gate: re.Pattern[str] | EndGate | None  # None: some marker has no usable word; search

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self._may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self._may_match(text) else iter(())

    def _may_match(self, text: str) -> bool:
        return self.gate is None or bool(self.gate.search(fold_case(text)))


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Compiled marker patterns for every kind of boilerplate."""

    related: MarkerSearch  # a related-headlines marker and what follows it
    related_start: re.Pattern[str]  # a related-headlines marker opening a line
    caption: re.Pattern[str]  # a caption marker at the start of a line
    credit: re.Pattern[str]  # a photo-credit marker at the start of a line
    credit_tail: MarkerSearch  # a caption's closing credit: "... (photo credit: X)"
    agency: re.Pattern[str]  # an agency or photo service name
    byline: re.Pattern[str]  # a byline marker, then the name
    contact: re.Pattern[str]  # an editor-contact line
    update: re.Pattern[str]  # an update stamp, the stamp in group "stamp"
    appeal_header: re.Pattern[str]  # the first line of an appeal block
    appeal: MarkerSearch  # a newsletter, subscription or donation phrase
    share: re.Pattern[str]  # a share, comment or navigation line
    reporting: MarkerSearch  # a reporting credit
    copyright: re.Pattern[str]  # a copyright line
    quote_prefixes: frozenset[str]  # prefixes that may precede an opening quote in a word
    date_words: frozenset[str]  # the only words an update stamp's date may hold (case-folded)


def use_user_lexicons(folder: Path | None) -> None:
    """Merge ``folder/clean-<lang>.yaml`` files on top of the package's markers.

    The build calls this once with ``content/lexicons``; the cleaner itself
    stays a function of one article.
    """
    global _user_lexicon_dir
    _user_lexicon_dir = folder
    lexicon.cache_clear()


@cache
def lexicon() -> Lexicon:
    """The merged, compiled markers of every language (cached: compiled once)."""
    markers: dict[str, list[str]] = {key: [] for key in MARKER_KEYS}
    for data in _lexicon_files():
        for key in MARKER_KEYS:
            values = data.get(key) or []
            if isinstance(values, str):
                values = [values]
            markers[key].extend(str(v).strip() for v in values if str(v).strip())
    any_of = {key: _alternation(values) for key, values in markers.items()}
    gate = {key: _gate(values) for key, values in markers.items()}
    start = r"^[\W_]{0,3}"  # a line may open with '(' or a bullet before its marker
    after = rf"(?=\s*(?:{_DELIM}|\)|$))"
    flags = re.IGNORECASE
    return Lexicon(
        related=MarkerSearch(
            re.compile(
                rf"(?:^|(?<=[\s\-\u2013\u2014|.!?:]))[\W_]{{0,2}}({any_of['related_headlines']})"
                rf"\s*(?:{_DELIM}|$)",
                flags,
            ),
            _gate_at_end(markers["related_headlines"], _DELIMITERS),
        ),
        related_start=re.compile(rf"{start}(?:{any_of['related_headlines']})(?!\w)", flags),
        caption=re.compile(rf"{start}(?:{any_of['captions']}){after}", flags),
        credit=re.compile(rf"{start}(?:{any_of['credits']})(?:{after}|\s+by\b)", flags),
        # "... (photo credit: X)", or "... . Photo: X" closing a caption line
        credit_tail=MarkerSearch(
            re.compile(
                rf"\(\s*(?:{any_of['credits']})\s*(?::|by\b)[^()]*\)$"
                rf"|(?<=[.!?\u05c3]\s)(?:{any_of['credits']})\s*:\s*[^.!?:]{{1,60}}$",
                flags,
            ),
            gate["credits"],
        ),
        agency=re.compile(rf"(?<!\w)(?:{any_of['agencies']})(?!\w)", flags),
        byline=re.compile(rf"^(?:{any_of['bylines']})\s*:?\s+(?P<name>\S.*)$", flags),
        contact=re.compile(rf"{start}(?:{any_of['contacts']})\b", flags),
        update=re.compile(
            rf"^\(?\s*(?:{any_of['update_stamps']})(?:\s+(?:on|at))?\s*:?\s*"
            r"(?P<stamp>[^()]{0,40}\d[^()]{0,40}?)\s*\)?$",
            flags,
        ),
        appeal_header=re.compile(rf"{start}(?:{any_of['appeal_headers']})\b", flags),
        appeal=MarkerSearch(
            re.compile(rf"(?<!\w)(?:{any_of['appeals']})(?!\w)", flags), gate["appeals"]
        ),
        share=re.compile(rf"{start}(?:{any_of['share']})(?!\w)", flags),
        reporting=MarkerSearch(
            re.compile(rf"(?<!\w)(?:{any_of['reporting_credits']})(?!\w)", flags),
            gate["reporting_credits"],
        ),
        copyright=re.compile(rf"(?<!\w)(?:{any_of['copyright']})(?!\w)|\u00a9", flags),
        quote_prefixes=frozenset(markers["quote_prefixes"]),
        date_words=frozenset(w.casefold().strip(".") for w in markers["date_words"]),
    )


def _lexicon_files() -> Iterable[dict[str, object]]:
    folder = resources.files("site_builder").joinpath("data/lexicons")
    names = sorted(p.name for p in folder.iterdir() if p.name.startswith("clean-"))
    for name in names:
        data = safe_load(folder.joinpath(name).read_text("utf-8")) or {}
        if isinstance(data, dict):
            yield data
    if _user_lexicon_dir is not None and _user_lexicon_dir.is_dir():
        for path in sorted(_user_lexicon_dir.glob("clean-*.yaml")):
            data = safe_load(path.read_text("utf-8-sig")) or {}
            if isinstance(data, dict):
                yield data


def _alternation(values: list[str]) -> str:
    """One regex alternative per marker, longest first, spacing-insensitive.

    The alternatives sit behind a look-ahead for their first letters: a search
    would otherwise try every marker at every position of a line, and most
    positions start none of them.  The look-ahead is compiled with the same
    flags as the markers, so it admits every letter a marker could start with.
    """
    if not values:
        return r"(?!x)x"  # matches nothing
    unique = sorted(set(values), key=lambda v: (-len(v), v))
    alternatives = "|".join(_marker_pattern(v) for v in unique)
    firsts = _first_characters(unique)
    if firsts is None:
        return alternatives
    return f"(?=[{''.join(re.escape(c) for c in sorted(firsts))}])(?:{alternatives})"


def _first_characters(markers: list[str]) -> set[str] | None:
    """The characters a match of one of the markers can start with (None: not known)."""
    firsts: set[str] = set()
    for marker in markers:
        first = marker[0]
        if first in ":,;" or first.isspace():
            return None  # _marker_pattern lets spaces come before these
        firsts.update(_APOSTROPHES if first == "'" else first)
    return firsts


def _gate(values: list[str]) -> re.Pattern[str] | None:
    """A case-sensitive search for a word of every marker, in folded text (``MarkerSearch``).

    Each marker brings its longest word (the rarest in running text, as a rule);
    a word holding a shorter chosen one is left out: the shorter finds it too.
    """
    if not values:
        return re.compile(r"(?!x)x")  # no markers: nothing can match
    chosen: set[str] = set()
    for value in values:
        plain = [run for run in re.findall(r"\w+", value) if _folds_plainly(run)]
        if not plain:
            return None  # a marker without a plain word: no gate can rule it out
        chosen.add(max(plain, key=len).lower())
    kept = sorted(w for w in chosen if not any(o != w and o in w for o in chosen))
    return re.compile("|".join(re.escape(w) for w in kept))


@dataclass(frozen=True, slots=True)
class EndGate:
    """A gate for markers that close their phrase: "Read more:" ends the line or stands
    before a delimiter (``MarkerSearch``).

    So one of the markers' last words stands right before a delimiter or the end of the
    line, with only the rest of its marker and spaces between: the gate looks at the
    few delimiters of a line instead of at every word, and a last word there is far
    rarer in running text than a marker's word anywhere ("more").
    """

    delimiters: str  # the characters that may follow a marker
    last_words: tuple[str, ...]  # each marker's last word, lower case
    tail: str  # the characters of what follows a last word in its marker (":", "'")
    window: int  # characters looked at before a delimiter: more than the longest last word

    def search(self, folded: str) -> bool:
        """Whether a match may be in the line (given ``fold_case``-d)."""
        # the end of the line first ("$" also stands before a final "\n", a space)
        if self._word_before(folded, len(folded)):
            return True
        for delimiter in self.delimiters:  # str.find per character: cheaper than a regex
            at = folded.find(delimiter)
            while at >= 0:
                if self._word_before(folded, at):
                    return True
                at = folded.find(delimiter, at + 1)
        return False

    def _word_before(self, folded: str, end: int) -> bool:
        """Whether a last word ends ``folded[:end]``, spaces and marker tails aside.

        Only ``window`` characters are looked at, so that a line full of delimiters
        costs linear time; when they are too few to tell, the answer is yes (and the
        pattern decides).
        """
        start = max(0, end - self.window)
        text = folded[start:end]
        while True:  # drop the spaces and tails that end it
            stripped = text.rstrip().rstrip(self.tail)
            if stripped == text:
                break
            text = stripped
        if start > 0 and len(text) < self.window // 2:
            return True
        return text.endswith(self.last_words)


def _gate_at_end(values: list[str], delimiters: str) -> EndGate | re.Pattern[str] | None:
    """The ``EndGate`` of markers followed by spaces and then one of ``delimiters`` or the
    end of the line; None: a marker without a plain last word."""
    if not values:
        return re.compile(r"(?!x)x")
    last_words: set[str] = set()
    tail = ""
    for value in values:
        runs = list(re.finditer(r"\w+", value))
        if not runs or not _folds_plainly(runs[-1].group()):
            return None  # no plain last word: no gate can rule the marker out
        last_words.add(runs[-1].group().lower())
        rest = value[runs[-1].end() :]  # no word characters: spaces, ":", apostrophes
        tail += rest + (_APOSTROPHES if "'" in rest else "")
    window = 2 * max(len(word) for word in last_words) + 64
    return EndGate(delimiters, tuple(sorted(last_words)), "".join(sorted(set(tail))), window)


def _folds_plainly(word: str) -> bool:
    """Whether ``fold_case`` maps whatever re.IGNORECASE matches with the word to word.lower().

    True for ASCII letters and digits and for letters without case (Hebrew);
    other cased letters have partners under re.IGNORECASE that str.lower() misses.
    """
    return all(c.isascii() or c.lower() == c == c.upper() for c in word)


# re.IGNORECASE matches these three with an ASCII letter, but str.lower() does not
# lower them to it ("\u0130" even becomes two characters); the fourth such letter,
# the Kelvin sign, lowers to "k" by itself.
_IGNORECASE_EXTRAS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


@lru_cache(maxsize=1024)
def fold_case(text: str) -> str:
    """Lower case, in which a plain word is found wherever re.IGNORECASE would find it.

    Cached: the line rules test one line against several gated patterns in a row.
    """
    if "\u0130" in text or "\u0131" in text or "\u017f" in text:
        text = text.translate(_IGNORECASE_EXTRAS)
    return text.lower()


_APOSTROPHES = "'\u2019\u05f3"  # a marker's apostrophe matches any of these


def _marker_pattern(marker: str) -> str:
    pattern = re.escape(marker)
    pattern = pattern.replace(r"\ ", r"\s+")
    # "X :" and "X:" are the same marker; so are straight and typographic apostrophes
    pattern = re.sub(r"\\?([:,;])", r"\\s*\1", pattern)
    return pattern.replace("'", f"[{_APOSTROPHES}]")


# --- line shapes -------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """The words of a line (numbers count; punctuation does not); cached, rules ask often."""
    return tuple(_WORD.findall(text))


def has_hebrew(text: str) -> bool:
    return _HEBREW.search(text) is not None


def ends_sentence(text: str) -> bool:
    """Whether the line ends with a sentence's final mark (. ! ? ...)."""
    return _TERMINAL.search(text) is not None


def is_sentence_like(text: str) -> bool:
    """A body paragraph, not a label: long, or a finished sentence of a few words."""
    count = len(words(text))
    return count >= 15 or (count >= 6 and ends_sentence(text))


def is_headline_like(text: str) -> bool:
    """A short line that does not end a sentence: a headline, label or caption."""
    count = len(words(text))
    return 0 < count <= 16 and not re.search(r"[.!:;,][\"'\u201d\u2019)]*$", text)


def is_parenthesised(text: str) -> bool:
    """The whole line is one parenthesis: ``( ... )``."""
    return (
        len(text) > 2
        and text[0] == "("
        and text[-1] == ")"
        and text.count("(") == 1
        and text.count(")") == 1
    )


_CASED = re.compile(r"[^\W\d_]")


def is_all_capitals(text: str) -> bool:
    """Every cased letter is a capital, and there are at least three of them."""
    if text.upper() != text:  # cheap test first: most lines have a small letter
        return False
    return sum(1 for c in _CASED.findall(text) if c.lower() != c) >= 3


_NAME_WORD = re.compile(
    r"^(?:[A-Z][\w'\u2019.-]*|[A-Z]\.|de|van|von|al|el|bin|ben|da|del|la|le|"
    rf"[{HEBREW_LETTER}][{HEBREW_LETTER}'\u05f3\"\u05f4-]*)$"
)


def is_name_like(text: str) -> bool:
    """Two to four capitalised words (or Hebrew words), no digits: a person's name."""
    parts = text.strip(" ,|").split()
    return 2 <= len(parts) <= 4 and all(_NAME_WORD.match(p) for p in parts)


_GLUE = re.compile(r"[a-z]{3}[?!\"\u201d\u2019)]?[A-Z][a-z]")


# Where _GLUE can match, found from the capital: a pattern that opens with one character
# class lets the regex engine skip in C to the few capitals of a line.
_GLUE_CAPITAL = re.compile(
    r"[A-Z](?:(?<=[a-z]{3}[A-Z])|(?<=[a-z]{3}[?!\"\u201d\u2019)][A-Z]))[a-z]"
)


def glued_junctions(text: str) -> int:
    """How many places a lower-case word runs into a capitalised one (headlines glued)."""
    if _GLUE_CAPITAL.search(text) is None:  # most lines: no junction at all
        return 0
    return len(_GLUE.findall(text))


def credit_line(text: str, lex: Lexicon) -> bool:
    """A short line naming a photo agency, maybe with a photographer: ``Name/Flash90``."""
    if len(words(text)) > 7 or ends_sentence(text):
        return False
    if not lex.agency.search(text):
        return False
    rest = lex.agency.sub(" ", text)
    rest = re.sub(r"[/|,;()\u00a9\-\u2013\u2014:]|\b(?:photo|via|by)\b", " ", rest, flags=re.I)
    return len(rest.split()) <= 3


_NOT_ALNUM = re.compile(r"[\W_]+")


def is_date(text: str, lex: Lexicon) -> bool:
    """A date or time: digits, separators and date words only ("Dec. 6, 2013, 10:02 am")."""
    tokens = re.findall(r"[^\W\d_]+", text)
    return any(c.isdigit() for c in text) and all(t.casefold() in lex.date_words for t in tokens)


@lru_cache(maxsize=8192)
def line_key(text: str) -> str:
    """Letters and digits only, case-folded: two lines with the same key say the same."""
    return _key(text)


def _key(text: str) -> str:
    # Spaces go first, by str.split in C (every space is a non-alphanumeric): the
    # substitution is left with the few punctuation runs instead of every gap.
    return _NOT_ALNUM.sub("", "".join(text.casefold().split()))


KEY_OPENING = 32  # characters of a line whose key ``same_key`` compares first


def same_key(first: str, second: str) -> bool:
    """``line_key(first) == line_key(second)``, most often settled by the lines' openings.

    Case folding and dropping non-alphanumerics work character by character, so the
    key of a line's opening is the start of the line's key: when neither opening's key
    starts the other's, the keys differ, and neither whole line needs its key.
    """
    head, other = _opening_key(first), _opening_key(second)
    if not (head.startswith(other) or other.startswith(head)):
        return False
    return line_key(first) == line_key(second)


@lru_cache(maxsize=8192)
def _opening_key(text: str) -> str:
    """The key of a line's opening; cached, as lines are compared in several rounds."""
    return _key(text[:KEY_OPENING])


# --- Hebrew punctuation repair -----------------------------------------------------------

# " [ ]*" rather than "[ ]+": a pattern that opens with a literal lets the regex engine
# skip from space to space in C instead of trying the pattern at every character.
_SPACE_BEFORE_MARK = re.compile(r" [ ]*(?=[,.:;!?]+(?:\s|$|[\"\u201d)\]]))")
_SPACE_AFTER_OPEN = re.compile(r"([(\[\u201c\u00ab])[ ]+")
_SPACE_BEFORE_CLOSE = re.compile(r" [ ]*([)\]\u201d\u00bb])")
_STRAIGHT_QUOTE = re.compile('"')
_SPACE_RUN = re.compile(r"[ ]{2,}")
# What each repair needs somewhere in the line (most lines need none): a test for
# it is far cheaper than a substitution that finds nothing.
_OPEN_SPACE = re.compile("[(\\[\u201c\u00ab] ")
_SPACE_CLOSE = re.compile(" [)\\]\u201d\u00bb]")
_SPACE_MARK = re.compile(" [,.:;!?]")


def repair_hebrew_punctuation(text: str) -> str:
    """Undo a tokenizer's split punctuation in Hebrew text, keeping in-word quotes.

    No space before , . : ; ! ? and none just inside quotes and parentheses;
    a straight quote between two Hebrew letters is an abbreviation (a gershayim)
    and stays.  Applied until nothing changes, so it is idempotent.
    """
    for _ in range(4):
        repaired = _repair_once(text)
        if repaired == text:
            break
        text = repaired
    return text


def _repair_once(text: str) -> str:
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    text = _pair_straight_quotes(text)
    if _OPEN_SPACE.search(text):
        text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    if _SPACE_CLOSE.search(text):
        text = _SPACE_BEFORE_CLOSE.sub(r"\1", text)
    if _SPACE_MARK.search(text):
        text = _SPACE_BEFORE_MARK.sub("", text)
    return text.strip()


def _pair_straight_quotes(text: str) -> str:
    """Pair straight double quotes as open/close and drop the spaces inside each pair."""
    if '" ' not in text and ' "' not in text:
        return text  # no quote has a space beside it: there is nothing to drop
    positions = [m.start() for m in _STRAIGHT_QUOTE.finditer(text)]
    in_word = [_between_letters(text, i) for i in positions]
    pairing = [p for p, inside in zip(positions, in_word, strict=True) if not inside]
    if len(pairing) % 2 == 1:
        # One quote too many: a one-letter prefix glued to an opening quote (b"word)
        # looks like an abbreviation; take the first such quote as an opener instead.
        for p, inside in zip(positions, in_word, strict=True):
            if inside and _prefix_before(text, p) and _opener_fits(pairing, p):
                pairing = sorted([*pairing, p])
                break
    if len(pairing) % 2 == 1:
        return text  # unbalanced: leave the spacing as it is rather than guess
    pieces: list[str] = []
    done = 0
    for open_at, close_at in zip(pairing[::2], pairing[1::2], strict=True):
        inner = text[open_at + 1 : close_at].strip(" ")
        pieces += [text[done : open_at + 1], inner, '"']
        done = close_at + 1
    pieces.append(text[done:])
    return "".join(pieces)


# The letters of HEBREW_LETTER ("first-last") as a set: cheaper than a regex per character.
_HEBREW_LETTERS = frozenset(map(chr, range(ord(HEBREW_LETTER[0]), ord(HEBREW_LETTER[-1]) + 1)))


def _between_letters(text: str, i: int) -> bool:
    return (
        0 < i < len(text) - 1 and text[i - 1] in _HEBREW_LETTERS and text[i + 1] in _HEBREW_LETTERS
    )


def _prefix_before(text: str, i: int) -> bool:
    start = i
    while start > 0 and text[start - 1] in _HEBREW_LETTERS:
        start -= 1
    prefix = text[start:i]
    end = i + 1
    while end < len(text) and text[end] in _HEBREW_LETTERS:
        end += 1
    # an abbreviation has its quote before its last letter (or two, in a rare plural)
    return prefix in lexicon().quote_prefixes and end - i - 1 >= 3


def _opener_fits(pairing: list[int], p: int) -> bool:
    """The candidate opener leaves an odd number of quotes after it (it has a closer)."""
    return sum(1 for q in pairing if q > p) % 2 == 1
