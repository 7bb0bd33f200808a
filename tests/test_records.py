"""Event records: the mentions of one real-world event, within an article and across articles, become
one record with its date, duration and participants, each traceable to the sentence it came from.

The tagged documents here are built by hand in the form `arabic-news-tagger predict` writes (values
as the values module puts them, docs/records.md), so the grouping is tested apart from any model.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from arabic_news_tagger.cli import main as cli_main
from arabic_news_tagger.records import (build_records, dates_compatible, durations_compatible, name_tokens,
                                        read_tagged, same_name)
from arabic_news_tagger.render import to_html


def tagged(doc_id: str, text: str, events: list, date: str | None = None, keep_text: bool = True) -> dict:
    """A tagged document: each event is (type, trigger, [(role, text, value?, mod?), ...]); spans are
    found in ``text`` left to right from the trigger's sentence, so repeated words get their own offsets."""
    out_events = []
    cursor = 0
    for etype, trigger, args in events:
        t0 = text.index(trigger, cursor)
        cursor = t0 + len(trigger)
        arguments = []
        for arg in args:
            role, piece, *rest = arg
            sentence_start = max(text.rfind("\n", 0, t0), 0)
            a0 = text.index(piece, sentence_start)
            a = {"role": role, "text": piece, "start": a0, "end": a0 + len(piece)}
            if rest and rest[0] is not None:
                a["value"] = rest[0]
            if len(rest) > 1 and rest[1]:
                a["mod"] = rest[1]
            arguments.append(a)
        out_events.append({"type": etype, "trigger": {"text": trigger, "start": t0, "end": t0 + len(trigger)},
                           "arguments": arguments})
    doc = {"document": doc_id, "entities": [], "events": out_events,
           "document_date": {"value": date, "source": "caller" if date else "unknown"}}
    if keep_text:
        doc["text"] = text
    return doc


ARTICLE = (
    "ترامب يهاتف بوتين: تمهيد لقمة ثنائية؟\n"
    "هاتف الرئيس الأميركي دونالد ترامب، اليوم الثلاثاء، نظيره الروسي فلاديمير بوتين، وبحثا القضية السورية.\n"
    "وأضاف البيان أن الجانبين بحثا ملفات أخرى.\n"
    "وقال بيسكوف للصحفيين: \"كانت محادثة إيجابية جدا، استمرت نحو ساعة ونصف\".\n"
)
ARTICLE_EVENTS = [
    ("CALL", "يهاتف", [("Participant", "ترامب"), ("Participant", "بوتين")]),
    ("CALL", "هاتف", [("Participant", "الرئيس الأميركي دونالد ترامب"), ("Time", "اليوم الثلاثاء", "2025-03-18"),
                      ("Participant", "نظيره الروسي فلاديمير بوتين"), ("Topic", "القضية السورية")]),
    ("CALL", "محادثة", [("Duration", "نحو ساعة ونصف", "PT1H30M", "APPROX")]),
]


def test_the_same_call_in_headline_lead_and_quote_is_one_record():
    records = list(build_records([tagged("002", ARTICLE, ARTICLE_EVENTS, date="2025-03-18")]))

    assert len(records) == 1
    call = records[0]
    assert call["type"] == "CALL"
    assert [m["text"] for m in call["mentions"]] == ["يهاتف", "هاتف", "محادثة"]
    assert call["participants"] == ["دونالد ترامب", "فلاديمير بوتين"]
    assert call["date"]["value"] == "2025-03-18" and call["date"]["text"] == "اليوم الثلاثاء"
    assert call["duration"] == {"value": "PT1H30M", "mod": "APPROX", "text": "نحو ساعة ونصف", "document": "002",
                                "start": ARTICLE.index("نحو ساعة ونصف"), "end": ARTICLE.index("نحو ساعة ونصف") + 13}
    assert call["topics"] == ["القضية السورية"]
    # Every claim points back to its source: mentions carry their sentence, arguments their mention.
    for m in call["mentions"]:
        assert m["text"] in m["sentence"] and ARTICLE[m["start"]:m["end"]] == m["text"]
    assert call["mentions"][2]["sentence"].startswith("وقال بيسكوف")
    duration_arg = next(a for a in call["arguments"] if a["role"] == "Duration")
    assert call["mentions"][duration_arg["mention"]]["text"] == "محادثة"


