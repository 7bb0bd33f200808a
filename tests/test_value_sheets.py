"""The values and event-coreference sheets: an annotator gets blank sheets built from the brat gold,
fills them, checks them, and two annotators' sheets are compared for adjudication."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from arabic_news_tagger.cli import main as cli_main
from arabic_news_tagger.data.value_sheets import (VALUE_DOCUMENTS, check_files, format_agreement, read_sheet,
                                                  time_error, value_problems, write_blank_sheets)

ROOT = Path(__file__).resolve().parents[1]

TEXT = ("اتصل الرئيس بنظيره يوم الخميس واستمر الاتصال ثلاث ساعات.\n"
        "أفرجت السلطات عن 12 معتقلا في 5 مايو 2019 وقال الوزير محمود إن الإفراج تم بلا شروط.\n")


def _at(phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(phrase, start + 1)
    return start, start + len(phrase)


def _write_fixture(folder: Path) -> Path:
    """A document with a CALL (Time, Duration) mentioned twice, a RELEASE (Quantity, Time) mentioned
    twice, the entities DATE, TIME, CARDINAL (and a PERS, which takes no value)."""
    folder.mkdir()
    shutil.copy(ROOT / "data" / "annotation.conf", folder)
    spans = {
        "T1": ("DATE", "يوم الخميس"), "T2": ("TIME", "ثلاث ساعات"), "T3": ("CARDINAL", "12"),
        "T4": ("DATE", "5 مايو 2019"), "T5": ("PERS", "محمود"), "T6": ("CALL", "اتصل"),
        "T7": ("CALL", "الاتصال"), "T8": ("RELEASE", "أفرجت"), "T9": ("ARG", "12 معتقلا"),
        "T10": ("RELEASE", "الإفراج"), "T11": ("ARG", "السلطات"),
    }
    lines = []
    for tid, (label, phrase) in spans.items():
        start, end = _at(phrase)
        lines.append(f"{tid}\t{label} {start} {end}\t{phrase}")
    lines += ["E1\tCALL:T6 Time:T1", "E2\tCALL:T7 Duration:T2", "E3\tRELEASE:T8 Agent:T11 Theme:T9 Quantity:T9 Time:T4",
              "E4\tRELEASE:T10"]
    (folder / "doc.txt").write_text(TEXT, encoding="utf-8")
    (folder / "doc.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "doc.txt"


@pytest.fixture()
def blank(tmp_path) -> Path:
    txt = _write_fixture(tmp_path / "corpus")
    write_blank_sheets(tmp_path / "blank", [txt], [txt])
    return tmp_path / "blank"


def _rows(path: Path) -> list[dict]:
    return [row for _, row in read_sheet(path).rows]


def test_the_blank_values_sheet_holds_every_span_that_takes_a_value_once_per_kind(blank):
    rows = _rows(blank / "values-blank.tsv")
    got = {(r["kind"], r["text"], int(r["start"]), int(r["end"])) for r in rows}
    assert got == {
        ("time", "يوم الخميس", *_at("يوم الخميس")),        # DATE and a CALL's Time: one row
        ("time", "ثلاث ساعات", *_at("ثلاث ساعات")),        # the TIME entity ...
        ("duration", "ثلاث ساعات", *_at("ثلاث ساعات")),    # ... and the Duration argument on the same span
        ("quantity", "12", *_at("12")),                     # CARDINAL
        ("quantity", "12 معتقلا", *_at("12 معتقلا")),        # the Quantity argument around it
        ("time", "5 مايو 2019", *_at("5 مايو 2019")),
    }
    assert len(rows) == len(got)
    assert all(r["value"] == r["mod"] == r["note"] == "" for r in rows)
    duration = next(r for r in rows if r["kind"] == "duration")
    assert duration["context"] == "اتصل الرئيس بنظيره يوم الخميس واستمر الاتصال «[[ثلاث ساعات]]»."


def test_the_blank_coreference_sheet_lists_each_mention_with_its_arguments(blank):
    rows = _rows(blank / "coref-blank.tsv")
    assert [(r["type"], r["trigger_text"]) for r in rows] == [
        ("CALL", "اتصل"), ("CALL", "الاتصال"), ("RELEASE", "أفرجت"), ("RELEASE", "الإفراج")]
    assert all(r["event_id"] == "" for r in rows)
    release = rows[2]["context"]
    assert release.startswith("«[[أفرجت]]» السلطات عن 12 معتقلا")
    assert release.endswith("‖ Agent=السلطات; Theme=12 معتقلا; Quantity=12 معتقلا; Time=5 مايو 2019")
    assert _rows(blank / "document-dates-blank.tsv") == [{"document": "doc", "date": "", "evidence": ""}]
    assert (blank / "texts" / "doc.txt").read_text(encoding="utf-8") == TEXT


def _fill(blank: Path, out: Path, values: dict[tuple[str, str], tuple[str, str, str]]) -> Path:
    """A filled copy of the blank values sheet: ``(kind, text) -> (value, mod, note)``."""
    lines = (blank / "values-blank.tsv").read_text(encoding="utf-8").splitlines()
    filled = [lines[0]]
    for line in lines[1:]:
        f = line.split("\t")
        f[5:8] = values.get((f[3], f[4]), ("", "", ""))
        filled.append("\t".join(f))
    out.write_text("\n".join(filled) + "\n", encoding="utf-8")
    return out


GOOD = {("time", "يوم الخميس"): ("XXXX-WXX-4", "", ""), ("time", "ثلاث ساعات"): ("PT3H", "", ""),
        ("duration", "ثلاث ساعات"): ("PT3H", "", ""), ("quantity", "12"): ("12", "", ""),
        ("quantity", "12 معتقلا"): ("12", "", ""), ("time", "5 مايو 2019"): ("2019-05-05", "", "")}


def test_a_well_filled_sheet_passes_the_checker(blank, tmp_path):
    sheet = _fill(blank, tmp_path / "values.tsv", GOOD)
    assert check_files([sheet], blank) == []


def test_the_checker_names_the_file_line_and_column_of_a_malformed_value(blank, tmp_path, capsys):
    bad = dict(GOOD)
    bad[("time", "5 مايو 2019")] = ("2019-5-5", "", "")
    bad[("quantity", "12 معتقلا")] = ("12", "ABOUT", "")
    sheet = _fill(blank, tmp_path / "values.tsv", bad)
    line, mod_line = _line_of(sheet, "5 مايو 2019"), _line_of(sheet, "12 معتقلا")
    problems = check_files([sheet], blank)
    assert len(problems) == 2
    assert problems[0].startswith(f"{sheet}:{mod_line}: column 'mod': 'ABOUT' is not a quantity mod")
    assert problems[1].startswith(f"{sheet}:{line}: column 'value': '2019-5-5' is not a TIMEX3 value")
    # The same through the command line: the problems printed, exit status 1.
    assert cli_main(["value-sheets", "check", str(sheet), "--blank-dir", str(blank)]) == 1
    assert f"{sheet}:{line}: column 'value'" in capsys.readouterr().out


def _line_of(sheet: Path, text: str) -> int:
    """The line number of the row whose text column is ``text``."""
    lines = sheet.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.split("\t")[4] == text)


def test_the_checker_finds_rows_lost_added_or_edited_against_the_blank_sheet(blank, tmp_path):
    sheet = _fill(blank, tmp_path / "values.tsv", GOOD)
    lines = sheet.read_text(encoding="utf-8").splitlines()
    lost = lines.pop(1)  # the first row, «يوم الخميس»
    retyped = _line_of(sheet, "5 مايو 2019") - 2  # one line up, the first row gone
    lines[retyped] = lines[retyped].replace("\t5 مايو 2019\t", "\t5 أيار 2019\t")
    lines.append(lines[1])  # a row twice
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = "\n".join(check_files([sheet], blank))
    # A lost row has no line of its own: the blank sheet's line is named.
    assert f"{sheet}: row doc {' '.join(lost.split(chr(9))[1:4])} of the blank sheet (its line 2) is missing" in problems
    assert (f"{sheet}:{retyped + 1}: column 'text': '5 أيار 2019' differs from the blank sheet's '5 مايو 2019'"
            in problems)
    assert f"{sheet}:{len(lines)}: row doc {' '.join(lines[1].split(chr(9))[1:4])} again (first at line 2)" in problems


def test_event_ids_and_document_dates_are_checked(blank, tmp_path):
    coref = (blank / "coref-blank.tsv").read_text(encoding="utf-8").splitlines()
    ids = ["call-2019-05-02", "call-2019-05-02", "Release_1", "call-2019-05-02"]
    filled = [coref[0]] + ["\t".join(f[:5] + [i] + f[6:]) for f, i in zip((l.split("\t") for l in coref[1:]), ids)]
    (tmp_path / "coref.tsv").write_text("\n".join(filled) + "\n", encoding="utf-8")
    (tmp_path / "dates.tsv").write_text("document\tdate\tevidence\ndoc\t2019-02-30\tفي 5 مايو\n", encoding="utf-8")
    problems = check_files([tmp_path / "coref.tsv", tmp_path / "dates.tsv"], blank)
    assert problems == [
        f"{tmp_path / 'coref.tsv'}:4: column 'event_id': 'Release_1': an event id is lower-case ASCII letters and digits joined by single hyphens",
        f"{tmp_path / 'coref.tsv'}:5: column 'event_id': 'call-2019-05-02': a RELEASE mention's id starts with 'release-'",
        f"{tmp_path / 'dates.tsv'}:2: column 'date': '2019-02-30': no such date",
    ]


@pytest.mark.parametrize("kind,value,mod,note", [
    ("time", "2025-03-18", "", ""), ("time", "2025-05", "", ""), ("time", "2025", "", ""), ("time", "2025-W12", "", ""),
    ("time", "2025-03-18T19:00", "", ""), ("time", "2025-03-18TMO", "", ""), ("time", "XXXX-WXX-2TEV", "", ""),
    ("time", "DOC", "", ""), ("time", "DOC-P1D", "", ""), ("time", "DOC+P1M", "START", ""), ("time", "DOC-P1DTNI", "", ""),
    ("time", "XXXX-03", "", ""), ("time", "XXXX-03-18", "", ""), ("time", "XXXX", "", ""), ("time", "BC0332", "", ""),
    ("time", "19", "", ""), ("time", "XXXX-XX-XXT10:00", "", "tz=GMT"), ("time", "P3Y", "MORE_THAN", ""),
    ("time", "2025-03-19", "", "hijri=1446-09-19"), ("time", "2025-03-01", "RANGE", "value_max=2025-03-03"),
    ("duration", "PT2H5M", "", ""), ("duration", "PT1H30M", "MORE_THAN", ""), ("duration", "P2W", "APPROX", ""),
    ("duration", "PT90M", "", ""), ("quantity", "175", "", ""), ("quantity", "2.5", "", ""),
    ("quantity", "500000", "APPROX", ""), ("quantity", "10", "RANGE", "value_max=20"), ("quantity", "", "", ""),
])
def test_the_pinned_format_passes(kind, value, mod, note):
    assert value_problems(kind, value, mod, note) == []


@pytest.mark.parametrize("kind,value,mod,note,column", [
    ("time", "2025-13", "", "", "value"), ("time", "2025-02-29", "", "", "value"), ("time", "18/03/2025", "", "", "value"),
    ("time", "XXXX-WXX-8", "", "", "value"), ("time", "DOC+P1MTEV", "", "", "value"), ("time", "2025-03TEV", "", "", "value"),
    ("time", "2025-03-18", "MORE_THAN", "", "mod"), ("time", "", "START", "", "mod"),
    ("duration", "2 hours", "", "", "value"), ("duration", "PT", "", "", "value"), ("duration", "PT1.5H", "", "", "value"),
    ("duration", "PT2H", "END", "", "mod"), ("quantity", "1,500", "", "", "value"), ("quantity", "١٥٠٠", "", "", "value"),
    ("quantity", "5.0", "", "", "value"), ("quantity", "10", "RANGE", "", "note"), ("quantity", "10", "", "value_max=20", "note"),
    ("quantity", "10", "RANGE", "value_max=twenty", "note"), ("time", "2025", "", "hijri=1446/9", "note"),
])
def test_a_value_off_the_format_is_refused_in_its_column(kind, value, mod, note, column):
    problems = value_problems(kind, value, mod, note)
    assert problems and problems[0][0] == column


def test_agreement_on_two_tiny_sheets(tmp_path):
    header = "document\tstart\tend\tkind\ttext\tvalue\tmod\tnote\n"
    a = header + ("d\t0\t4\ttime\tأمس\tDOC-P1D\t\t\n"
                  "d\t10\t20\ttime\tمساء الخميس\tXXXX-WXX-4TEV\t\t\n"
                  "d\t30\t35\tduration\tنحو ساعة\tPT1H\tAPPROX\t\n"
                  "d\t40\t42\tquantity\t12\t12\t\t\n")
    b = header + ("d\t0\t4\ttime\tأمس\tDOC-P1D\t\t\n"
                  "d\t10\t20\ttime\tمساء الخميس\tXXXX-WXX-4\t\t\n"
                  "d\t30\t35\tduration\tنحو ساعة\tPT1H\t\t\n"
                  "d\t40\t42\tquantity\t12\t12\t\t\n")
    coref_header = "document\tstart\tend\ttype\ttrigger_text\tevent_id\tnote\n"
    # A: mentions 1-3 one call, 4 another; B: 1-2 one call, 3-4 another.
    mentions = ["d\t1\t2\tCALL\tاتصال", "d\t3\t4\tCALL\tمكالمة", "e\t1\t2\tCALL\tاتصل", "e\t5\t6\tCALL\tالاتصال"]
    ids_a, ids_b = ["call-a", "call-a", "call-a", "call-b"], ["call-x", "call-x", "call-y", "call-y"]
    for side, values, ids in (("A", a, ids_a), ("B", b, ids_b)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "values.tsv").write_text(values, encoding="utf-8")
        (tmp_path / side / "coref.tsv").write_text(
            coref_header + "".join(f"{m}\t{i}\t\n" for m, i in zip(mentions, ids)), encoding="utf-8")
    report = format_agreement(tmp_path / "A", tmp_path / "B")
    assert "time\t2\t0.500 (1/2)\t1.000 (2/2)\t0" in report
    assert "duration\t1\t1.000 (1/1)\t0.000 (0/1)\t0" in report
    assert "all\t4\t0.750 (3/4)\t0.750 (3/4)\t0" in report
    assert "d\t10\t20\ttime\tمساء الخميس\tXXXX-WXX-4TEV\t\t\tXXXX-WXX-4\t\t" in report
    # Pairwise: A links 1-2, 1-3, 2-3; B links 1-2, 3-4: one shared, P 1/2, R 1/3, F1 0.4.
    # B-cubed: precision (1 + 1 + 1/2 + 1/2) / 4 = 0.75, recall (2/3 + 2/3 + 1/3 + 1) / 4 = 2/3, F1 0.706.
    assert "across documents\t2\t2\t0.500\t0.333\t0.400\t0.750\t0.667\t0.706" in report
    # Within documents A's call-a is two events (d's pair, e's single mention): A links d 1-2 only, B
    # links it and e's two mentions: pairwise P 1/2, R 1; B-cubed P (1 + 1 + 1/2 + 1/2) / 4, R 1.
    assert "within documents\t3\t2\t0.500\t1.000\t0.667\t0.750\t1.000\t0.857" in report
    assert "A call-a: B has\n    call-x (2): d:1-2 «اتصال», d:3-4 «مكالمة»\n    call-y (1): e:1-2 «اتصل»" in report
    # The command line prints the same.
    assert cli_main(["value-sheets", "agree", str(tmp_path / "A"), str(tmp_path / "B")]) == 0


def test_the_default_documents_are_the_five_articles_and_the_two_held_out_bundles():
    names = [Path(p).name for p in VALUE_DOCUMENTS]
    assert len(names) == 7 and all((ROOT / p).is_file() for p in VALUE_DOCUMENTS)
    assert names[-2:] == ["anercorp-019.txt", "anercorp-020.txt"]
    assert all(re.match(r"00[0-4]_", n) for n in names[:5])


def test_time_error_says_what_a_time_of_day_needs():
    assert "follows a day" in time_error("2025-03T10:00")


def _quoted_examples(markdown: str) -> list[str]:
    return [re.sub(r"\s+", " ", q.strip()) for q in re.findall(r"«([^»]+)»", markdown)]


def test_the_guidelines_hold_no_answer_for_the_documents_to_annotate():
    """VALUES.md's examples are made up or from other documents: none of its quoted examples holds a
    span of two words or more of the seven documents, or four words in a row of their texts. Single
    words are the format's lexicon («اليوم», «أمس»), which a rule cannot do without."""
    from arabic_news_tagger.data.value_sheets import read_documents

    documents = read_documents(ROOT / p for p in VALUE_DOCUMENTS)
    spans = {re.sub(r"\s+", " ", s.text) for d in documents
             for s in [*d.entities, *(e.trigger for e in d.events), *(a for e in d.events for a in e.arguments)]}
    long_spans = {s for s in spans if len(s.split()) >= 2}
    texts = [re.sub(r"\s+", " ", d.text) for d in documents]
    found = []
    for example in _quoted_examples((ROOT / "data" / "VALUES.md").read_text(encoding="utf-8")):
        found += [(example, s) for s in long_spans if s in example]
        words = example.split()
        found += [(example, " ".join(words[i:i + 4])) for i in range(len(words) - 3)
                  if any(" ".join(words[i:i + 4]) in t for t in texts)]
    assert found == []


