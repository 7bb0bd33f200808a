"""Word and sentence segmentation with character offsets (data/GUIDELINES.md §0)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arabic_news_tagger.data.document import Document
from arabic_news_tagger.data.segment import sentences, words

INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


def is_separator(ch: str) -> bool:
    """Whitespace or an invisible character: never inside a word."""
    return ch.isspace() or unicodedata.category(ch) in INVISIBLE_CATEGORIES


def toks(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The words of ``text``, checking the offset contract on the way."""
    out = []
    for s, e in words(text, start, end):
        assert 0 <= s < e <= len(text)
        word = text[s:e]
        assert not any(is_separator(ch) for ch in word), f"separator inside {word!r}"
        out.append(word)
    return out


def sents(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


# --- words -------------------------------------------------------------------------------------

def test_diacritics_stay_inside_the_word():
    assert toks("أَجْرَى الرئيسُ الروسيّ") == ["أَجْرَى", "الرئيسُ", "الروسيّ"]


def test_tatweel_stays_inside_the_word():
    assert toks("الرئيس بوتيـــن") == ["الرئيس", "بوتيـــن"]


def test_glued_proclitics_are_one_word():
    assert toks("وبوتين لبوتين وترامب للأمم") == ["وبوتين", "لبوتين", "وترامب", "للأمم"]


def test_eastern_arabic_digits_and_their_decimal_separator():
    assert toks("١٢٣ سجينا و١٢٣٫٥ كم") == ["١٢٣", "سجينا", "و١٢٣٫٥", "كم"]


def test_latin_words_between_arabic_words():
    assert toks("وقّعت شركة Siemens AG عقداً") == ["وقّعت", "شركة", "Siemens", "AG", "عقداً"]


def test_presentation_forms_are_word_characters():
    assert toks("ﻻ يوجد ﷲ") == ["ﻻ", "يوجد", "ﷲ"]


def test_punctuation_is_split_off_words():
    assert toks("(بوتين)، «ترامب»: قال.") == ["(", "بوتين", ")", "،", "«", "ترامب", "»", ":", "قال", "."]
    assert toks('شبكة "إن بي سي نيوز"؟!') == ["شبكة", '"', "إن", "بي", "سي", "نيوز", '"', "؟", "!"]


def test_numbers_with_internal_separators_are_one_token():
    assert toks("بنسبة 76.68% عند 14:00 من 1,000 عام 2024.") == [
        "بنسبة", "76.68", "%", "عند", "14:00", "من", "1,000", "عام", "2024", ".",
    ]  # fmt: skip
    assert toks("76. .5 5.") == ["76", ".", ".", "5", "5", "."]


def test_emoji_is_not_glued_to_a_word():
    text = "شكرا👍🏽 جدا🇸🇦"
    out = toks(text)
    assert out[0] == "شكرا" and "جدا" in out
    assert all(not any(unicodedata.category(ch)[0] == "L" for ch in w) for w in out if w not in ("شكرا", "جدا"))


@pytest.mark.parametrize("emoji", ["👍🏽", "🇸🇦"])
def test_an_emoji_with_modifier_or_a_flag_is_one_token(emoji):
    assert toks(f"شكرا {emoji} جدا") == ["شكرا", emoji, "جدا"]


def test_variation_selector_stays_with_its_emoji():
    assert toks("حب ❤️ كبير") == ["حب", "❤️", "كبير"]


@pytest.mark.parametrize("ch", ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202b", "\u202c", "\u2066", "\u2069", "\ufeff", "\u00a0"])
def test_zero_width_and_bidi_controls_are_never_inside_a_word(ch):
    text = f"{ch}بوتين{ch} وترامب{ch}"
    assert toks(text) == ["بوتين", "وترامب"]
    assert toks(f"ab{ch}cd") == ["ab", "cd"]


def test_words_of_a_sub_range():
    text = "قال بوتين. ثم ترامب"
    assert toks(text, 4, 10) == ["بوتين", "."]
    assert [text[s:e] for s, e in words(text, 11)] == ["ثم", "ترامب"]


def test_empty_and_blank_texts():
    assert words("") == [] and sentences("") == []
    assert words(" \n\u200f\t") == [] and sentences(" \n\u200f\t") == []


# --- sentences ---------------------------------------------------------------------------------

def test_a_line_break_ends_a_sentence():
    assert sents("العنوان\nالنص الأول\r\nالنص الثاني\n\n") == ["العنوان", "النص الأول", "النص الثاني"]


def test_a_full_stop_followed_by_whitespace_ends_a_sentence():
    assert sents("اتصل بوتين. وقال ترامب! هل انتهى؟ ربما… نعم") == [
        "اتصل بوتين.", "وقال ترامب!", "هل انتهى؟", "ربما…", "نعم",
    ]  # fmt: skip


def test_glued_double_full_stop_does_not_end_a_sentence():
    assert sents("ساعة ونصف..تفاصيل الاتصال") == ["ساعة ونصف..تفاصيل الاتصال"]


def test_a_decimal_point_does_not_end_a_sentence():
    assert sents("بنسبة 76.68 بالمئة") == ["بنسبة 76.68 بالمئة"]


def test_closing_quotes_and_brackets_stay_in_the_sentence():
    assert sents("قال: «انتهى الاتصال.» ثم غادر") == ["قال: «انتهى الاتصال.»", "ثم غادر"]
    assert sents('قال "نعم." (وغادر.) ثم') == ['قال "نعم."', "(وغادر.)", "ثم"]


def test_sentences_are_trimmed_and_slice_the_text():
    text = "  أولا.   ثانيا  \n  ثالثا "
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == ["أولا.", "ثانيا", "ثالثا"]


def test_the_sentence_that_holds_a_span():
    doc = Document("d", "قال بوتين. ثم ترامب")
    assert doc.sentence_holding(4, 9).index == 0
    assert doc.sentence_holding(14, 19).index == 1
    assert doc.sentence_holding(4, 19) is None  # across the cut
    assert doc.words == [(0, 3), (4, 9), (9, 10), (11, 13), (14, 19)]  # the full stop is a word


# --- property ----------------------------------------------------------------------------------

PIECES = [
    "أَجْرَى", "بوتيـــن", "وبوتين", "١٢٣", "١٢٣٫٥", "76.68", "14:00", "1,000", "Siemens", "ﻻ", "ب", "ـ",
    "\u064e", "\u0651", "👍", "🏽", "👍🏽", "🇸🇦", "❤️", "\u200d", "\u200c", "\u200f", "\u200e", "\u202b",
    "\u202c", "\ufeff", ".", "..", "!", "؟", "…", "،", ":", "%", "«", "»", '"', "(", ")", " ", "  ",
    "\n", "\r\n", "\t", "\u00a0", "\u2028", "5", "x",
]  # fmt: skip
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(
    alphabet=st.sampled_from(sorted(set("".join(PIECES)))), max_size=40
)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_words_and_sentences_properties(text):
    spans = words(text)
    prev_end = 0
    for s, e in spans:
        assert prev_end <= s < e <= len(text)  # ordered, non-overlapping, non-empty, within the text
        # The one invisible character a word may hold: a zero-width joiner between two emoji (👩‍💻).
        inner = [i for i in range(s, e) if is_separator(text[i])]
        assert all(text[i] == "\u200d" and s < i < e - 1 and not text[i - 1].isalnum() for i in inner)
        prev_end = e
    covered = {i for s, e in spans for i in range(s, e)}
    assert all(i in covered for i, ch in enumerate(text) if not is_separator(ch) and unicodedata.category(ch)[0] != "M")

    sent_spans = sentences(text)
    prev_end = 0
    for s, e in sent_spans:
        assert prev_end <= s < e <= len(text)
        assert not is_separator(text[s]) and not is_separator(text[e - 1])
        assert "\n" not in text[s:e] and "\r" not in text[s:e]
        prev_end = e
    for s, e in spans:  # every word lies inside exactly one sentence
        assert sum(1 for ss, se in sent_spans if ss <= s and e <= se) == 1
    # The loader segments words sentence by sentence: the same words as over the whole text.
    assert [w for ss, se in sent_spans for w in words(text, ss, se)] == spans


def test_a_title_abbreviation_ends_no_sentence():
    """«د. أحمد زويل» is one name in one sentence; a sentence ending in a one-letter word that is no
    title («عام 2020 م.») still ends there."""
    text = "قال د. أحمد زويل إن العلم مهم. ثم تحدث أ.د. سامي."
    assert [text[s:e] for s, e in sentences(text)] == ["قال د. أحمد زويل إن العلم مهم.", "ثم تحدث أ.د. سامي."]
    text = "ولد عام 1946 م. ثم سافر"
    assert [text[s:e] for s, e in sentences(text)] == ["ولد عام 1946 م.", "ثم سافر"]
    text = "فيتامين د. ثم"  # a one-letter word that ends the sentence is taken as a title: the known cost
    assert len(sentences(text)) == 1
