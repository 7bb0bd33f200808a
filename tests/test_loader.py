"""The datasets view of the brat corpus: splits by document, label sets from annotation.conf,
offsets that slice to the words, tags that decode back to the gold spans."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from arabic_news_tagger.data.brat import AnnotationError
from arabic_news_tagger.data.corpus import read_corpus
from arabic_news_tagger.data.loader import leave_one_document_out, load_corpus, resolve_document_ids
from arabic_news_tagger.data.schema import load_schema
from arabic_news_tagger.data.segment import sentences
from arabic_news_tagger.data.tags import spans_to_tags, tags_to_spans

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


@pytest.fixture(scope="module")
def gold():
    documents, schema = read_corpus(DATA)
    return {d.id: d for d in documents}, schema


@pytest.fixture(scope="module")
def dataset():
    return load_corpus(DATA, held_out=["004"])


def decode(ds, column: str, row: dict) -> list[str]:
    return ds.features[column].feature.int2str(row[column])


def offsets(row: dict) -> list[tuple[int, int]]:
    return list(zip(row["word_starts"], row["word_ends"]))


def test_splits(dataset):
    assert set(dataset) == {"train", "test", "train_arguments", "test_arguments"}
    assert all(len(dataset[split]) > 0 for split in dataset)


def test_without_held_out_documents_there_is_no_test_split():
    assert set(load_corpus(DATA)) == {"train", "train_arguments"}


def test_label_names_come_from_annotation_conf(dataset, gold):
    _, schema = gold
    for split in ("train", "test"):
        assert dataset[split].features["entity_tags"].feature.names == schema.label_list("entities")
        assert dataset[split].features["trigger_tags"].feature.names == schema.label_list("triggers")
    for split in ("train_arguments", "test_arguments"):
        assert dataset[split].features["argument_tags"].feature.names == schema.label_list("arguments")
        assert dataset[split].features["event_type"].names == list(schema.event_types)
    names = dataset["train"].features["entity_tags"].feature.names
    assert names[0] == "O" and {"B-PERS", "I-PERS", "B-GPE", "B-CURR"} <= set(names)
    assert "B-ARG" not in names  # argument-only spans are not entities


def test_a_type_added_to_the_conf_appears_without_code_changes(tmp_path):
    for f in DATA.glob("*.txt"):
        shutil.copy(f, tmp_path)
        shutil.copy(f.with_suffix(".ann"), tmp_path)
    conf = (DATA / "annotation.conf").read_text(encoding="utf-8")
    conf = conf.replace("\nCURR\n", "\nCURR\nVEHICLE\n", 1)
    conf = conf.replace("\n[attributes]", "\nVISIT\tVisitor*:<SPAN>, Place*:<SPAN>\n\n[attributes]", 1)
    (tmp_path / "annotation.conf").write_text(conf, encoding="utf-8")
    ds = load_corpus(tmp_path, held_out=["004"])
    entity_names = ds["train"].features["entity_tags"].feature.names
    assert entity_names[-2:] == ["B-VEHICLE", "I-VEHICLE"]
    assert entity_names == load_schema(tmp_path).label_list("entities")
    assert "B-VISIT" in ds["train"].features["trigger_tags"].feature.names
    assert "B-Visitor" in ds["train_arguments"].features["argument_tags"].feature.names
    assert ds["train_arguments"].features["event_type"].names[-1] == "VISIT"


def test_documents_are_wholly_in_train_or_in_test(dataset, gold):
    docs, _ = gold
    train = set(dataset["train"]["document_id"])
    test = set(dataset["test"]["document_id"])
    assert not train & test
    assert test == {d for d in docs if d.startswith("004")}
    assert train | test == set(docs)
    assert set(dataset["test_arguments"]["document_id"]) <= test
    assert set(dataset["train_arguments"]["document_id"]) <= train


def test_every_word_offset_slices_to_the_word(dataset, gold):
    docs, _ = gold
    for split in dataset:
        for row in dataset[split]:
            text = docs[row["document_id"]].text
            s_start, s_end = sentences(text)[row["sentence_id"]]
            assert row["sentence_start"] == s_start
            assert len(row["words"]) == len(row["word_starts"]) == len(row["word_ends"]) > 0
            for word, s, e in zip(row["words"], row["word_starts"], row["word_ends"]):
                assert s_start <= s < e <= s_end
                assert text[s:e] == word


def test_entity_tags_decode_to_exactly_the_gold_entities(dataset, gold):
    docs, _ = gold
    decoded = set()
    for split in ("train", "test"):
        ds = dataset[split]
        for row in ds:
            doc = docs[row["document_id"]]
            s_start, s_end = sentences(doc.text)[row["sentence_id"]]
            spans = tags_to_spans(offsets(row), decode(ds, "entity_tags", row))
            expected = sorted((e.start, e.end, e.label) for e in doc.entities if s_start <= e.start and e.end <= s_end)
            assert spans == expected, (row["document_id"], row["sentence_id"])
            decoded.update((row["document_id"], *span) for span in spans)
    # and no gold entity is lost between sentences
    assert decoded == {(d.id, e.start, e.end, e.label) for d in docs.values() for e in d.entities}


def test_trigger_tags_decode_to_gold_triggers(dataset, gold):
    docs, _ = gold
    for split in ("train", "test"):
        ds = dataset[split]
        for row in ds:
            doc = docs[row["document_id"]]
            triggers = {(ev.trigger.start, ev.trigger.end, ev.type) for ev in doc.events}
            spans = tags_to_spans(offsets(row), decode(ds, "trigger_tags", row))
            assert set(spans) <= triggers


def test_argument_view_has_one_row_per_gold_event(dataset, gold):
    docs, _ = gold
    rows = [(split, row) for split in ("train_arguments", "test_arguments") for row in dataset[split]]
    assert len(rows) == sum(len(d.events) for d in docs.values())
    expected = sorted(
        (d.id, ev.trigger.start, ev.trigger.end, ev.type) for d in docs.values() for ev in d.events
    )
    got = []
    for split, row in rows:
        ds = dataset[split]
        event_type = ds.features["event_type"].int2str(row["event_type"])
        first, last = row["trigger_word_start"], row["trigger_word_end"] - 1
        assert 0 <= first <= last < len(row["words"])
        got.append((row["document_id"], row["word_starts"][first], row["word_ends"][last], event_type))
        # the role tags are the gold arguments of that event, as the tag view of them
        doc = docs[row["document_id"]]
        event = next(
            ev for ev in doc.events
            if (ev.trigger.start, ev.trigger.end, ev.type) == got[-1][1:]
        )
        want = spans_to_tags(offsets(row), [(a.start, a.end, a.label) for a in event.arguments])
        assert ds.features["argument_tags"].feature.int2str(row["argument_tags"]) == want
    assert sorted(got) == expected


def test_resolve_document_ids():
    ids = ["000_aa", "001_bb", "004_cc"]
    assert resolve_document_ids(["004"], ids) == ["004_cc"]
    assert resolve_document_ids(["001_bb", "000"], ids) == ["001_bb", "000_aa"]
    with pytest.raises(ValueError, match=r"'999' matches no document"):
        resolve_document_ids(["999"], ids)
    with pytest.raises(ValueError, match=r"'00' matches 3 documents"):
        resolve_document_ids(["00"], ids)


def test_unknown_held_out_document_is_an_error():
    with pytest.raises(ValueError, match="matches no document"):
        load_corpus(DATA, held_out=["999"])


def test_leave_one_document_out(gold):
    docs, _ = gold
    folds = leave_one_document_out(list(reversed(list(docs))))
    assert len(folds) == 5
    assert [test for _, test in folds] == [[d] for d in sorted(docs)]
    for train, test in folds:
        assert len(test) == 1 and test[0] not in train
        assert sorted(train + test) == sorted(docs)


def copy_corpus(tmp_path: Path) -> Path:
    for f in [*DATA.glob("*.txt"), *DATA.glob("*.ann"), DATA / "annotation.conf"]:
        shutil.copy(f, tmp_path)
    return tmp_path


def test_a_broken_ann_is_an_annotation_error_naming_file_and_line(tmp_path):
    d = copy_corpus(tmp_path)
    ann = sorted(d.glob("*.ann"))[2]
    lines = ann.read_text(encoding="utf-8").split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("T") and "\tPERS " in line)
    lines[n] = lines[n].replace("\tPERS ", "\tPERSON ", 1)
    ann.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(AnnotationError) as err:
        load_corpus(d, held_out=["004"])
    assert f"{ann}:{n + 1}: " in str(err.value)
    assert "unknown type 'PERSON'" in str(err.value)


def test_a_non_utf8_txt_is_an_error_naming_the_file(tmp_path):
    d = copy_corpus(tmp_path)
    txt = sorted(d.glob("*.txt"))[1]
    txt.write_bytes(txt.read_bytes().replace("الرئيس".encode("utf-8"), "الرئيس".encode("cp1256"), 1))
    with pytest.raises(AnnotationError, match="not UTF-8") as err:
        load_corpus(d)
    assert str(txt) in str(err.value)


def test_the_first_event_of_article_004_by_hand(repo_root):
    """004's headline «الكرملين: المحادثة الهاتفية بين بوتين وترامب قيد الإعداد» holds a CALL whose
    trigger is «المحادثة الهاتفية» (words 2-3) and whose Participants are «بوتين» and «وترامب»
    (words 5 and 6): read off 004's .ann by hand, not computed with the loader's own helpers."""
    ds = load_corpus(repo_root / "data", held_out=["004"])
    row = ds["test_arguments"][0]
    assert row["words"] == ["الكرملين", ":", "المحادثة", "الهاتفية", "بين", "بوتين", "وترامب", "قيد", "الإعداد"]
    assert (row["sentence_id"], row["trigger_word_start"], row["trigger_word_end"]) == (0, 2, 4)
    assert ds["test_arguments"].features["event_type"].int2str(row["event_type"]) == "CALL"
    assert ds["test_arguments"].features["argument_tags"].feature.int2str(row["argument_tags"]) == [
        "O", "O", "O", "O", "O", "B-Participant", "B-Participant", "O", "O"]
    sentence = ds["test"][0]
    assert ds["test"].features["entity_tags"].feature.int2str(sentence["entity_tags"]) == [
        "B-ORG", "O", "O", "O", "O", "B-PERS", "B-PERS", "O", "O"]
    assert ds["test"].features["trigger_tags"].feature.int2str(sentence["trigger_tags"]) == [
        "O", "O", "B-CALL", "I-CALL", "O", "O", "O", "O", "O"]
    assert (sentence["word_starts"][5], sentence["word_ends"][6]) == (32, 44)  # T2 32-37, T3 38-44
