"""Two annotators, their agreement, and the gold built from their decisions: counted by hand.

A user runs `arabic-news-tagger agreement A B` to see how far two annotators agree (span + type
F1 per layer, and span-only F1 that forgives the type), then adjudicates every disagreement in a
table and builds the gold. The corpora here are tiny brat folders written to ``tmp_path``; every
expected count is worked out in the comments from the annotations themselves.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from arabic_news_tagger.cli import main as cli
from arabic_news_tagger.data.corpus_building.adjudicate import adjudicate, disagreement_rows
from arabic_news_tagger.data.corpus_building.adjudicate import main as adjudicate_main
from arabic_news_tagger.data.corpus_building.adjudicate import disagreements
from arabic_news_tagger.data.corpus import read_corpus
from arabic_news_tagger.evaluate.agreement import agreement
from arabic_news_tagger.evaluate.scoring import span_counts

CONF = Path(__file__).resolve().parents[1] / "data" / "annotation.conf"

MEETING = "التقى الوزير نظيره في القاهرة."
#          التقى 0-5, الوزير 6-12, نظيره 13-18, في 19-21, القاهرة 22-29, «.» 29-30
STRIKE = "قصفت الطائرات المدينة"
#          قصفت 0-4, الطائرات 5-13, المدينة 14-21


def tb(n: int, label: str, surface: str, text: str) -> str:
    """A brat text-bound line for the (only) occurrence of ``surface`` in ``text``."""
    start = text.index(surface)
    return f"T{n}\t{label} {start} {start + len(surface)}\t{surface}"


def corpus(folder: Path, docs: dict[str, tuple[str, list[str]]]) -> Path:
    """A brat corpus folder: ``NAME.txt`` + ``NAME.ann`` per document, and annotation.conf."""
    folder.mkdir(parents=True)
    shutil.copy(CONF, folder / "annotation.conf")
    for name, (text, lines) in docs.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        (folder / f"{name}.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return folder


# Annotator A: three entities and a meeting with three arguments.
A_MEETING = [tb(1, "OCC", "الوزير", MEETING), tb(2, "OCC", "نظيره", MEETING), tb(3, "GPE", "القاهرة", MEETING),
             tb(4, "MEET", "التقى", MEETING), "E1\tMEET:T4 Participant:T1 Participant2:T2 Place:T3"]
# Annotator B: the same three spans, two of them typed otherwise (نظيره PERS, القاهرة LOC); the same
# meeting, with نظيره as its Topic and no Place.
B_MEETING = [tb(1, "OCC", "الوزير", MEETING), tb(2, "PERS", "نظيره", MEETING), tb(3, "LOC", "القاهرة", MEETING),
             tb(4, "MEET", "التقى", MEETING), "E1\tMEET:T4 Participant:T1 Topic:T2"]


@pytest.fixture
def meeting(tmp_path) -> tuple[Path, Path]:
    return (corpus(tmp_path / "a", {"d1": (MEETING, A_MEETING)}),
            corpus(tmp_path / "b", {"d1": (MEETING, B_MEETING)}))


# --- agreement -----------------------------------------------------------------------------------


def test_agreement_f1_is_seqevals_and_needs_no_reference_side():
    """Agreement is scored as a model is: seqeval's micro F1 over the same tag sequences, and
    swapping the annotators swaps A and B, not F1."""
    from seqeval.metrics import f1_score

    a = [["B-PERS", "I-PERS", "O", "B-GPE"], ["B-ORG", "O"]]
    b = [["B-PERS", "O", "O", "B-GPE"], ["B-ORG", "B-DATE"]]
    # A {PERS 0-1, GPE 3, ORG s2:0}, B {PERS 0, GPE 3, ORG s2:0, DATE s2:1}: both 2 (GPE, ORG):
    # P = 2/4, R = 2/3, F1 = 2 * (1/3) / (7/6) = 4/7.
    assert span_counts(a, b) == {"gold": 3, "predicted": 4, "both": 2, "f1": pytest.approx(4 / 7)}
    assert span_counts(b, a) == {"gold": 4, "predicted": 3, "both": 2, "f1": pytest.approx(4 / 7)}
    assert f1_score(a, b) == pytest.approx(4 / 7)


def test_entity_agreement_needs_span_and_type_and_span_only_forgives_the_type(meeting):
    """Both annotators marked the same three words, but typed two of them differently: span +
    type agreement is 1 in 3, span-only agreement is perfect."""
    docs_a, _ = read_corpus(meeting[0])
    docs_b, _ = read_corpus(meeting[1])
    out = agreement(docs_a, docs_b)
    # A 3, B 3, both 1 (OCC الوزير): P = R = 1/3, F1 = 1/3.
    assert out["entities"] == {"a": 3, "b": 3, "both": 1, "f1": pytest.approx(1 / 3)}
    # Without types: the same three spans: F1 = 1.
    assert out["entities (span only)"] == {"a": 3, "b": 3, "both": 3, "f1": 1.0}
    # One trigger each, same span and type.
    assert out["triggers"] == {"a": 1, "b": 1, "both": 1, "f1": 1.0}
    assert out["triggers (span only)"] == {"a": 1, "b": 1, "both": 1, "f1": 1.0}


def test_argument_agreement_needs_the_role_and_span_only_forgives_it(meeting):
    """A's meeting has Participant الوزير, Participant نظيره, Place القاهرة; B's has Participant
    الوزير and Topic نظيره. Role disagreements count in ``arguments``, not in span-only."""
    docs_a, _ = read_corpus(meeting[0])
    docs_b, _ = read_corpus(meeting[1])
    out = agreement(docs_a, docs_b)
    # A 3, B 2, both 1 (Participant الوزير): P = 1/2, R = 1/3, F1 = 2 * (1/6) / (5/6) = 0.4.
    assert out["arguments"] == {"a": 3, "b": 2, "both": 1, "f1": pytest.approx(0.4)}
    # Roles dropped: A {الوزير, نظيره, القاهرة}, B {الوزير, نظيره}: both 2:
    # P = 2/2, R = 2/3, F1 = 2 * (2/3) / (5/3) = 0.8.
    assert out["arguments (span only)"] == {"a": 3, "b": 2, "both": 2, "f1": pytest.approx(0.8)}


def test_a_trigger_typed_differently_disagrees_and_so_do_all_its_arguments(tmp_path):
    """An argument is identified by its trigger's span and event type too: where A says ATTACK
    and B says RELEASE on the same word, the shared Agent is no agreement, even span-only (which
    forgives the role, not the event type)."""
    arg = tb(1, "ARG", "الطائرات", STRIKE)
    a = corpus(tmp_path / "a", {"d2": (STRIKE, [arg, tb(2, "ATTACK", "قصفت", STRIKE), "E1\tATTACK:T2 Agent:T1"])})
    b = corpus(tmp_path / "b", {"d2": (STRIKE, [arg, tb(2, "RELEASE", "قصفت", STRIKE), "E1\tRELEASE:T2 Agent:T1"])})
    out = agreement(read_corpus(a)[0], read_corpus(b)[0])
    # Triggers: A 1, B 1, both 0 -> F1 0; span only: both 1 -> F1 1.
    assert out["triggers"] == {"a": 1, "b": 1, "both": 0, "f1": 0.0}
    assert out["triggers (span only)"] == {"a": 1, "b": 1, "both": 1, "f1": 1.0}
    # Arguments: (ATTACK, Agent, الطائرات) vs (RELEASE, Agent, الطائرات): both 0, with or without role.
    assert out["arguments"] == {"a": 1, "b": 1, "both": 0, "f1": 0.0}
    assert out["arguments (span only)"] == {"a": 1, "b": 1, "both": 0, "f1": 0.0}
    # ARG spans are argument-only spans of the event layer, not entities.
    assert out["entities"]["a"] == out["entities"]["b"] == 0


def test_the_same_span_in_another_document_is_no_agreement(tmp_path):
    """Two documents with the same text: A marks بوتين in the first, B in the second. Same
    offsets, same type, different documents: nothing agrees."""
    text = "اتصل بوتين"
    person = [tb(1, "PERS", "بوتين", text)]
    a = corpus(tmp_path / "a", {"x": (text, person), "y": (text, [])})
    b = corpus(tmp_path / "b", {"x": (text, []), "y": (text, person)})
    out = agreement(read_corpus(a)[0], read_corpus(b)[0])
    # A {(x, 5, 10, PERS)}, B {(y, 5, 10, PERS)}: both 0.
    assert out["entities"] == {"a": 1, "b": 1, "both": 0, "f1": 0.0}
    assert out["entities (span only)"]["both"] == 0


def test_annotations_of_different_documents_cannot_be_compared(tmp_path):
    """Agreement over different texts would be meaningless: the user is told which documents
    only one side has."""
    a = corpus(tmp_path / "a", {"x": ("اتصل بوتين", []), "y": ("اتصل بوتين", [])})
    b = corpus(tmp_path / "b", {"x": ("اتصل بوتين", []), "z": ("اتصل بوتين", [])})
    with pytest.raises(ValueError, match=r"different documents: \['y', 'z'\]"):
        agreement(read_corpus(a)[0], read_corpus(b)[0])


def test_disagreements_list_each_item_once_with_the_side_that_has_it(meeting):
    """What the adjudicator works through: items only one annotator has, in text order, A's
    before B's at the same place."""
    docs_a, _ = read_corpus(meeting[0])
    docs_b, _ = read_corpus(meeting[1])
    assert disagreements(docs_a, docs_b, "entities") == [
        ("A only", ("d1", 13, 18, "OCC")), ("B only", ("d1", 13, 18, "PERS")),
        ("A only", ("d1", 22, 29, "GPE")), ("B only", ("d1", 22, 29, "LOC")),
    ]
    assert disagreements(docs_a, docs_b, "triggers") == []
    # Argument items: (document, trigger start, end, event type, role, argument start, end).
    assert sorted(disagreements(docs_a, docs_b, "arguments")) == [
        ("A only", ("d1", 0, 5, "MEET", "Participant", 13, 18)),
        ("A only", ("d1", 0, 5, "MEET", "Place", 22, 29)),
        ("B only", ("d1", 0, 5, "MEET", "Topic", 13, 18)),
    ]