def test_without_the_text_the_quote_still_joins_its_call_by_distance():
    records = list(build_records([tagged("002", ARTICLE, ARTICLE_EVENTS, keep_text=False)]))

    assert len(records) == 1 and len(records[0]["mentions"]) == 3
    assert "sentence" not in records[0]["mentions"][0]


def test_a_quote_beyond_the_window_from_every_call_of_an_article_with_two_calls_stands_alone():
    text = ("اتصل بوتين مع ترامب.\n" + "جملة أخرى.\n" * 6 + "اتصل بوتين مع زيلينسكي.\n" + "جملة أخرى.\n" * 6
            + "وكانت المكالمة طويلة.\n")
    events = [("CALL", "اتصل", [("Participant", "بوتين"), ("Participant", "ترامب")]),
              ("CALL", "اتصل", [("Participant", "بوتين"), ("Participant", "زيلينسكي")]),
              ("CALL", "المكالمة", [])]

    records = list(build_records([tagged("d", text, events)], window=2))

    assert [r["participants"] for r in records] == [["بوتين", "ترامب"], ["بوتين", "زيلينسكي"], []]
    # At any distance (the default) it is the nearest call's.
    nearest = list(build_records([tagged("d", text, events)]))
    assert [len(r["mentions"]) for r in nearest] == [1, 2]


def _call(doc_id, date, when=None, duration=None, names=("فلاديمير بوتين", "دونالد ترامب")):
    """A one-sentence article about a call: ``when`` and ``duration`` are (text, value[, mod])."""
    text = (f"أجرى {names[0]} اتصالا هاتفيا مع {names[1]}" + (f" {when[0]}" if when else "")
            + (f"، استمر {duration[0]}" if duration else "") + ".")
    args = [("Participant", names[0]), ("Participant", names[1])] + ([("Time", *when)] if when else [])
    if duration:
        args.append(("Duration", *duration))
    return tagged(doc_id, text, [("CALL", "اتصالا هاتفيا", args)], date=date)


def test_two_calls_on_different_dates_are_two_records_and_a_later_report_joins_its_call():
    docs = [
        _call("a", "2025-05-19", ("اليوم الاثنين", "2025-05-19"), ("ساعتين وخمس دقائق", "PT2H5M")),
        _call("b", "2025-05-03", ("أمس الجمعة", "2025-05-02")),
        # Monday without a date: XXXX-WXX-1 fits 2025-05-19 (a Monday); more than two hours fits 2h05.
        _call("c", "2025-05-20", ("يوم الاثنين", "XXXX-WXX-1"), ("أكثر من ساعتين", "PT2H", "MORE_THAN")),
    ]
    records = list(build_records(docs))

    by_date = {r["date"]["value"]: r for r in records}
    assert sorted(by_date) == ["2025-05-02", "2025-05-19"]
    assert [m["document"] for m in by_date["2025-05-19"]["mentions"]] == ["a", "c"]
    assert by_date["2025-05-19"]["duration"]["value"] == "PT2H5M"
    assert by_date["2025-05-02"]["documents"] == ["b"]


def test_a_call_about_an_hour_and_a_half_is_not_the_call_of_two_hours_five_minutes():
    docs = [_call("a", "2025-05-19", duration=("ساعتين وخمس دقائق", "PT2H5M")),
            _call("b", "2025-05-20", duration=("نحو ساعة ونصف", "PT1H30M", "APPROX"))]
    assert len(list(build_records(docs))) == 2


