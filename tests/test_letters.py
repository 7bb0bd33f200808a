"""One place folds Arabic letters and digits (data/letters.py); each consumer folds what its purpose allows."""

from arabic_news_tagger.data.letters import ALEF_FORMS, EASTERN_DIGITS, MATCHING, PERSIAN_LETTERS
from arabic_news_tagger.model.normalize import normalize_word
from arabic_news_tagger.model.values import quantity_value
from arabic_news_tagger.records import same_name


def test_a_name_typed_on_a_persian_keyboard_or_with_another_hamza_seat_is_the_same_name():
    assert same_name("بوتین", "بوتين")  # Persian yeh
    assert same_name("الرئیس الروسی فلادیمیر بوتین", "فلاديمير بوتين")
    assert same_name("سؤال", "سوال") and not same_name("بوتين", "ترامب")


def test_the_model_input_keeps_taa_marbuta_and_alef_forms_that_matching_folds():
    # The tokenizer's vocabulary has «ة» and «أ»: the input normalisation changes only what it lacks.
    assert normalize_word("مدرسۀ") == "مدرسة" and normalize_word("أمس") == "أمس"
    assert "مدرسۀ".translate(MATCHING) == "مدرسه" and "أمس".translate(MATCHING) == "امس"
    assert "مدرسۀ".translate(PERSIAN_LETTERS) == "مدرسة"
    assert "أإآٱ".translate(ALEF_FORMS) == "اااا" and "مئة".translate(ALEF_FORMS) == "مئة"


def test_three_digit_sets_read_as_one_number():
    assert "٢٠٢٥ ۲۰۲۵ 2025".translate(EASTERN_DIGITS) == "2025 2025 2025"
    assert quantity_value("۱۲۰")["value"] == quantity_value("١٢٠")["value"] == 120
    assert quantity_value("مائة")["value"] == quantity_value("مئة")["value"] == 100
