"""score-values: an analyst's question "how far can I trust the dates, lengths and counts, and the
records?" answered against the gold, on a tiny corpus built here by hand and on the real gold.

The tiny corpus is two brat articles about one phone call (dated by their datelines) with the three
gold sheets beside them; each test changes one thing in it and checks what the scorer says.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from arabic_news_tagger.cli import main as cli_main
from arabic_news_tagger.evaluate import values_score as vs

ROOT = Path(__file__).resolve().parents[1]

A1 = ("تاريخ النشر: 18th, March 2025\n"
      "اتصل بوتين بترامب أمس واستمر الاتصال أكثر من ساعة ونصف.\n"
      "وأفرجت روسيا عن 175 أسيرا، وسيلتقيان في وقت لاحق.\n")
A2 = ("تاريخ النشر: 18th, March 2025\n"
      "قال الكرملين إن بوتين تحدث مع ترامب هاتفيا أمس.\n")

# (id, label, text, occurrence): textbounds found in the text; events reference them by id.
A1_SPANS = [("T1", "PERS", "بوتين"), ("T2", "PERS", "بترامب"), ("T3", "DATE", "أمس"), ("T4", "TIME", "ساعة ونصف"),
            ("T5", "GPE", "روسيا"), ("T6", "CARDINAL", "175"), ("T7", "ARG", "175 أسيرا"), ("T8", "DATE", "في وقت لاحق"),
            ("T9", "CALL", "اتصل"), ("T10", "RELEASE", "وأفرجت")]
A1_EVENTS = ["E1\tCALL:T9 Participant:T1 Participant2:T2 Time:T3 Duration:T4", "E2\tRELEASE:T10 Agent:T5 Quantity:T7"]
A2_SPANS = [("T1", "ORG", "الكرملين"), ("T2", "PERS", "بوتين"), ("T3", "PERS", "ترامب"), ("T4", "DATE", "أمس"),
            ("T5", "CALL", "تحدث")]
A2_EVENTS = ["E1\tCALL:T5 Participant:T2 Participant2:T3 Time:T4"]

VALUES = [  # (document, text, kind, value, mod)
    ("a1", "أمس", "time", "2025-03-17", ""),
    ("a1", "ساعة ونصف", "time", "PT1H30M", "MORE_THAN"),
    ("a1", "ساعة ونصف", "duration", "PT1H30M", "MORE_THAN"),
    ("a1", "175", "quantity", "175", ""),
    ("a1", "175 أسيرا", "quantity", "175", ""),
    ("a1", "في وقت لاحق", "time", "", ""),
    ("a2", "أمس", "time", "2025-03-17", ""),
]
COREF = [("a1", "اتصل", "CALL", "call-putin-trump-1"), ("a1", "وأفرجت", "RELEASE", "release-russia-175"),
         ("a2", "تحدث", "CALL", "call-putin-trump-1")]
TEXTS = {"a1": A1, "a2": A2}


def offsets(doc: str, text: str, texts=TEXTS) -> tuple[int, int]:
    start = texts[doc].index(text)
    return start, start + len(text)


def write_corpus(tmp_path: Path, values=VALUES, coref=COREF, dates=("2025-03-18", "2025-03-18"), texts=TEXTS) -> Path:
    def at(doc, text):
        return offsets(doc, text, texts)

    corpus = tmp_path / "gold"
    corpus.mkdir()
    shutil.copy(ROOT / "data" / "annotation.conf", corpus / "annotation.conf")
    for doc_id, spans, events in (("a1", A1_SPANS, A1_EVENTS), ("a2", A2_SPANS, A2_EVENTS)):
        (corpus / f"{doc_id}.txt").write_text(texts[doc_id], encoding="utf-8")
        lines = [f"{tid}\t{label} {' '.join(map(str, at(doc_id, text)))}\t{text}" for tid, label, text in spans]
        (corpus / f"{doc_id}.ann").write_text("\n".join(lines + events) + "\n", encoding="utf-8")
    rows = ["document\tstart\tend\tkind\ttext\tvalue\tmod\tnote"]
    rows += [f"{d}\t{at(d, t)[0]}\t{at(d, t)[1]}\t{k}\t{t}\t{v}\t{m}\t" for d, t, k, v, m in values]
    (corpus / "values.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    rows = ["document\tdate\tevidence"]
    rows += [f"{d}\t{date or ''}\t{'18th, March 2025' if date else ''}" for d, date in zip(("a1", "a2"), dates)]
    (corpus / "document-dates.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    rows = ["document\tstart\tend\ttype\ttrigger_text\tevent_id\tnote"]
    rows += [f"{d}\t{at(d, t)[0]}\t{at(d, t)[1]}\t{ty}\t{t}\t{i}\t" for d, t, ty, i in coref]
    (corpus / "event-coreference.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return corpus


def test_every_gold_value_read_right_scores_one_and_no_value_on_both_sides_counts_as_right(tmp_path):
    report = vs.run(corpus_dir=write_corpus(tmp_path), echo=lambda s: None)
    g = report["values_on_gold_spans"]
    assert {k: (t["support"], t["correct"]) for k, t in g["kinds"].items()} == {"time": (4, 4), "duration": (1, 1), "quantity": (2, 2)}
    # «في وقت لاحق»: the gold says nothing can be said, and nothing was predicted.
    assert g["kinds"]["time"]["no_value_both"] == 1
    # «أكثر من» is outside the span: the mod is right only because the document's text was read.
    assert g["kinds"]["duration"]["mod_correct"] == 1 and g["mod_misses"] == [] and g["misses"] == []
    # The dateline's date resolved «أمس».
    assert [d["used"] for d in g["document_dates"]] == ["2025-03-18", "2025-03-18"]


def test_a_wrong_value_is_a_miss_listed_with_its_text_gold_and_prediction(tmp_path, capsys):
    values = [row if row[1] != "175" else ("a1", "175", "quantity", "176", "") for row in VALUES]
    assert cli_main(["score-values", "--corpus-dir", str(write_corpus(tmp_path, values=values))]) == 0
    out = capsys.readouterr().out
    assert "«175»: gold 176, predicted 175" in out
    assert "quantity  all                              2  0.500 (1/2)" in out
    # 0.5 is under the quantity target: printed as missed, not a failure of the command.
    assert "values on gold spans: quantity             0.500  target >= 0.95  MISSED" in out


def test_spans_are_split_by_what_they_are_in_the_brat_gold(tmp_path):
    g = vs.run(corpus_dir=write_corpus(tmp_path), echo=lambda s: None)["values_on_gold_spans"]
    time_groups = {name: t["support"] for name, t in g["kinds"]["time"]["groups"].items()}
    # «أمس» twice (a Time argument and a DATE entity each), «ساعة ونصف» a TIME entity, «في وقت لاحق» a DATE entity.
    assert time_groups == {"Time argument": 2, "DATE/TIME entity": 4}
    assert g["kinds"]["time"]["in_two_groups"] == 2
    assert {name: t["support"] for name, t in g["kinds"]["quantity"]["groups"].items()} == {
        "Quantity argument": 1, "CARDINAL entity": 1}


def test_without_a_document_date_relative_times_stay_relative(tmp_path):
    # Undated gold and texts without a dateline: «أمس» is DOC-P1D, so a gold that wants a date is missed.
    undated = {doc: text.split("\n", 1)[1] for doc, text in TEXTS.items()}
    corpus = write_corpus(tmp_path, dates=(None, None), texts=undated)
    g = vs.run(corpus_dir=corpus, echo=lambda s: None)["values_on_gold_spans"]
    assert [(m["text"], m["predicted"]["value"]) for m in g["misses"]] == [("أمس", "DOC-P1D"), ("أمس", "DOC-P1D")]
    assert g["kinds"]["time"]["accuracy"] == pytest.approx(2 / 4)
    assert {d: (t["correct"], t["support"]) for d, t in g["by_document"].items()} == {"a1": (5, 6), "a2": (0, 1)}


def test_predicted_spans_count_only_where_offsets_and_kind_match_a_gold_row(tmp_path):
    gold = vs.load_gold(write_corpus(tmp_path))
    s, e = offsets("a1", "175")
    d0, d1 = offsets("a1", "ساعة ونصف")
    y0, y1 = offsets("a1", "أمس")
    results = {
        "a1": {"entities": [{"type": "DATE", "text": "أمس", "start": y0, "end": y1, "value": "2025-03-17"},
                            {"type": "CARDINAL", "text": "175 أ", "start": s, "end": e + 2, "value": 175}],
               "events": [{"type": "CALL", "trigger": {}, "arguments": [
                   {"role": "Duration", "text": "ساعة ونصف", "start": d0, "end": d1, "value": "PT1H30M"}]}]},
        "a2": {"entities": [], "events": []},
    }
    p = vs.score_predicted_spans(gold, results, held_out=["a2"])
    kinds = p["documents"]["all"]["kinds"]
    # «175» was predicted one word too long: not found; the Duration found, its value right, its mod missed.
    assert (kinds["quantity"]["support"], kinds["quantity"]["found"]) == (2, 0)
    assert (kinds["duration"]["found"], kinds["duration"]["correct"], kinds["duration"]["mod_correct"]) == (1, 1, 0)
    assert (kinds["time"]["found"], kinds["time"]["correct"], kinds["time"]["end_to_end"]) == (1, 1, 1 / 4)
    assert [m["text"] for m in p["mod_misses"]] == ["ساعة ونصف"]
    assert p["held_out_documents"] == ["a2"] and p["documents"]["held out by the model"]["all"]["found"] == 0


def test_records_from_gold_mentions_score_one_when_they_group_as_the_gold_does(tmp_path):
    r = vs.run(corpus_dir=write_corpus(tmp_path), echo=lambda s: None)["records_from_gold_mentions"]
    # The two articles' calls (same people, same day) are one record; the release another.
    assert (r["mentions"], r["gold_events"], r["records"]) == (3, 2, 2)
    assert r["across documents"]["pairwise"]["f1"] == 1.0 and r["across documents"]["bcubed"]["f1"] == 1.0
    assert r["links"] == {"key": 1, "response": 1, "both": 1, "key_across_documents": 1, "response_across_documents": 1}
    # Within each document nothing is linked: no pair on either side.
    assert r["within documents"]["pairwise"]["precision"] == 1.0 and r["within documents"]["key_events"] == 3


def test_records_linking_what_the_gold_keeps_apart_lose_precision(tmp_path):
    coref = [c if c[0] != "a2" else ("a2", "تحدث", "CALL", "call-putin-trump-2") for c in COREF]
    r = vs.run(corpus_dir=write_corpus(tmp_path, coref=coref), echo=lambda s: None)["records_from_gold_mentions"]
    assert r["across documents"]["pairwise"] == {"precision": 0.0, "recall": 1.0, "f1": 0.0}
    assert r["across documents"]["bcubed"]["precision"] == pytest.approx((1 / 2 + 1 / 2 + 1) / 3)
    assert list(r["merged_records"][0]) == ["call-putin-trump-1", "call-putin-trump-2"]


def test_records_from_predicted_mentions_are_scored_on_the_triggers_that_match_gold(tmp_path):
    gold = vs.load_gold(write_corpus(tmp_path))

    def call(doc, participants, extra=()):
        t0, t1 = offsets(doc, {"a1": "اتصل", "a2": "تحدث"}[doc])
        args = [{"role": "Participant", "text": p, "start": offsets(doc, p)[0], "end": offsets(doc, p)[1]} for p in participants]
        return {"type": "CALL", "trigger": {"text": TEXTS[doc][t0:t1], "start": t0, "end": t1}, "arguments": args}

    k0, k1 = offsets("a2", "الكرملين")
    results = {"a1": {"entities": [], "events": [call("a1", ["بوتين", "بترامب"])],
                      "document_date": {"value": "2025-03-18", "source": "dateline"}},
               "a2": {"entities": [], "events": [call("a2", ["بوتين", "ترامب"]),
                                                 {"type": "MEET", "trigger": {"text": "الكرملين", "start": k0, "end": k1},
                                                  "arguments": []}],
                      "document_date": {"value": "2025-03-18", "source": "dateline"}}}
    q = vs.score_predicted_records(gold, results)
    assert (q["predicted_mentions"], q["matched"], q["unmatched"], q["gold_not_found"]) == (3, 2, 1, 1)
    assert q["across documents"]["pairwise"]["f1"] == 1.0


def test_a_gold_row_that_does_not_fit_its_document_is_named_by_file_and_line(tmp_path, capsys):
    corpus = write_corpus(tmp_path)
    lines = (corpus / "values.tsv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("ساعة ونصف", "ساعتين", 1)
    (corpus / "values.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli_main(["score-values", "--corpus-dir", str(corpus)]) == 2
    err = capsys.readouterr().err
    assert f"{corpus / 'values.tsv'}:3: offsets" in err and "Traceback" not in err


def test_sheets_that_drifted_from_a_corrected_brat_gold_are_scored_without_the_stale_rows_and_say_so(tmp_path, capsys):
    # The .ann was corrected after the sheets were filled: «175 أسيرا» is no Quantity argument any more,
    # and the RELEASE became an EXCHANGE, whose mention has no coreference row.
    corpus = write_corpus(tmp_path)
    ann = [line for line in (corpus / "a1.ann").read_text(encoding="utf-8").splitlines() if not line.startswith("T7\t")]
    ann = "\n".join(ann).replace("RELEASE", "EXCHANGE").replace("Agent:T5 Quantity:T7", "Participant:T5")
    (corpus / "a1.ann").write_text(ann + "\n", encoding="utf-8")
    report = vs.run(corpus_dir=corpus)
    out = capsys.readouterr().out
    assert len(report["gold_problems"]) == 3 and "the gold sheets and the brat gold disagree (3)" in out
    assert "values.tsv:6: «175 أسيرا»" in out and "left out" in out
    assert "no gold RELEASE event «وأفرجت»" in out and "EXCHANGE event «وأفرجت»" in out
    assert report["values_on_gold_spans"]["kinds"]["quantity"]["support"] == 1
    # The unlisted EXCHANGE is an event of its own: the records' clusters still score 1.
    r = report["records_from_gold_mentions"]
    assert (r["mentions"], r["gold_events"]) == (3, 2) and r["across documents"]["pairwise"]["f1"] == 1.0


def test_the_real_gold_without_a_model(tmp_path, capsys):
    """The command CI runs, on data/: every gold row scored, every miss listed, the report written."""
    report_path = tmp_path / "out" / "values-score.json"
    assert cli_main(["score-values", "--corpus-dir", str(ROOT / "data"), "--report-json", str(report_path)]) == 0
    out = capsys.readouterr().out
    report = json.loads(report_path.read_text(encoding="utf-8"))
    g = report["values_on_gold_spans"]
    # Every row of the sheet is scored, but those the brat gold has lost since (each named at the top).
    rows = [line.split("\t") for line in (ROOT / "data" / "values.tsv").read_text(encoding="utf-8").splitlines()[1:] if line]
    left_out = [p for p in report["gold_problems"] if "values.tsv:" in p and p.endswith("left out")]
    assert all(p in out for p in report["gold_problems"])
    assert sum(t["support"] for t in g["kinds"].values()) == len(rows) - len(left_out)
    for kind in ("time", "duration", "quantity"):
        in_sheet = sum(r[3] == kind for r in rows) - sum(f" is no {kind} span" in p for p in left_out)
        assert g["kinds"][kind]["support"] == in_sheet
        # Each span is a layer's: a Time argument, a DATE/TIME entity, or both.
        groups = g["kinds"][kind]["groups"]
        assert sum(x["support"] for x in groups.values()) == in_sheet + g["kinds"][kind]["in_two_groups"]
    assert set(g["kinds"]["time"]["groups"]) == {"Time argument", "DATE/TIME entity"}
    assert set(g["kinds"]["quantity"]["groups"]) == {"Quantity argument", "CARDINAL entity"}
    assert len(g["misses"]) == g["all"]["support"] - g["all"]["correct"]
    assert sum(t["support"] for t in g["by_document"].values()) == g["all"]["support"] and len(g["by_document"]) == 7
    assert all(f"«{m['text']}»" in out for m in g["misses"] + g["mod_misses"])
    r = report["records_from_gold_mentions"]
    assert len(r["documents"]) == 5 and r["mentions"] == sum(len(d.events) for d in vs.load_gold(ROOT / "data").documents.values()
                                                           if d.id in r["documents"])
    assert [t["name"] for t in report["targets"]] == [t[0] for t in vs.TARGETS]
    assert all(t["met"] is not None for t in report["targets"])
    assert report["values_on_predicted_spans"] is None and "give --model DIR" in out
    assert [p.name for p in report_path.parent.iterdir()] == ["values-score.json"]  # no temporary file left