@pytest.mark.parametrize("a, b, same", [
    ("بوتين", "فلاديمير بوتين", True),
    ("فلاديمير بوتين", "الرئيس الروسي فلاديمير بوتين", True),
    ("وترامب", "نظيره الأمريكي دونالد ترامب", True),
    ("لبوتين", "بوتين", True),
    ("بُوتِين", "بوتـــين", True),                     # diacritics, tatweel
    ("إيمانويل ماكرون", "ايمانويل ماكرون", True),        # alef forms
    ("سلطنة عمان", "سلطنه عمان", True),                 # taa marbuta
    ("الولايات المتحدة", "الولايات المتحدة الأمريكية", True),
    ("رئيس الولايات المتحدة دونالد ترامب", "ترامب", True),
    ("دونالد ترامب", "إيفانكا ترامب", False),
    ("بوتين", "زيلينسكي", False),
    ("الرئيس", "الرئيس بوتين", False),                  # a title names nobody
])
def test_names_match_across_spellings_short_forms_and_titles(a, b, same):
    assert same_name(a, b) is same


def test_titles_descriptors_and_collectives_are_not_names_and_a_capital_is_its_country():
    assert name_tokens("الرئيس الروسي") == ()
    assert name_tokens("الزعيمان") == () and name_tokens("البلدين") == ()
    assert same_name("موسكو", "روسيا") and same_name("واشنطن", "الولايات المتحدة الأمريكية")
    assert not same_name("موسكو", "أوكرانيا")
    assert name_tokens("رئيس أميركي") == ()
    assert name_tokens("الناطق باسم الكرملين دميتري بيسكوف") == ("دميتري", "بيسكوف")
    assert name_tokens("ألكسندر فينيك") == ("الكسندر", "فينيك")  # «أل» of a name is no article


def test_names_in_three_forms_across_three_articles_make_one_record_with_the_fullest_names():
    docs = [_call("a", "2025-05-19", ("اليوم", "2025-05-19"), names=("بوتين", "ترامب")),
            _call("b", "2025-05-19", ("اليوم", "2025-05-19"), names=("فلاديمير بوتين", "دونالد ترامب")),
            _call("c", "2025-05-20", ("أمس", "2025-05-19"),
                  names=("الرئيس الروسي فلاديمير بوتين", "نظيره الأمريكي دونالد ترامب")),
            _call("d", "2025-05-19", ("اليوم", "2025-05-19"), names=("بوتين", "زيلينسكي"))]
    records = list(build_records(docs))

    assert [(r["participants"], r["documents"]) for r in records] == [
        (["فلاديمير بوتين", "دونالد ترامب"], ["a", "b", "c"]),
        (["بوتين", "زيلينسكي"], ["d"]),
    ]


@pytest.mark.parametrize("a, b, same_document, ok", [
    ("2025-03-18", "2025-03-18", True, True),
    ("2025-03", "2025-03-18", True, True),
    ("2025-03-18", "2025-03-19", True, False),
    ("2025", "2024-12-31", True, False),
    ("XXXX-WXX-2", "2025-03-18", True, True),      # a Tuesday
    ("XXXX-WXX-3", "2025-03-18", True, False),
    ("XXXX-03-18", "2025-03-18T19:00", True, True),
    ("2025-W12", "2025-03-18", True, True),
    ("DOC", "DOC-P1D", True, False),               # today and yesterday of one article
    ("DOC", "DOC-P1D", False, True),               # of two undated articles: unknown
    (None, "2025-03-18", True, True),
])
def test_dates_are_compatible_as_far_as_both_are_known(a, b, same_document, ok):
    assert dates_compatible(a, b, same_document=same_document) is ok


def test_before_and_after_constrain_nothing_and_durations_are_intervals():
    assert dates_compatible("2025-03-18", "2025-01-01", mod_b="BEFORE")
    assert durations_compatible("PT1H30M", "PT2H5M", mod_a="MORE_THAN")
    assert not durations_compatible("PT1H30M", "PT2H5M", mod_a="APPROX")
    assert not durations_compatible("PT1H30M", "PT2H5M")
    assert durations_compatible("PT90M", "PT1H30M")
    assert durations_compatible(None, "PT2H")


