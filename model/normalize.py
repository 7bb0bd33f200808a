"""AraBERT v0.2 text normalisation, applied one word at a time.

What ``ArabertPreprocessor`` does for the v02 models: tashkeel and tatweel removed, Eastern Arabic
digits mapped to 0-9, a letter repeated more than twice cut to two, digits and letters glued together
separated, ``/`` mapped to ``-``. Punctuation is already separated by our word segmentation. We add
NFKC, which folds presentation forms (ﻻ -> لا) and full-width characters into what the tokenizer knows,
and map Persian/Urdu letter forms to their Arabic counterparts (ک -> ك, ی -> ي, ۀ -> ة).

Normalising word by word, never the whole text, is what lets every prediction map back to
character offsets of the user's original text: word i of the model input is word i of the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ..data.letters import EASTERN_DIGITS, PERSIAN_LETTERS

SCHEMES = ("arabertv02", "none")
#: Bumped whenever what ``normalize_word`` returns changes: a model records the version it was trained
#: with, and loading it under another version is an error (its input would silently differ).
#: 1: AraBERT v0.2 + NFKC. 2: Persian/Urdu letter forms mapped to their Arabic counterparts.
NORMALIZATION_VERSION = 2

_TASHKEEL_TATWEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
# Persian and Urdu letter forms, common in typed Arabic, are letters an Arabic WordPiece vocabulary
# such as AraBERT's lacks (a whole word would become [UNK]): PERSIAN_LETTERS maps them one for one.
_REPEATS = re.compile(r"(\D)\1{2,}")
_ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a"
_DIGIT_LETTER = re.compile(rf"(\d+)([{_ARABIC_LETTERS}]+)")
_LETTER_DIGIT = re.compile(rf"([{_ARABIC_LETTERS}]+)(\d+)")


@functools.lru_cache(maxsize=16384)  # news repeats its words; uncached, this was a fifth of predict()'s time outside the model
def normalize_word(word: str, scheme: str = "arabertv02") -> str:
    """The normalised form of one word; may be empty (a lone diacritic or tatweel)."""
    if scheme == "none":
        return word
    if scheme != "arabertv02":
        raise ValueError(f"normalization: unknown scheme {scheme!r} (known: {', '.join(SCHEMES)})")
    word = unicodedata.normalize("NFKC", word)
    word = _TASHKEEL_TATWEEL.sub("", word)
    word = word.translate(EASTERN_DIGITS).translate(PERSIAN_LETTERS)
    word = _REPEATS.sub(r"\1\1", word)
    word = _DIGIT_LETTER.sub(r"\1 \2", word)
    word = _LETTER_DIGIT.sub(r"\1 \2", word)
    return word.replace("/", "-").strip()