def test_the_agreement_command_prints_the_table_of_every_layer(meeting, capsys):
    """`arabic-news-tagger agreement A B` prints one row per layer: items of A, of B, shared, F1."""
    assert cli(["agreement", str(meeting[0]), str(meeting[1])]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[2:8] == [
        "| entities | 3 | 3 | 1 | 0.333 |",
        "| entities (span only) | 3 | 3 | 3 | 1.000 |",
        "| triggers | 1 | 1 | 1 | 1.000 |",
        "| triggers (span only) | 1 | 1 | 1 | 1.000 |",
        "| arguments | 3 | 2 | 1 | 0.400 |",
        "| arguments (span only) | 3 | 2 | 2 | 0.800 |",
    ]
    # Then seqeval's per-type report, A as the reference: OCC A {الوزير, نظيره}, B {الوزير}: P 1, R 1/2.
    occ = next(line.split() for line in lines if line.strip().startswith("OCC"))
    assert occ[1:] == ["1.000", "0.500", "0.667", "2"]
    assert "Triggers per type" in out


def test_the_agreement_command_refuses_a_broken_corpus_naming_the_file(tmp_path, capsys):
    """An annotation that does not match its text stops the comparison with file and line."""
    a = corpus(tmp_path / "a", {"d1": (MEETING, A_MEETING)})
    b = corpus(tmp_path / "b", {"d1": (MEETING, ["T1\tOCC 6 11\tالوزير"])})  # offsets one short
    assert cli(["agreement", str(a), str(b)]) == 2
    assert "d1.ann:1:" in capsys.readouterr().err


# --- adjudication ---------------------------------------------------------------------------------

HEADER = "layer\tside\tdocument\titem\tdecision\trule"


def table(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


# One decision per disagreement of the meeting (7: 4 entities, 3 arguments).
DECISIONS = [
    "entities\tA only\td1\tOCC 13 18 نظيره\tkeep\tcounterpart is an office",
    "entities\tB only\td1\tPERS 13 18 نظيره\tdrop\tcounterpart is an office",
    "entities\tA only\td1\tGPE 22 29 القاهرة\tdrop\ta city, but B's reading is kept",
    "entities\tB only\td1\tLOC 22 29 القاهرة\tkeep\ta city, but B's reading is kept",
    "arguments\tA only\td1\tMEET 0 5 Participant 13 18 التقى -> نظيره\tkeep\tthe counterpart met",
    "arguments\tA only\td1\tMEET 0 5 Place 22 29 التقى -> القاهرة\tkeep\twhere it happened",
    "arguments\tB only\td1\tMEET 0 5 Topic 13 18 التقى -> نظيره\tdrop\ta person is no topic",
]


def test_gold_is_what_both_agree_on_plus_the_kept_disagreements(meeting, tmp_path):
    """Agreed items go into the gold without a row; each disagreement goes in or out as its row
    says, whichever annotator it came from."""
    (gold,) = adjudicate(*meeting, table(tmp_path / "t.tsv", DECISIONS))
    assert gold.id == "d1" and gold.text == MEETING
    # Agreed: OCC الوزير. Kept: OCC نظيره (A), LOC القاهرة (B).
    assert [(e.label, e.start, e.end) for e in gold.entities] == [("OCC", 6, 12), ("OCC", 13, 18), ("LOC", 22, 29)]
    (event,) = gold.events
    assert (event.type, event.trigger.text) == ("MEET", "التقى")
    # Agreed: Participant الوزير. Kept from A: Participant نظيره, Place القاهرة. Dropped: Topic.
    assert [(x.label, x.text) for x in event.arguments] == [("Participant", "الوزير"), ("Participant", "نظيره"), ("Place", "القاهرة")]


def test_a_disagreement_without_a_row_stops_the_build(meeting, tmp_path):
    """No disagreement is settled silently: one missing row names the layer, side and item."""
    with pytest.raises(ValueError, match=r"no decision for arguments B only \('d1', 0, 5, 'MEET', 'Topic', 13, 18\)"):
        adjudicate(*meeting, table(tmp_path / "t.tsv", DECISIONS[:-1]))


def test_a_decision_other_than_keep_or_drop_is_refused_with_its_line(meeting, tmp_path):
    rows = DECISIONS[:2] + [DECISIONS[2].replace("\tdrop\t", "\tmaybe\t")] + DECISIONS[3:]
    # Header is line 1; the third row is line 4.
    with pytest.raises(ValueError, match=r"t.tsv:4: decision must be keep or drop, not 'maybe'"):
        adjudicate(*meeting, table(tmp_path / "t.tsv", rows))


def test_the_template_lists_every_disagreement_and_once_decided_builds_the_gold(meeting, tmp_path, capsys):
    """The adjudicator's workflow: write the template, fill in the decisions, build the gold
    files; the gold written is a valid corpus that reads back as decided."""
    template = tmp_path / "template.tsv"
    assert adjudicate_main(["--template", str(meeting[0]), str(meeting[1]), str(template)]) == 0
    assert "7 disagreements to decide" in capsys.readouterr().out
    with open(template, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    # 4 entity rows, 0 trigger rows, 3 argument rows, in that order; each with its line of text.
    assert [r["layer"] for r in rows] == ["entities"] * 4 + ["arguments"] * 3
    assert {r["context"] for r in rows} == {MEETING} and {r["line"] for r in rows} == {"1"}
    assert rows[0]["item"] == "OCC 13 18 نظيره"
    assert all(r["decision"] == "" for r in rows)

    # Decide for A everywhere: keep what only A has, drop what only B has.
    for r in rows:
        r["decision"] = "keep" if r["side"] == "A only" else "drop"
    with open(template, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    out = tmp_path / "gold"
    out.mkdir()
    shutil.copy(CONF, out / "annotation.conf")
    shutil.copy(meeting[0] / "d1.txt", out / "d1.txt")
    assert adjudicate_main([str(meeting[0]), str(meeting[1]), str(template), str(out)]) == 0
    (gold,), _ = read_corpus(out)  # refuses an invalid corpus
    (a,), _ = read_corpus(meeting[0])
    # Deciding for A everywhere gives back A's annotation exactly.
    assert (gold.entities, gold.events) == (a.entities, a.events)


def test_corrections_fix_agreed_items_after_the_decisions(meeting, tmp_path):
    """A correction removes an item both annotators agreed on (or adds one neither had)."""
    fixes = table(tmp_path / "c.tsv", [
        "entities\tremove\td1\tOCC 6 12 الوزير\tthe minister is named elsewhere",
        "arguments\tadd\td1\tMEET 0 5 Participant 22 29 التقى -> القاهرة\tthe city's delegation",
    ], header="layer\taction\tdocument\titem\trule")
    (gold,) = adjudicate(*meeting, table(tmp_path / "t.tsv", DECISIONS), fixes)
    assert [e.text for e in gold.entities] == ["نظيره", "القاهرة"]
    # Sorted by (start, end, role): Participant الوزير 6-12, Participant نظيره 13-18,
    # Participant القاهرة 22-29, Place القاهرة 22-29.
    assert [(x.label, x.start) for x in gold.events[0].arguments] == [
        ("Participant", 6), ("Participant", 13), ("Participant", 22), ("Place", 22)]


def test_a_correction_that_changes_nothing_is_refused(meeting, tmp_path):
    fixes = table(tmp_path / "c.tsv", ["entities\tadd\td1\tOCC 6 12 الوزير\talready agreed"],
                  header="layer\taction\tdocument\titem\trule")
    with pytest.raises(ValueError, match=r"c.tsv:2: add 'OCC 6 12 الوزير' changes nothing \(already in the gold\)"):
        adjudicate(*meeting, table(tmp_path / "t.tsv", DECISIONS), fixes)


STRIKE_DECISIONS = [
    "triggers\tA only\td2\tATTACK 0 4 قصفت\tkeep\tan air strike",
    "triggers\tB only\td2\tRELEASE 0 4 قصفت\tdrop\tan air strike",
    "arguments\tA only\td2\tATTACK 0 4 Agent 5 13\tdrop\t",
    "arguments\tB only\td2\tRELEASE 0 4 Agent 5 13\tkeep\tthe aircraft did it",
]


@pytest.fixture
def strike(tmp_path) -> tuple[Path, Path]:
    arg = tb(1, "ARG", "الطائرات", STRIKE)
    return (corpus(tmp_path / "a", {"d2": (STRIKE, [arg, tb(2, "ATTACK", "قصفت", STRIKE), "E1\tATTACK:T2 Agent:T1"])}),
            corpus(tmp_path / "b", {"d2": (STRIKE, [arg, tb(2, "RELEASE", "قصفت", STRIKE), "E1\tRELEASE:T2 Agent:T1"])}))


def test_a_trigger_type_decision_keeps_the_arguments_decided_for_that_type(strike, tmp_path):
    """Where the annotators typed a trigger differently, its arguments are decided per event
    type: keeping ATTACK and its Agent gives an ATTACK with its Agent."""
    rows = [STRIKE_DECISIONS[0], STRIKE_DECISIONS[1],
            STRIKE_DECISIONS[2].replace("\tdrop\t", "\tkeep\t"), STRIKE_DECISIONS[3].replace("\tkeep\t", "\tdrop\t")]
    (gold,) = adjudicate(*strike, table(tmp_path / "t.tsv", rows))
    assert [(ev.type, [(x.label, x.text) for x in ev.arguments]) for ev in gold.events] == [("ATTACK", [("Agent", "الطائرات")])]


def test_keeping_an_argument_of_a_dropped_trigger_is_refused(strike, tmp_path):
    """The table keeps RELEASE's Agent but drops the RELEASE trigger: the decision cannot take
    effect, so the adjudicator must be told rather than lose the argument."""
    with pytest.raises(ValueError, match="not in the gold"):
        adjudicate(*strike, table(tmp_path / "t.tsv", STRIKE_DECISIONS))


def test_a_correction_adding_an_argument_to_a_missing_trigger_is_refused(meeting, tmp_path):
    """A correction must change the gold: adding an argument to an ATTACK at التقى, where the
    gold has a MEET, changes nothing and must be an error."""
    fixes = table(tmp_path / "c.tsv", ["arguments\tadd\td1\tATTACK 0 5 Agent 6 12 التقى -> الوزير\tmissed"],
                  header="layer\taction\tdocument\titem\trule")
    with pytest.raises(ValueError, match="not in the gold"):
        adjudicate(*meeting, table(tmp_path / "t.tsv", DECISIONS), fixes)


def test_disagreement_rows_give_the_line_of_text_each_item_sits_on(tmp_path):
    """In a document of several lines, each row names the line (1-based) and quotes it."""
    text = "عنوان الخبر\nاتصل بوتين\n"
    a = corpus(tmp_path / "a", {"n": (text, [tb(1, "PERS", "بوتين", text)])})
    b = corpus(tmp_path / "b", {"n": (text, [])})
    (row,) = disagreement_rows(a, b)
    # بوتين starts at 17 (عنوان الخبر is 11 characters, then "\n", then اتصل and a space): line 2.
    assert (row["layer"], row["side"], row["item"], row["line"], row["context"]) == (
        "entities", "A only", "PERS 17 22 بوتين", 2, "اتصل بوتين")
