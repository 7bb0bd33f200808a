"""Arabic letters and digits folded for comparison: every table of the project, one per purpose.

Two spellings of one word in news differ by a hamza seat, an alef form, a final yaa or taa
marbuta, or a Persian keyboard's letter; numbers come in three digit sets. What each consumer folds
is a choice with consequences, so each picks a table here by name rather than writing its own:

- ``EASTERN_DIGITS``: Arabic-Indic (٠–٩) and Persian (۰–۹) digits to 0–9, one for one.
- ``PERSIAN_LETTERS``: Persian and Urdu letter forms to the Arabic letter an Arabic WordPiece
  vocabulary has (ک → ك, ی → ي, ۀ → ة), one for one so offsets hold: the model's input
  normalisation (``model/normalize.py``; changing it changes what a trained model reads).
- ``ALEF_FORMS``: أ إ آ ٱ to ا: the consistency check's comparison of annotated strings, which must
  still tell «مئة» from «مية».
- ``MATCHING``: every difference above that does not change the word (alef forms, ى/ي, ة/ه, the
  hamza seats ؤ/و and ئ/ي, the Persian forms): names across spellings in ``records``, the values
  module's lexicon («مائة», «ماية»). For comparing only, never for text shown to a reader.
"""

from __future__ import annotations

_EASTERN = "٠١٢٣٤٥٦٧٨٩" + "۰۱۲۳۴۵۶۷۸۹"
EASTERN_DIGITS = str.maketrans(_EASTERN, "0123456789" * 2)

_PERSIAN = {"ک": "ك", "ڪ": "ك", "ی": "ي", "ې": "ي", "ۍ": "ي", "ێ": "ي", "ۀ": "ة", "ہ": "ه", "ھ": "ه", "ە": "ه"}
PERSIAN_LETTERS = str.maketrans(_PERSIAN)

_ALEFS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"}
ALEF_FORMS = str.maketrans(_ALEFS)

_SAME_WORD = {"ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
MATCHING = str.maketrans({**_ALEFS, **_SAME_WORD, **{k: _SAME_WORD.get(v, v) for k, v in _PERSIAN.items()}})
