"""An analyst reads «اتصل بوتين بترامب اليوم الثلاثاء واستمر الاتصال ساعتين وخمس دقائق» and wants
dates, lengths and counts, not words: the values of docs/values.md, read from the span's text with
no model. Every table row is what the value format (docs/values.md) or the annotation guidelines
(data/VALUES.md) write for that text; none comes from a held-out document's gold."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from arabic_news_tagger.model.values import (KIND_OF_ENTITY, KIND_OF_ROLE, add_values, document_dates,
                                             duration_value, find_dateline, quantity_value, stream_dates,
                                             time_value, value_of)

TUESDAY = "2025-03-18"  # a Tuesday; Hijri 18 Ramadan 1446 by Umm al-Qura

# (text, document date, expected value dict or None)
TIMES = [
    # calendar dates, as far as the text says, both month systems and their pairings
    ("18 مارس/آذار 2025", None, {"value": "2025-03-18"}),
    ("آذار/مارس 2016", None, {"value": "2016-03"}),
    ("سبتمبر ( ايلول ) 2001", None, {"value": "2001-09"}),
    ("7 تشرين الثاني ( نوفمبر ) 1919", None, {"value": "1919-11-07"}),
    ("يناير / كانون ثان الماضي", None, {"value": "XXXX-01"}),
    ("كانون الثاني 2024", None, {"value": "2024-01"}),
    ("الحادي عشر من سبتمبر", None, {"value": "XXXX-09-11"}),
    ("التاسع والعشرين من حزيران", None, {"value": "XXXX-06-29"}),
    ("عام 1936", None, {"value": "1936"}),
    ("العام1980", None, {"value": "1980"}),
    ("1999م", None, {"value": "1999"}),
    ("شهر غشت المقبل", None, {"value": "XXXX-08"}),
    ("الأسبوع العاشر من عام 2016", None, {"value": "2016-W10"}),
    ("الربع الأول من 2016", None, {"value": "2016-Q1"}),
    ("النصف الثاني من 2016", None, {"value": "2016-H2"}),
    ("ربيع 2016", None, {"value": "2016-SP"}),
    ("القرن التاسع عشر", None, {"value": "18"}),
    ("الثمانينيات", None, {"value": "198"}),
    ("عام 500 قبل الميلاد", None, {"value": "BC0500"}),
    # Arabic-Indic and Eastern digits
    ("١٨ آذار ٢٠٢٥", None, {"value": "2025-03-18"}),
    ("۱۸ مارس ۲۰۲۵", None, {"value": "2025-03-18"}),
    # clock times and parts of day
    ("الساعة السابعة مساء", None, {"value": "XXXX-XX-XXT19:00"}),
    ("الساعة الثانية ليلا", None, {"value": "XXXX-XX-XXT02:00"}),
    ("الثالثة عصرا", None, {"value": "XXXX-XX-XXT15:00"}),
    ("الساعة 9:30 صباح 3 شباط 2016", None, {"value": "2016-02-03T09:30"}),
    ("الساعة الثامنة والنصف صباحا", None, {"value": "XXXX-XX-XXT08:30"}),
    ("صباح 3 شباط 2016", None, {"value": "2016-02-03TMO"}),
    ("30ر8", None, {"value": "XXXX-XX-XXT08:30"}),  # old news-wire typesetting of 8:30
    # relative expressions, without a document date ...
    ("اليوم", None, {"value": "DOC"}),
    ("بالأمس", None, {"value": "DOC-P1D"}),
    ("أول أمس", None, {"value": "DOC-P2D"}),
    ("غداً", None, {"value": "DOC+P1D"}),
    ("الأسبوع الماضي", None, {"value": "DOC-P1W"}),
    ("الشهر المقبل", None, {"value": "DOC+P1M"}),
    ("العام الماضي", None, {"value": "DOC-P1Y"}),
    ("العام الجاري", None, {"value": "DOC+P0Y"}),
    ("قبل يومين", None, {"value": "DOC-P2D"}),
    ("مساء أمس", None, {"value": "DOC-P1DTEV"}),
    ("الليلة الماضية", None, {"value": "DOC-P1DTNI"}),
    ("صباح اليوم", None, {"value": "DOCTMO"}),
    ("السادس من الشهر القادم", None, {"value": "DOC+P1M"}),
    ("اليوم الثلاثاء", None, {"value": "XXXX-WXX-2"}),
    ("مساء الثلاثاء", None, {"value": "XXXX-WXX-2TEV"}),
    ("السبت المقبل", None, {"value": "XXXX-WXX-6"}),
    ("وفي الأحد الماضي", None, {"value": "XXXX-WXX-7"}),
    ("يوم الخميس", None, {"value": "XXXX-WXX-4"}),
    # ... and with one (Tuesday 18 March 2025)
    ("اليوم الثلاثاء", TUESDAY, {"value": "2025-03-18"}),
    ("أمس", TUESDAY, {"value": "2025-03-17"}),
    ("مساء الثلاثاء", TUESDAY, {"value": "2025-03-18TEV"}),
    ("السبت المقبل", TUESDAY, {"value": "2025-03-22"}),
    ("الأحد الماضي", TUESDAY, {"value": "2025-03-16"}),
    ("يوم الثلاثاء القادم", TUESDAY, {"value": "2025-03-25"}),
    ("الأسبوع الماضي", TUESDAY, {"value": "2025-W11"}),
    ("مطلع الأسبوع المقبل", TUESDAY, {"value": "2025-W13", "mod": "START"}),
    ("الشهر المقبل", TUESDAY, {"value": "2025-04"}),
    ("السادس من الشهر القادم", TUESDAY, {"value": "2025-04-06"}),
    ("العام الماضي", TUESDAY, {"value": "2024"}),
    ("يوليو / تموز الماضي", TUESDAY, {"value": "2024-07"}),
    ("سبتمبر / أيلول المقبل", TUESDAY, {"value": "2025-09"}),
    ("19 مارس", TUESDAY, {"value": "2025-03-19"}),
    ("قبل ثلاثة أيام", TUESDAY, {"value": "2025-03-15"}),
    ("ليلة امس", TUESDAY, {"value": "2025-03-17TNI"}),
    # Hijri: the Gregorian date by Umm al-Qura, the Hijri one kept
    ("18 رمضان 1446", None, {"value": "2025-03-18", "hijri": "1446-09-18"}),
    ("١٨ رمضان ١٤٤٦هـ", None, {"value": "2025-03-18", "hijri": "1446-09-18"}),
    ("الأول من محرم 1447", None, {"value": "2025-06-26", "hijri": "1447-01-01"}),
    ("صبيحة اليوم التاسع عشر من شهر رمضان", TUESDAY, {"value": "2025-03-19", "hijri": "1446-09-19"}),
    ("رمضان 1446", None, {"value": "2025-03-01", "value_max": "2025-03-29", "mod": "RANGE", "hijri": "1446-09"}),
    ("شهر رمضان", None, {"hijri": "XXXX-09"}),  # no year, no document date: no Gregorian value
    ("21 من رمضان سنة 40 للهجرة", None, {"hijri": "0040-09-21"}),  # before the Umm al-Qura tables
    # qualifiers (mod) and ranges
    ("نهاية أغسطس / آب الماضي", None, {"value": "XXXX-08", "mod": "END"}),
    ("منتصف الأسبوع المقبل", None, {"value": "DOC+P1W", "mod": "MID"}),
    ("أوائل التسعينيات من القرن الماضي", None, {"value": "199", "mod": "START"}),
    ("قبل عام 2000", None, {"value": "2000", "mod": "BEFORE"}),
    ("نحو الساعة العاشرة", None, {"value": "XXXX-XX-XXT10:00", "mod": "APPROX"}),
    ("عامي 1914 إلى 1918", None, {"value": "1914", "value_max": "1918", "mod": "RANGE"}),
    ("3-5 آذار 2016", None, {"value": "2016-03-03", "value_max": "2016-03-05", "mod": "RANGE"}),
    ("عامي 2002 و2003", None, {"value": "2002", "value_max": "2003", "mod": "RANGE"}),
    ("12 يوليو و14 اغسطس", None, {"value": "XXXX-07-12"}),  # two days, no range: the first
    # lengths in DATE and TIME spans get their duration, as TIMEX3 does
    ("ساعتين وخمس دقائق", None, {"value": "PT2H5M"}),
    ("ثلاث سنوات", None, {"value": "P3Y"}),
    ("الأشهر الستة الماضية", None, {"value": "P6M"}),
    # no time a value could carry
    ("في وقت لاحق", None, None),
    ("حينها", None, None),
    ("المستقبل", None, None),
    ("عدة أشهر", None, None),
    ("قبل أيام", None, None),
    ("الأسبوع الأول", None, None),
    ("اليوم التالي", None, None),
    ("الحرب العالمية الثانية", None, None),
    ("الدقيقة 38", None, None),
]

DURATIONS = [
    ("ساعتين وخمس دقائق", {"value": "PT2H5M"}),
    ("ساعة ونصف", {"value": "PT1H30M"}),
    ("أكثر من ساعة ونصف", {"value": "PT1H30M", "mod": "MORE_THAN"}),
    ("نحو ساعة", {"value": "PT1H", "mod": "APPROX"}),
    ("ما لا يقل عن ثلاثة أيام", {"value": "P3D", "mod": "EQUAL_OR_MORE"}),
    ("ما لا يزيد عن 90 دقيقة", {"value": "PT90M", "mod": "EQUAL_OR_LESS"}),  # the text's units, not PT1H30M
    ("أقل من ساعتين", {"value": "PT2H", "mod": "LESS_THAN"}),
    ("قرابة عامين", {"value": "P2Y", "mod": "APPROX"}),
    ("ساعتين تقريبا", {"value": "PT2H", "mod": "APPROX"}),
    ("ثلاثة أيام على الأقل", {"value": "P3D", "mod": "EQUAL_OR_MORE"}),
    ("حتى ثلاث ساعات", {"value": "PT3H", "mod": "EQUAL_OR_LESS"}),
    ("يومين", {"value": "P2D"}),
    ("أسبوعين", {"value": "P2W"}),
    ("5 شهور", {"value": "P5M"}),
    ("11 يوما", {"value": "P11D"}),
    ("ثمانية عشر شهرا", {"value": "P18M"}),
    ("لخمس سنوات", {"value": "P5Y"}),
    ("اربعة اعوام", {"value": "P4Y"}),
    ("ليوم واحد", {"value": "P1D"}),
    ("عام", {"value": "P1Y"}),
    ("نصف ساعة", {"value": "PT30M"}),
    ("ثلاثة أرباع الساعة", {"value": "PT45M"}),
    ("سنة ونصف", {"value": "P1Y6M"}),
    ("نصف يوم", {"value": "PT12H"}),
    ("بين ساعتين وثلاث ساعات", {"value": "PT2H", "value_max": "PT3H", "mod": "RANGE"}),
    ("ثلاث الي خمس سنوات قادمة", {"value": "P3Y", "value_max": "P5Y", "mod": "RANGE"}),
    ("ساعات", None),  # a plural unit without a count
    ("عدة أسابيع", None),
    ("النهار", None),
]

QUANTITIES = [
    ("175 أسيرا", {"value": 175}),  # the counted noun ignored
    ("1,500", {"value": 1500}),
    ("١٥٠٠", {"value": 1500}),
    ("۲۵۰", {"value": 250}),
    ("2.5", {"value": 2.5}),
    ("2,5", {"value": 2.5}),  # a decimal comma
    ("76.68%", {"value": 76.68}),
    ("عشرة في المائة", {"value": 10}),
    ("46ر427", {"value": 427.46}),  # old news-wire typesetting
    ("ثلاثة", {"value": 3}),
    ("ثلاث", {"value": 3}),
    ("عشرين", {"value": 20}),
    ("ثلاثون", {"value": 30}),
    ("خمسة وعشرين", {"value": 25}),
    ("أحد عشر", {"value": 11}),
    ("بست عشرة", {"value": 16}),
    ("مائة", {"value": 100}),
    ("مئتين", {"value": 200}),
    ("ثلاثمائة", {"value": 300}),
    ("ثلاث مئة", {"value": 300}),
    ("ألف", {"value": 1000}),
    ("ألفين", {"value": 2000}),
    ("ثلاثة آلاف", {"value": 3000}),
    ("10 الاف", {"value": 10000}),
    ("ثلاثة آلاف وخمسمائة وعشرون", {"value": 3520}),
    ("نصف مليون", {"value": 500000}),
    ("ربع مليون", {"value": 250000}),
    ("خمسة ملايين ونصف مليون", {"value": 5500000}),
    ("2.5 مليون", {"value": 2500000}),
    ("5مليون", {"value": 5000000}),
    ("تسعة أعشار", {"value": 0.9}),
    ("نصف", {"value": 0.5}),
    ("أسيرين", {"value": 2}),  # a dual noun counts two
    ("والثلاثة", {"value": 3}),
    ("ال46", {"value": 46}),
    ("أكثر من 100", {"value": 100, "mod": "MORE_THAN"}),
    ("حوالى100 الف", {"value": 100000, "mod": "APPROX"}),
    ("ما يزيد على ألفي شخص", {"value": 2000, "mod": "MORE_THAN"}),
    ("بين 10 و20", {"value": 10, "value_max": 20, "mod": "RANGE"}),
    ("10-20", {"value": 10, "value_max": 20, "mod": "RANGE"}),
    ("12 جنديا و15 مدنيا", {"value": 12}),  # two counts: the first, never their sum
    ("9 مقابل 9", {"value": 9}),
    ("عشرات", None),
    ("مئات الآلاف", None),
    ("بالآلاف", None),
    ("ثلث", None),  # a fraction no decimal writes
]


@pytest.mark.parametrize("text, document_date, expected", TIMES)
def test_a_time_span_gets_its_timex3_value(text, document_date, expected):
    assert time_value(text, document_date) == expected


@pytest.mark.parametrize("text, expected", DURATIONS)
def test_a_duration_span_gets_its_iso_duration_and_qualifier(text, expected):
    assert duration_value(text) == expected


@pytest.mark.parametrize("text, expected", QUANTITIES)
def test_a_count_gets_its_number(text, expected):
    assert quantity_value(text) == expected


def test_a_document_date_is_a_date_an_iso_string_or_a_datetime_and_gives_the_same_value():
    for date in (dt.date(2025, 3, 18), "2025-03-18", dt.datetime(2025, 3, 18, 9, 30), "2025-03-18T09:30:00"):
        assert time_value("أمس", date) == {"value": "2025-03-17"}, date


GARBAGE = ["", "   ", "Hello, world.", "Putin called Trump on Tuesday.", "123456789012345678901234567890",
           "؟؟؟ ... ///", "ـــــ", "\u200f\u202b", "و", "ال", "في من على", "👍🏽🇷🇺", "٪٪٪", "1ر", "ر2", "-", "9:99",
           "بين و", "إلى", "الساعة", "الساعة 99", "عام 99999999999999", "32 مارس 2025", "29 فبراير 2023",
           "0 رمضان 1446", "الأسبوع 60 من 2016", "نصف نصف نصف", "ألف ألف ألف مليون", "1" * 5000, "أمس " * 2000]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_english_and_empty_text_give_none_or_a_value_never_an_exception(text):
    for kind in ("time", "duration", "quantity"):
        for date in (None, TUESDAY):
            got = value_of(kind, text, date)
            assert got is None or (isinstance(got, dict) and set(got) <= {"value", "mod", "hijri", "value_max"}), got
            json.dumps(got)  # what predict() returns must be JSON
    for text_value in ("", "Hello", "   "):
        assert value_of("time", text_value) is None and value_of("quantity", text_value) is None


def test_impossible_dates_are_not_written():
    assert time_value("32 مارس 2025") == {"value": "2025-03"}  # 32 is no day of a month
    assert time_value("29 فبراير 2023") is None
    assert time_value("29 فبراير 2024") == {"value": "2024-02-29"} and time_value("29 فبراير") == {"value": "XXXX-02-29"}
    assert time_value("عام 99999999999999") is None
    assert quantity_value(None) is None and time_value(5) is None  # not text: nothing said


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="kind: expected 'time', 'duration' or 'quantity', got 'money'"):
        value_of("money", "5 دولارات")


def test_the_kinds_are_those_of_the_format():
    assert KIND_OF_ENTITY == {"DATE": "time", "TIME": "time", "CARDINAL": "quantity"}
    assert KIND_OF_ROLE == {"Time": "time", "Duration": "duration", "Quantity": "quantity"}


@pytest.mark.parametrize("text, expected", [
    ("وزير الخارجية يزور القاهرة\nتاريخ النشر: 18th, May 2025 GMT\nأعلنت الوزارة", "2025-05-18"),
    ("موسكو 18 مارس/آذار 2025 (رويترز) - قال الكرملين إن", "2025-03-18"),
    ("القاهرة 3 شباط/فبراير 2016 (أ ف ب) - أعلن", "2016-02-03"),
    ("واشنطن - ١٨ آذار ٢٠٢٥: أعلن البيت الأبيض", "2025-03-18"),
    ("Published: May 18, 2025\nنص الخبر", "2025-05-18"),
    ("نشر في 2025-05-18", "2025-05-18"),
    ("الرياض 18 رمضان 1446هـ (واس) - أعلن", "2025-03-18"),
    # a date in the body is no dateline
    ("قال الرئيس إن الحرب اندلعت في 4 يونيو 1967 وإن", None),
    ("اتصل بوتين بترامب اليوم الثلاثاء", None),
    ("", None),
])
def test_the_dateline_a_text_states_is_its_date(text, expected):
    assert find_dateline(text) == (dt.date.fromisoformat(expected) if expected else None)


def _span(text, part, label_key, label):
    start = text.index(part)
    return {label_key: label, "text": part, "start": start, "end": start + len(part), "score": 0.9}


TEXT = ("تاريخ النشر: 18th, May 2025 GMT\n"
        "أجرى الرئيس الروسي فلاديمير بوتين أمس اتصالا هاتفيا بنظيره الأمريكي استمر أكثر من ساعة ونصف، "
        "وأفرج الجانبان عن 175 أسيرا.")


def _result():
    return {"entities": [_span(TEXT, "فلاديمير بوتين", "type", "PERS"), _span(TEXT, "أمس", "type", "DATE"),
                         _span(TEXT, "ساعة ونصف", "type", "TIME"), _span(TEXT, "175", "type", "CARDINAL")],
            "events": [{"type": "CALL", "trigger": {"text": "اتصالا", "start": TEXT.index("اتصالا"),
                                                    "end": TEXT.index("اتصالا") + 6, "score": 0.9},
                        "arguments": [_span(TEXT, "فلاديمير بوتين", "role", "Participant"),
                                      _span(TEXT, "أمس", "role", "Time"),
                                      _span(TEXT, "ساعة ونصف", "role", "Duration"),
                                      _span(TEXT, "175 أسيرا", "role", "Quantity")]}]}


def test_add_values_values_every_span_of_a_kind_reads_qualifiers_beside_it_and_says_where_the_date_came_from():
    result = add_values(_result(), text=TEXT)
    assert result["document_date"] == {"value": "2025-05-18", "source": "dateline"}
    entities = {e["text"]: e for e in result["entities"]}
    assert "value" not in entities["فلاديمير بوتين"]
    assert entities["أمس"]["value"] == "2025-05-17"
    # «أكثر من» is outside the span, as the corpus annotates it: the mod is read beside it.
    assert (entities["ساعة ونصف"]["value"], entities["ساعة ونصف"]["mod"]) == ("PT1H30M", "MORE_THAN")
    assert entities["175"]["value"] == 175 and "mod" not in entities["175"]
    args = {a["role"]: a for a in result["events"][0]["arguments"]}
    assert args["Time"]["value"] == "2025-05-17"
    assert args["Duration"] == {**_span(TEXT, "ساعة ونصف", "role", "Duration"), "value": "PT1H30M", "mod": "MORE_THAN"}
    assert args["Quantity"]["value"] == 175 and "value" not in args["Participant"]
    # The caller's date wins over the dateline.
    again = add_values(_result(), "2025-03-18", text=TEXT)
    assert again["document_date"] == {"value": "2025-03-18", "source": "caller"}
    assert {e["text"]: e for e in again["entities"]}["أمس"]["value"] == "2025-03-17"
    # No caller date and no text: unknown, and «أمس» stays relative.
    unknown = add_values(_result())
    assert unknown["document_date"] == {"value": None, "source": "unknown"}
    assert {e["text"]: e for e in unknown["entities"]}["أمس"]["value"] == "DOC-P1D"
    json.dumps(result, ensure_ascii=False)


def test_add_values_replaces_stale_values_and_leaves_other_keys():
    result = _result()
    result["entities"][1].update(value="1999", mod="END", hijri="1420", value_max="2000")
    add_values(result, TUESDAY)
    assert {k: result["entities"][1][k] for k in ("value",)} == {"value": "2025-03-17"}
    assert not {"mod", "hijri", "value_max"} & set(result["entities"][1])
    assert result["entities"][1]["score"] == 0.9


def test_the_html_page_and_the_document_model_read_results_that_carry_values():
    from arabic_news_tagger.data.document import Document
    from arabic_news_tagger.render import to_brat, to_conll, to_html

    result = add_values(_result(), text=TEXT)
    doc = Document.from_dict(TEXT, result)
    assert [e.text for e in doc.entities] == ["فلاديمير بوتين", "أمس", "ساعة ونصف", "175"]
    page = to_html([(TEXT, result)])
    assert "ساعة ونصف" in page
    assert to_conll(TEXT, result) and "T1\tPERS" in to_brat(TEXT, result)


@pytest.mark.parametrize("bad, message", [
    ("2025-13-01", "document_date: '2025-13-01' is not a date"),
    ("18/03/2025", "document_date: '18/03/2025' is not a date"),
    (20250318, "document_date: expected a date"),
    (["2025-03-18", "tomorrow"], r"document_date\[1\]: 'tomorrow' is not a date"),
    (["2025-03-18"], "document_date: 1 dates for 2 texts"),
])
def test_a_bad_document_date_names_the_argument_and_the_index(bad, message):
    with pytest.raises(ValueError, match=message):
        document_dates(bad, 2)


def test_a_stream_of_texts_takes_one_date_or_one_per_text():
    one = stream_dates("2025-03-18")
    assert [next(one) for _ in range(3)] == [dt.date(2025, 3, 18)] * 3
    each = stream_dates(["2025-03-18", None])
    assert [next(each), next(each)] == [dt.date(2025, 3, 18), None]
    with pytest.raises(ValueError, match="document_date: 2 dates for more texts"):
        next(each)
    with pytest.raises(ValueError, match=r"document_date\[0\]"):
        stream_dates(["x"])  # checked before any text is read


def test_archive_rows_carry_their_date_and_a_bad_one_names_the_file_and_line(tmp_path):
    from arabic_news_tagger.model.archive import read_archive

    archive = tmp_path / "news.jsonl"
    archive.write_text('{"id": "a", "text": "نص", "date": "2025-03-18"}\n{"id": "b", "text": "نص"}\n', encoding="utf-8")
    assert read_archive(archive, with_dates=True) == [("a", "نص", dt.date(2025, 3, 18)), ("b", "نص", None)]
    assert read_archive(archive) == [("a", "نص"), ("b", "نص")]
    archive.write_text('{"text": "نص"}\n{"text": "نص", "date": "18 March"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r'news\.jsonl:2: "date": \'18 March\' is not a date'):
        read_archive(archive)


def test_the_predict_command_refuses_a_bad_document_date_before_loading_anything(capsys):
    from arabic_news_tagger.cli import main

    with pytest.raises(SystemExit):
        main(["predict", "--model", "/no/such/model", "--document-date", "2025-02-30", "x.txt"])
    assert "--document-date: '2025-02-30' is not a date" in capsys.readouterr().err


def test_predict_gives_values_and_the_document_date(tiny_model):
    from arabic_news_tagger import predict
    from arabic_news_tagger.model.predict import predict_stream

    text = ("أجرى الرئيس الروسي فلاديمير بوتين اليوم الثلاثاء محادثة هاتفية مع الرئيس الأمريكي دونالد ترامب "
            "استمرت ساعتين وخمس دقائق")
    result = predict(text, model=tiny_model, document_date="2025-03-18")
    assert result["document_date"] == {"value": "2025-03-18", "source": "caller"}
    valued = [s for s in result["entities"] if s["type"] in KIND_OF_ENTITY] + \
             [a for ev in result["events"] for a in ev["arguments"] if a["role"] in KIND_OF_ROLE]
    # tiny learnt these spans from the training articles; each gets the value its text says.
    assert valued, result
    for span in valued:
        kind = KIND_OF_ENTITY.get(span.get("type")) or KIND_OF_ROLE[span["role"]]
        want = value_of(kind, span["text"], "2025-03-18")
        if want:
            assert span["value"] == want["value"], span
    assert {s["text"]: s.get("value") for s in valued}.items() >= {"ساعتين وخمس دقائق": "PT2H5M"}.items()
    # Without a date the weekday stays a weekday, and the result says the date is unknown.
    unknown = predict([text, "Hello"], model=tiny_model)
    assert [r["document_date"]["source"] for r in unknown] == ["unknown", "unknown"]
    assert predict_stream([text], model=tiny_model, document_date=["2025-03-18"]).__next__() == result
    with pytest.raises(ValueError, match=r"document_date\[1\]"):
        predict([text, text], model=tiny_model, document_date=["2025-03-18", "soon"])