def test_records_score_against_gold_clusters_by_mention_keys():
    from arabic_news_tagger.evaluate.clustering import bcubed, pairwise
    from arabic_news_tagger.records import mention_clusters

    records = list(build_records([tagged("002", ARTICLE, ARTICLE_EVENTS)]))
    keys = [("002", e["trigger"]["start"], e["trigger"]["end"], "CALL") for e in tagged("002", ARTICLE, ARTICLE_EVENTS)["events"]]
    assert mention_clusters(records) == [frozenset(keys)]
    gold = [frozenset(keys[:2]), frozenset(keys[2:])]  # a gold that calls the quote another event
    assert pairwise(gold, mention_clusters(records)).precision == pytest.approx(1 / 3)
    assert bcubed(gold, mention_clusters(records)).recall == 1.0


def test_output_of_a_tagger_without_values_gets_them_from_the_values_module():
    pytest.importorskip("arabic_news_tagger.model.values")
    text = "تاريخ النشر: 18th, May 2025 GMT\nأكد الكرملين أن بوتين سيتحدث هاتفيا مع ترامب يوم الاثنين.\n"
    doc = tagged("004", text, [("CALL", "سيتحدث هاتفيا", [("Participant", "بوتين"), ("Participant", "ترامب"),
                                                          ("Time", "يوم الاثنين")])])
    del doc["document_date"]

    (record,) = build_records([doc])

    assert record["record_id"].startswith("call-2025-05-")  # the dateline dated the document
    assert record["date"]["value"] == "2025-05-19" and record["mentions"][0]["document_date"] == "2025-05-18"
    assert "value" not in doc["events"][0]["arguments"][2]  # the caller's dict is left as it was


class OnePass:
    """An iterable that can be read once only and tells how far it has been read."""

    def __init__(self, docs):
        self.docs, self.read, self.started = docs, 0, False

    def __iter__(self):
        assert not self.started, "the input was read twice"
        self.started = True
        for d in self.docs:
            self.read += 1
            yield d


def test_undated_documents_stream_through_one_at_a_time():
    docs = OnePass([tagged(f"u{i}", ARTICLE, ARTICLE_EVENTS) for i in range(50)])
    stream = build_records(docs)

    first = next(stream)
    assert first["record_id"] == "call-doc1-1" and docs.read == 1  # out before the next document is read
    rest = list(stream)
    assert len(rest) == 49 and docs.read == 50


def test_dated_documents_wait_on_disk_by_type_and_month_and_memory_holds_one_block():
    months = ["2025-01", "2025-02", "2025-03"]
    days = [f"{months[i % 3]}-1{(i // 3) % 9}" for i in range(90)]  # 30 articles a month, on 9 days
    docs = OnePass([_call(f"m{i}", day, ("اليوم", day)) for i, day in enumerate(days)])
    stats: dict = {}
    records = list(build_records(docs, stats=stats))

    assert stats["mentions"] == 90 and stats["largest_block"] == 30  # one month, never the archive
    assert [r["record_id"] for r in records][:1] == ["call-2025-01-1"]
    assert [r["date"]["value"][:7] for r in records] == sorted(r["date"]["value"][:7] for r in records)
    assert len(records) == 27  # 3 months x 9 days


def test_undated_together_links_undated_articles_and_alone_does_not():
    docs = [_call("a", None), _call("b", None)]
    assert len(list(build_records(docs))) == 2
    together = list(build_records(docs, undated="together"))
    assert [r["documents"] for r in together] == [["a", "b"]]


def test_an_article_settles_its_own_mentions_before_they_are_linked_to_another_article():
    # Each article names the call in one sentence and gives its length in a quote without names:
    # the quotes' durations keep the two calls apart.
    def article(doc_id, duration):
        text = f"أجرى بوتين اتصالا هاتفيا مع ترامب.\nوقال المتحدث إن المكالمة استمرت {duration[0]}.\n"
        return tagged(doc_id, text, [("CALL", "اتصالا هاتفيا", [("Participant", "بوتين"), ("Participant", "ترامب")]),
                                     ("CALL", "المكالمة", [("Duration", *duration)])])

    docs = [article("a", ("ساعتين وخمس دقائق", "PT2H5M")), article("b", ("نحو ساعة ونصف", "PT1H30M", "APPROX"))]
    records = list(build_records(docs, undated="together"))

    assert [(r["documents"], len(r["mentions"]), r["duration"]["value"]) for r in records] == [
        (["a"], 2, "PT2H5M"), (["b"], 2, "PT1H30M")]