def test_every_value_the_guidelines_show_passes_the_checker():
    markdown = (ROOT / "data" / "VALUES.md").read_text(encoding="utf-8")
    shown = {v for v in re.findall(r"`([^`\s=]+)`", markdown) if re.match(r"^(DOC|XXXX|BC|P\d|PT|\d)", v)}
    shown -= {"XXXX-WXX-N", "P0"}  # the notation the text explains, not values
    assert {"DOC-P1DTEV", "XXXX-WXX-4", "PT3H10M", "2016-W06", "BC0500", "2500000"} <= shown
    refused = [v for v in shown
               if all(problems for problems in (value_problems(k, v, "", "") for k in ("time", "duration", "quantity")))]
    assert refused == []


def test_mentions_left_without_an_id_are_not_one_event(tmp_path):
    header = "document\tstart\tend\ttype\ttrigger_text\tevent_id\tnote\n"
    rows = ["d\t1\t2\tCALL\tاتصال", "d\t3\t4\tCALL\tمكالمة", "d\t5\t6\tCALL\tالاتصال"]
    (tmp_path / "a.tsv").write_text(header + "".join(f"{r}\tcall-1\t\n" for r in rows), encoding="utf-8")
    (tmp_path / "b.tsv").write_text(header + "".join(f"{r}\t\t\n" for r in rows), encoding="utf-8")
    # B clustered nothing: no pair found (recall 0), none wrongly claimed (precision 1).
    assert "across documents\t1\t3\t1.000\t0.000\t0.000" in format_agreement(tmp_path / "a.tsv", tmp_path / "b.tsv")
