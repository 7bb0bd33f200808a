"""Sentence and word segmentation that keeps character offsets into the original text.

The rules are the guidelines' (data/GUIDELINES.md §0): words are whole, with their glued
proclitics (وبوتين is one word); punctuation and symbols (emoji included) are tokens of their own;
a number with internal separators (76.68, 14:00) is one token; combining marks (diacritics, variation
selectors) stay with the character before them. A sentence ends at a line break, or at . ! ? ؟ …
followed by whitespace, closing quotes or brackets after the mark staying in the sentence.
"""

from __future__ import annotations

import re
import unicodedata

# The one class of invisible marks (zero-width characters, bidi controls, word joiners, the BOM):
# the corpora's readers drop them, and they may sit between a full stop and the space.
INVISIBLE_MARKS = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
INVISIBLE = re.compile(f"[{INVISIBLE_MARKS}]")
_SENTENCE_END = re.compile(r"[.!?؟…]+[\"'”’»)\]]*(?=[" + INVISIBLE_MARKS + r"]*\s)")
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]+")
_NUMBER_JOINERS = ".,:٫٬"
# Title abbreviations whose full stop ends no sentence: «د.» (doctor) and «أ.» (professor), as in
# «د. أحمد زويل» and «أ.د. فلان». «م.» is left out: it ends many a sentence as the year's era
# («عام 2020 م.»).
_ABBREVIATIONS = frozenset("دأ")


def _emoji_glue(text: str, i: int, token_start: int) -> bool:
    """Whether ``text[i]`` continues the emoji token that ends just before it.

    Skin-tone modifiers, a flag's second regional indicator, and the character after a zero-width
    joiner (👩‍💻) belong to the emoji before them: a span never ends inside one emoji.
    """
    cp = ord(text[i])
    prev = ord(text[i - 1])
    if 0x1F3FB <= cp <= 0x1F3FF:
        return True
    if 0x1F1E6 <= cp <= 0x1F1FF and 0x1F1E6 <= prev <= 0x1F1FF:
        return (i - token_start) % 2 == 1  # pairs: 🇸🇦 is one flag, 🇸🇦🇷🇺 two
    return cp == 0x200D or prev == 0x200D


def _kind(ch: str) -> str:
    """'s' separator, 'm' combining mark, 'w' word character, 'p' punctuation or symbol."""
    if ch.isspace():
        return "s"
    cat = unicodedata.category(ch)
    if cat[0] in "LN" or ch == "_":
        return "w"
    if cat[0] == "M":
        return "m"
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"):
        # Zero-width joiners, bidi controls and other invisible characters separate words but are
        # never part of one, so a span never starts or ends on something a reader cannot see.
        return "s"
    return "p"


def words(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character offsets ``(start, end)`` of the words of ``text[start:end]``."""
    end = len(text) if end is None else end
    out: list[list[int]] = []
    glue = False  # whether the next character extends the last token
    for i in range(start, end):
        ch = text[i]
        kind = _kind(ch)
        if ch == "\u200d" and out and out[-1][1] == i and not glue and i + 1 < end and _kind(text[i + 1]) == "p":
            out[-1][1] = i + 1  # a zero-width joiner inside an emoji sequence (👩‍💻)
        elif kind == "s":
            glue = False
        elif kind == "m" and out and out[-1][1] == i:
            out[-1][1] = i + 1  # a diacritic or variation selector belongs to the character before
        elif kind == "w" or kind == "m":
            if glue:
                out[-1][1] = i + 1
            else:
                out.append([i, i + 1])
            glue = True
        elif (
            ch in _NUMBER_JOINERS
            and glue
            and text[i - 1].isdigit()
            and i + 1 < end
            and text[i + 1].isdigit()
        ):
            out[-1][1] = i + 1  # 76.68 and 14:00 are one token
        elif out and out[-1][1] == i and not glue and _kind(text[i - 1]) != "w" and _emoji_glue(text, i, out[-1][0]):
            out[-1][1] = i + 1  # part of the emoji before it
        else:  # punctuation or symbol: a token of its own
            out.append([i, i + 1])
            glue = False
    return [(s, e) for s, e in out]


def sentences(text: str) -> list[tuple[int, int]]:
    """Character offsets of the sentences of ``text``, whitespace trimmed, empty ones dropped."""
    out: list[tuple[int, int]] = []
    line_start = 0
    for brk in [*_LINE_BREAK.finditer(text), None]:
        line_end = brk.start() if brk else len(text)
        cut = line_start
        for m in _SENTENCE_END.finditer(text, line_start, line_end):
            if _after_abbreviation(text, m):
                continue
            _append_trimmed(text, cut, m.end(), out)
            cut = m.end()
        _append_trimmed(text, cut, line_end, out)
        if brk:
            line_start = brk.end()
    return out


def _after_abbreviation(text: str, mark: re.Match) -> bool:
    """Whether a lone full stop closes a title abbreviation: one letter of ``_ABBREVIATIONS``
    standing alone (after whitespace, a full stop or the start of the text)."""
    i = mark.start()
    if mark.group() != "." or i == 0 or text[i - 1] not in _ABBREVIATIONS:
        return False
    return i == 1 or text[i - 2].isspace() or text[i - 2] == "."


def _append_trimmed(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and _kind(text[start]) == "s":
        start += 1
    while end > start and _kind(text[end - 1]) == "s":
        end -= 1
    if start < end:
        out.append((start, end))