def test_two_calls_of_one_article_stay_two_when_a_third_article_could_link_them():
    one = tagged("one", "اتصل بوتين مع ترامب صباحا.\nثم اتصل بوتين مع ترامب مساء.\n",
                 [("CALL", "اتصل", [("Participant", "بوتين"), ("Participant", "ترامب"), ("Time", "صباحا", "DOC")]),
                  ("CALL", "اتصل", [("Participant", "بوتين"), ("Participant", "ترامب"), ("Time", "مساء", "DOC-P1D")])])
    other = _call("other", None)
    records = list(build_records([one, other], undated="together"))

    assert sorted(len(r["mentions"]) for r in records) == [1, 2]
    assert all(len([m for m in r["mentions"] if m["document"] == "one"]) <= 1 for r in records)


def _write_jsonl(path, docs):
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def test_the_records_command_writes_jsonl_csv_and_parquet(tmp_path, capsys):
    import pyarrow.parquet as pq

    docs = [tagged("002", ARTICLE, ARTICLE_EVENTS, date="2025-03-18"),
            _call("b", "2025-05-03", ("أمس الجمعة", "2025-05-02"))]
    for d in docs:
        del d["text"]  # as predict writes it
    src = _write_jsonl(tmp_path / "tagged.jsonl", docs)

    for suffix in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"records.{suffix}"
        assert cli_main(["records", "--input", str(src), "--output", str(out)]) == 0
        assert "4 event mentions in 2 documents -> 2 records" in capsys.readouterr().err
    lines = [json.loads(x) for x in (tmp_path / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["date"]["value"] for r in lines] == ["2025-03-18", "2025-05-02"]
    rows = list(csv.DictReader((tmp_path / "records.csv").open(encoding="utf-8")))
    assert rows[0]["date"] == "2025-03-18" and rows[0]["duration_mod"] == "APPROX"
    assert json.loads(rows[0]["participants"]) == ["دونالد ترامب", "فلاديمير بوتين"]
    assert len(json.loads(rows[0]["mentions"])) == 3
    table = pq.read_table(tmp_path / "records.parquet").to_pylist()
    assert table[1]["participants"] == ["فلاديمير بوتين", "دونالد ترامب"]
    assert table[1]["date_text"] == "أمس الجمعة"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_without_output_the_records_are_printed_to_read_and_type_keeps_some(tmp_path, capsys):
    docs = [tagged("002", ARTICLE, [ARTICLE_EVENTS[0], ("MEET", "لقمة", []), *ARTICLE_EVENTS[1:]], date="2025-03-18")]
    src = _write_jsonl(tmp_path / "tagged.jsonl", docs)

    assert cli_main(["records", "--input", str(src), "--type", "CALL"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("call-2025-03-1  CALL  date: 2025-03-18 «اليوم الثلاثاء»  duration: PT1H30M APPROX "
                          "«نحو ساعة ونصف»  participants: دونالد ترامب، فلاديمير بوتين\n")
    assert "    002 " in out and "MEET" not in out
    assert "4 event mentions in 1 documents -> 2 records; 1 written of types CALL" in err


def test_with_text_root_the_mentions_of_predict_output_carry_their_sentences(tmp_path, capsys):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    doc = tagged("a.txt", ARTICLE, ARTICLE_EVENTS, keep_text=False)
    src = _write_jsonl(tmp_path / "tagged.jsonl", [doc])
    out = tmp_path / "r.jsonl"

    assert cli_main(["records", "--input", str(src), "--output", str(out), "--text-root", str(tmp_path / "texts")]) == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["mentions"][0]["sentence"] == "ترامب يهاتف بوتين: تمهيد لقمة ثنائية؟"


@pytest.mark.parametrize("line, message", [
    ('{"document": "x", "events": [', "not JSON"),
    ('{"document": "x", "events": [{"type": "CALL"}]}', "events[0]: expected an object with a string 'type' and a 'trigger'"),
    ('{"document": "x", "events": [{"type": "CALL", "trigger": {"start": 5, "end": 2}}]}', "events[0].trigger"),
])
def test_a_broken_line_is_an_error_naming_file_and_line_and_nothing_is_written(tmp_path, capsys, line, message):
    good = json.dumps(tagged("ok", ARTICLE, ARTICLE_EVENTS), ensure_ascii=False)
    src = tmp_path / "tagged.jsonl"
    src.write_text(f"{good}\n\n{line}\n{good}\n", encoding="utf-8")
    out = tmp_path / "records.jsonl"

    assert cli_main(["records", "--input", str(src), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{src}:3: " in err and message in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_an_unknown_output_suffix_is_refused(tmp_path, capsys):
    src = _write_jsonl(tmp_path / "t.jsonl", [tagged("a", ARTICLE, ARTICLE_EVENTS)])
    assert cli_main(["records", "--input", str(src), "--output", str(tmp_path / "r.txt")]) == 2
    assert ".jsonl, .csv or .parquet" in capsys.readouterr().err


def test_read_tagged_checks_offsets_against_the_text(tmp_path):
    doc = tagged("a", ARTICLE, ARTICLE_EVENTS)
    doc["events"][0]["trigger"]["start"] += 1
    src = _write_jsonl(tmp_path / "t.jsonl", [doc])
    with pytest.raises(ValueError, match=r"t\.jsonl:1: events\[0\]\.trigger: offsets"):
        list(read_tagged(src))


def test_the_html_timeline_lists_records_by_date_with_their_mentions():
    pairs, names = [], []
    for name, (day, when) in [("may.txt", ("2025-05-19", "اليوم الاثنين")), ("feb.txt", ("2025-02-12", "اليوم")),
                              ("mar.txt", ("2025-03-18", "اليوم الثلاثاء")), ("undated.txt", (None, "الأسبوع الماضي"))]:
        doc = _call(name, day, (when, day))
        pairs.append((doc.pop("text"), doc))
        names.append(name)
    # A name the page must escape.
    text = "اتصل <b>بوتين</b> بترامب."
    pairs.append((text, {"entities": [], "events": [{"type": "CALL", "trigger": {"text": "اتصل", "start": 0, "end": 4},
                                                    "arguments": [{"role": "Participant", "text": "<b>بوتين</b>",
                                                                   "start": 5, "end": 17}]}]}))
    names.append("x<y>.txt")

    page = to_html(pairs, names=names)

    timeline = page[page.index('<section class="timeline"'):page.index("</section>")]
    assert re.findall(r'data-date="([^"]+)"', timeline) == ["2025-02-12", "2025-03-18", "2025-05-19"]
    dated, undated = timeline.split("<h3>Undated</h3>")
    assert "الأسبوع الماضي" in undated and "الأسبوع الماضي" not in dated
    assert timeline.count("<details>") == 5
    assert '<a href="#d1-e1" dir="ltr"><bdi>may.txt</bdi> E1</a>' in dated
    assert '<b class="trig">اتصالا هاتفيا</b>' in dated
    assert "<b>بوتين" not in page and "&lt;b&gt;بوتين&lt;/b&gt;" in page and "x&lt;y&gt;.txt" in page
    assert 'dir="rtl"' in page and "http" not in page.replace('href="#', "")
    # One document: no timeline, as before.
    assert 'class="timeline"' not in to_html(pairs[:1])


def test_predict_then_records_on_two_articles(tiny_model, tmp_path, repo_root, capsys):
    articles = sorted((repo_root / "data").glob("00[34]_*.txt"))
    tagged_path = tmp_path / "tagged.jsonl"
    assert cli_main(["predict", "--model", str(tiny_model), *map(str, articles), "--output", str(tagged_path)]) == 0
    out = tmp_path / "records.jsonl"
    assert cli_main(["records", "--input", str(tagged_path), "--output", str(out), "--text-root", "/"]) == 0
    err = capsys.readouterr().err
    n_mentions = sum(len(json.loads(x)["events"]) for x in tagged_path.read_text(encoding="utf-8").splitlines())
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert f"{n_mentions} event mentions in 2 documents -> {len(records)} records" in err
    assert sum(len(r["mentions"]) for r in records) == n_mentions  # every mention in exactly one record
    assert all("sentence" in m for r in records for m in r["mentions"])


# --- wars, places and the article's main event ---------------------------------------------------------

def _mentions_of(record):
    return [(m["document"], m["text"]) for m in record["mentions"]]


def test_a_war_and_an_attack_in_it_are_two_records_and_a_bare_war_joins_the_war():
    text = ("تتواصل الحرب في أوكرانيا منذ ثلاث سنوات.\n"
            "واتفق الجانبان على وقف استهداف روسيا وأوكرانيا لمنشآت الطاقة.\n"
            "وقال المتحدث إن الحرب يجب أن تنتهي.\n")
    events = [("ATTACK", "الحرب", [("Place", "أوكرانيا")]),
              ("ATTACK", "استهداف", [("Agent", "روسيا"), ("Agent", "وأوكرانيا")]),
              ("ATTACK", "الحرب", [])]

    records = list(build_records([tagged("d", text, events)]))

    assert sorted(_mentions_of(r) for r in records) == [[("d", "استهداف")], [("d", "الحرب"), ("d", "الحرب")]]
    war = next(r for r in records if len(r["mentions"]) == 2)
    assert war["place"] == ["أوكرانيا"]


def test_one_war_reported_by_an_undated_and_a_dated_article_is_one_record_and_another_war_is_not():
    undated = tagged("a", "وتطرق الاتصال إلى سبل إنهاء النزاع في أوكرانيا.\n",
                     [("ATTACK", "النزاع", [("Place", "أوكرانيا")])])
    dated = tagged("b", "وقال إن الحرب في كييف يجب أن تنتهي، وإن الحرب بين إيران وإسرائيل انتهت.\n",
                   [("ATTACK", "الحرب", [("Place", "كييف")]),
                    ("ATTACK", "الحرب", [("Participant", "إيران"), ("Participant", "وإسرائيل")])], date="2025-05-18")
    a_year_later = tagged("c", "واستمرت الحرب في أوكرانيا.\n", [("ATTACK", "الحرب", [("Place", "أوكرانيا")])],
                          date="2026-06-01")

    records = list(build_records([undated, dated, a_year_later]))

    assert sorted(r["documents"] for r in records) == [["a", "b", "c"], ["b"]]
    # Calls are still blocked by month: the undated article's calls are not compared with dated ones.
    assert all(r["record_id"].startswith("attack-long-running-") for r in records)


def test_two_ceasefires_in_different_places_stay_two_records():
    text = ("اقترح ترامب وقف إطلاق النار في أوكرانيا.\n"
            "كما بحثا وقف إطلاق النار في البحر الأسود.\n"
            "ورحبت كييف بوقف إطلاق النار في أوكرانيا.\n")
    events = [("CEASEFIRE", "وقف إطلاق النار", [("Place", "أوكرانيا")]),
              ("CEASEFIRE", "وقف إطلاق النار", [("Place", "البحر الأسود")]),
              ("CEASEFIRE", "بوقف إطلاق النار", [("Place", "أوكرانيا")])]

    records = list(build_records([tagged("d", text, events)]))

    assert [[m["start"] for m in r["mentions"]] for r in records] == [
        [text.index("وقف"), text.index("بوقف")], [text.index("وقف", text.index("\n"))]]


def test_a_bare_mention_joins_the_call_the_article_is_about_not_the_nearest_call():
    text = ("اتصل بوتين مع ترامب.\n"
            "وقال ترامب إن المحادثة مع بوتين كانت ممتازة.\n"
            "وأكد الكرملين أن بوتين وترامب بحثا الحرب.\n"
            "وسيتصل ترامب مع زيلينسكي بعد ذلك.\n"
            "وقال مسؤول إن المكالمة تناولت ملف الأسرى.\n")
    events = [("CALL", "اتصل", [("Participant", "بوتين"), ("Participant", "ترامب")]),
              ("CALL", "المحادثة", [("Participant", "ترامب"), ("Participant", "بوتين")]),
              ("CALL", "بحثا", [("Participant", "بوتين"), ("Participant", "وترامب")]),
              ("CALL", "وسيتصل", [("Participant", "ترامب"), ("Participant", "زيلينسكي")]),
              ("CALL", "المكالمة", [])]

    records = list(build_records([tagged("d", text, events)]))

    assert [[m["text"] for m in r["mentions"]] for r in records] == [
        ["اتصل", "المحادثة", "بحثا", "المكالمة"], ["وسيتصل"]]
    # Within a window of one sentence only the call with Zelensky is near enough.
    near = list(build_records([tagged("d", text, events)], window=1))
    assert [[m["text"] for m in r["mentions"]] for r in near] == [["اتصل", "المحادثة", "بحثا"], ["وسيتصل", "المكالمة"]]


def test_a_named_war_is_its_own_record_not_the_war_the_article_is_about():
    text = ("وقال إن الحرب في أوكرانيا يجب أن تنتهي.\n"
            "ودعا إلى إنهاء الحرب في أوكرانيا هذا العام.\n"
            "وأضاف: قاتلنا معا في الحرب العالمية الثانية.\n"
            "وتابع أن الحرب أودت بحياة الآلاف.\n")
    doc = tagged("d", text, [("ATTACK", "الحرب", [("Place", "أوكرانيا")]),
                             ("ATTACK", "الحرب", [("Place", "أوكرانيا")]),
                             ("ATTACK", "الحرب", []),
                             ("ATTACK", "الحرب", [])])
    ww2 = text.index("الحرب العالمية الثانية")
    doc["entities"] = [{"type": "EVENT", "text": "الحرب العالمية الثانية", "start": ww2, "end": ww2 + 22}]

    records = list(build_records([doc]))

    # The named war stands apart; the last bare «الحرب» is the article's war, though the named one is nearer.
    assert sorted([m["start"] for m in r["mentions"]] for r in records) == [
        [text.index("الحرب"), text.index("الحرب", 20), text.rindex("الحرب")], [ww2]]
    # Without the entity, the named war's trigger was a bare «الحرب» and joined the article's war.
    doc["entities"] = []
    assert len(list(build_records([doc]))) == 1


LEADERS = ("اتصل الرئيس الروسي فلاديمير بوتين هاتفيا بنظيره الأمريكي دونالد ترامب.\n"
           "وقال الكرملين إن روسيا والولايات المتحدة اتفقتا على تبادل الأسرى.\n"
           "وأضاف أن ترامب وبوتين اتفقا أيضا على مواصلة الحوار.\n")


def test_a_leader_stands_for_the_country_the_text_says_they_lead_when_both_sides_match():
    events = [("AGREE", "اتفقتا", [("Participant", "روسيا"), ("Participant", "والولايات المتحدة")]),
              ("AGREE", "اتفقا", [("Participant", "ترامب"), ("Participant", "وبوتين")])]

    records = list(build_records([tagged("d", LEADERS, events)]))

    assert [[m["text"] for m in r["mentions"]] for r in records] == [["اتفقتا", "اتفقا"]]
    # Without the text nothing says whom Putin and Trump lead: two records.
    assert len(list(build_records([tagged("d", LEADERS, events, keep_text=False)]))) == 2


def test_one_side_matched_through_its_leader_is_too_little_and_two_leaders_of_one_country_are_two_people():
    text = LEADERS + "وكان رئيس الوزراء الروسي ميخائيل ميشوستين قد اتفق مع ترامب على لقاء.\n"
    events = [("AGREE", "اتفقتا", [("Participant", "الولايات المتحدة")]),
              ("AGREE", "اتفقا", [("Participant", "ترامب"), ("Participant", "وبوتين")]),
              ("AGREE", "اتفق", [("Participant", "ميشوستين"), ("Participant", "ترامب")])]

    records = list(build_records([tagged("d", text, events)]))

    assert sorted([m["text"] for m in r["mentions"]] for r in records) == [["اتفق"], ["اتفقا"], ["اتفقتا"]]
