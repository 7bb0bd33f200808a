"""The validator: the gold and both raw annotations pass; every kind of broken annotation fails with
``path:line: message``. Broken corpora are built in tmp_path from small strings."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from arabic_news_tagger.cli import main
from arabic_news_tagger.data.schema import load_schema
from arabic_news_tagger.data.validate import validate_directory

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
RAW_A = DATA / "raw" / "annotator_a"
RAW_B = DATA / "raw" / "annotator_b"
LINE_FORMAT = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<message>.+)$", re.S)

# Two sentences (GUIDELINES §0: ". " ends a sentence).
TEXT = "اتصل بوتين بترامب هاتفيا. وقال الكرملين إن الاتصال استمر ساعتين."


def at(word: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def tb(tid: str, label: str, word: str, start: int | None = None, end: int | None = None, surface: str | None = None) -> str:
    s, e = at(word)
    s = s if start is None else start
    e = e if end is None else end
    return f"{tid}\t{label} {s} {e}\t{word if surface is None else surface}"


VALID = [
    tb("T1", "PERS", "بوتين"),
    tb("T2", "CALL", "اتصل"),
    tb("T3", "PERS", "بترامب"),
    tb("T4", "ORG", "الكرملين"),
    tb("T5", "TIME", "ساعتين"),
    tb("T6", "CALL", "الاتصال"),
    "E1\tCALL:T2 Participant:T1 Participant2:T3",
    "E2\tCALL:T6 Duration:T5",
]


@pytest.fixture
def corpus(tmp_path):
    """Write one-document corpora under tmp_path (annotation.conf copied to tmp_path)."""
    shutil.copy(DATA / "annotation.conf", tmp_path / "annotation.conf")

    def make(name: str, ann: list[str] | bytes | None, text: str | bytes = TEXT) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "doc.txt").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        if ann is not None:
            (d / "doc.ann").write_bytes(ann if isinstance(ann, bytes) else "".join(line + "\n" for line in ann).encode("utf-8"))
        return d

    return make


def problem_lines(directory: Path) -> list[str]:
    lines = [str(p) for p in validate_directory(directory)]
    for line in lines:
        assert LINE_FORMAT.match(line), line
    return lines


def assert_reports(directory: Path, file: str, line: int, fragment: str) -> list[str]:
    lines = problem_lines(directory)
    prefix = f"{directory / file}:{line}: "
    hits = [p for p in lines if p.startswith(prefix) and fragment in p[len(prefix):]]
    assert hits, f"expected {prefix}...{fragment}... in:\n" + "\n".join(lines)
    return lines


# --- the real annotations pass -----------------------------------------------------------------

@pytest.mark.parametrize("directory", [DATA, RAW_A, RAW_B], ids=["gold", "annotator_a", "annotator_b"])
def test_real_annotations_pass(directory):
    assert validate_directory(directory) == []


def test_the_base_fixture_is_valid(corpus):
    assert problem_lines(corpus("valid", VALID)) == []


# --- every kind of problem ---------------------------------------------------------------------

def with_line(n: int, line: str) -> list[str]:
    """VALID with its line n (1-based) replaced."""
    out = list(VALID)
    out[n - 1] = line
    return out


s_putin, e_putin = at("بوتين")

BROKEN = {
    "offsets_outside_text": (with_line(1, f"T1\tPERS {s_putin} {len(TEXT) + 5}\tبوتين"), 1, "outside the text"),
    "negative_or_empty_span": (with_line(1, f"T1\tPERS {s_putin} {s_putin}\t"), 1, "outside the text (length"),
    "surface_differs": (with_line(1, tb("T1", "PERS", "بوتين", surface="بوتن")), 1, "recorded text 'بوتن' differs"),
    "not_word_boundaries": (with_line(1, tb("T1", "PERS", "بوتين", start=s_putin + 1, surface="وتين")), 1, "does not start and end on word boundaries"),
    "unknown_entity_type": (with_line(4, tb("T4", "PERSON", "الكرملين")), 4, "unknown type 'PERSON'"),
    "unknown_event_type": (with_line(6, tb("T6", "VISIT", "الاتصال"))[:7] + ["E2\tVISIT:T6 Duration:T5"], 8, "unknown event type 'VISIT'"),
    "unknown_role": (with_line(8, "E2\tCALL:T6 Length:T5"), 8, "role Length is not admitted by CALL"),
    "role_not_admitted_by_event_type": (with_line(8, "E2\tCALL:T6 Mediator:T5"), 8, "role Mediator is not admitted by CALL"),
    "overlapping_entities": (VALID + [tb("T7", "GPE", "بوتين بترامب")], 9, "overlaps T1 PERS"),
    "dangling_argument": (with_line(8, "E2\tCALL:T6 Duration:T99"), 8, "argument Duration:T99 points to an undefined annotation"),
    "undefined_trigger": (with_line(8, "E2\tCALL:T42 Duration:T5"), 8, "trigger T42 is not defined"),
    "argument_outside_sentence": (with_line(8, "E2\tCALL:T6 Participant:T1 Duration:T5"), 8, "argument Participant:T1 'بوتين' lies outside its trigger's sentence"),
    "malformed_textbound": (with_line(5, "T5 TIME 60 66 ساعتين"), 5, "malformed text-bound line"),
    "malformed_textbound_offsets": (with_line(5, "T5\tTIME sixty 66\tساعتين"), 5, "malformed text-bound line"),
    "discontinuous": (with_line(5, "T5\tTIME 0 2;60 66\tساعتين"), 5, "discontinuous spans are not supported"),
    "malformed_event": (with_line(8, "E2\tCALL"), 8, "malformed event line"),
    "malformed_argument": (with_line(8, "E2\tCALL:T6 Duration"), 8, "malformed argument 'Duration'"),
    "relation_line": (VALID + ["R1\tRel Arg1:T1 Arg2:T3"], 9, "unsupported annotation line"),
    "duplicate_id": (VALID + [tb("T1", "PERS", "بترامب")], 9, "T1 is defined twice (first at line 1)"),
    "trigger_typed_otherwise": (with_line(8, "E2\tMEET:T6 Duration:T5"), 8, "event type MEET but its trigger T6 is typed CALL"),
    "trigger_of_no_event": (VALID[:-1], 6, "trigger CALL 'الاتصال' is used by no event"),
    "unused_argument_span": (VALID + [tb("T7", "ARG", "هاتفيا")], 9, "argument-only span ARG 'هاتفيا' is an argument of no event"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_annotation_is_reported_with_file_and_line(corpus, case):
    ann, line, fragment = BROKEN[case]
    d = corpus(case, ann)
    assert_reports(d, "doc.ann", line, fragment)


def test_unknown_event_type_also_reports_its_trigger_line(corpus):
    ann, _, _ = BROKEN["unknown_event_type"]
    assert_reports(corpus("unknown_event_trigger", ann), "doc.ann", 6, "T6: unknown type 'VISIT'")


NESTED_TEXT = "مجلس الأمن الدولي في نيويورك اليوم"


def test_every_overlapping_entity_pair_is_reported(corpus):
    def span(tid, label, word):
        s, e = at(word, NESTED_TEXT)
        return f"{tid}\t{label} {s} {e}\t{word}"

    ann = [span("T1", "ORG", "مجلس الأمن الدولي في نيويورك"), span("T2", "ORG", "الأمن"), span("T3", "GPE", "نيويورك")]
    d = corpus("nested_overlaps", ann, text=NESTED_TEXT)
    assert_reports(d, "doc.ann", 2, "T2: ORG span 'الأمن' overlaps T1")
    assert_reports(d, "doc.ann", 3, "T3: GPE span 'نيويورك' overlaps T1")


def test_every_problem_of_a_file_is_reported_in_one_run(corpus):
    ann = with_line(1, tb("T1", "PERSON", "بوتين")) + ["E3\tCALL:T42", "R1\tRel Arg1:T1 Arg2:T3"]
    lines = problem_lines(corpus("many", ann))
    where = {int(LINE_FORMAT.match(p)["line"]) for p in lines}
    assert {1, 9, 10} <= where
    assert lines == sorted(lines, key=lambda p: int(LINE_FORMAT.match(p)["line"]))


def test_missing_ann_beside_a_txt(corpus):
    assert_reports(corpus("no_ann", None), "doc.ann", 0, "no annotation file beside doc.txt")


def test_ann_without_its_txt(corpus):
    d = corpus("orphan", VALID)
    (d / "other.ann").write_text(VALID[0] + "\n", encoding="utf-8")
    assert_reports(d, "other.ann", 0, "no text file other.txt beside it")


def test_non_utf8_txt(corpus):
    d = corpus("latin1_txt", VALID, text=TEXT.encode("utf-8")[:10] + b"\xff\xfe" + TEXT.encode("utf-8")[10:])
    assert_reports(d, "doc.txt", 0, "not UTF-8")


NON_UTF8_ANN = ("\n".join(VALID) + "\n").encode("utf-8") + b"T9\tPERS 5 10\t\xe9\n"


def test_non_utf8_ann_fails_the_validation(corpus):
    lines = problem_lines(corpus("latin1_ann", NON_UTF8_ANN))
    assert len(lines) == 1 and "not UTF-8" in lines[0]


def test_non_utf8_ann_names_the_ann_file(corpus):
    assert_reports(corpus("latin1_ann_name", NON_UTF8_ANN), "doc.ann", 0, "not UTF-8")


def test_missing_annotation_conf_is_reported(tmp_path):
    d = tmp_path / "noconf"
    d.mkdir()
    (d / "doc.txt").write_text(TEXT, encoding="utf-8")
    lines = problem_lines(d)
    assert len(lines) == 1 and "no annotation.conf" in lines[0]


def test_empty_directory_is_reported(corpus, tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    shutil.copy(DATA / "annotation.conf", d / "annotation.conf")
    assert problem_lines(d) == [f"{d}:0: no .txt documents in this directory"]


# --- the command line --------------------------------------------------------------------------

def test_cli_validate_prints_every_problem_and_returns_1(corpus, capsys):
    d = corpus("cli", with_line(1, tb("T1", "PERSON", "بوتين")) + ["E3\tCALL:T42", "R1\tRel Arg1:T1 Arg2:T3"])
    expected = [str(p) for p in validate_directory(d)]
    assert len(expected) >= 3
    assert main(["validate", str(d)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == expected
    assert f"{d}: {len(expected)} problem(s)" in err


def test_cli_validate_returns_0_on_the_gold_and_raw_annotations(capsys):
    assert main(["validate", str(DATA), str(RAW_A), str(RAW_B)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines() == [f"{DATA}: ok", f"{RAW_A}: ok", f"{RAW_B}: ok"]


def test_cli_validate_one_bad_directory_among_good_ones_returns_1(corpus, capsys):
    d = corpus("cli_mixed", None)
    assert main(["validate", str(DATA), str(d)]) == 1
    out, _ = capsys.readouterr()
    assert f"{DATA}: ok" in out and f"{d / 'doc.ann'}:0: no annotation file beside doc.txt" in out


def test_cli_stats_prints_the_counts(capsys, monkeypatch):
    # Counted here straight from the .ann files, independently of data/stats.py.
    schema = load_schema(DATA)
    entities, events, roles = Counter(), Counter(), Counter()
    for ann in sorted(DATA.glob("*.ann")):
        for line in ann.read_text(encoding="utf-8").splitlines():
            if line.startswith("T"):
                label = line.split("\t")[1].split()[0]
                if label in schema.entity_types:
                    entities[label] += 1
            elif line.startswith("E"):
                parts = line.split("\t")[1].split()
                events[parts[0].split(":")[0]] += 1
                roles.update(re.sub(r"\d+$", "", p.split(":")[0]) for p in parts[1:])
    monkeypatch.chdir(REPO)
    assert main(["stats", "data"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"documents: {len(list(DATA.glob('*.txt')))}"
    assert f"entities ({sum(entities.values())})" in lines
    assert f"events ({sum(events.values())})" in lines
    assert f"roles ({sum(roles.values())})" in lines
    table = {tuple(line.split()) for line in lines if line.startswith("  ")}
    for counter in (entities, events, roles):
        for name, n in counter.items():
            assert (name, str(n)) in table, (name, n)


def test_cli_stats_on_a_broken_corpus_is_an_error_naming_file_and_line(corpus, capsys):
    d = corpus("stats_broken", with_line(4, tb("T4", "PERSON", "الكرملين")))
    assert main(["stats", str(d)]) == 2
    err = capsys.readouterr().err
    assert f"{d / 'doc.ann'}:4: T4: unknown type 'PERSON'" in err
