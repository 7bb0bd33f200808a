"""The document owns its segmentation: every stage reads the same sentences and words from it, and
one function says which words a character span touches."""

from __future__ import annotations

from arabic_news_tagger.data.document import Document, Sentence, Span
from arabic_news_tagger.data.loader import sentence_records
from arabic_news_tagger.data.schema import load_schema
from arabic_news_tagger.data.tags import covered_words

TEXT = "اتصل بوتين بترامب.\n\nثم قال: نعم!"
#       0123456789012345678 9 0123456789012
# «اتصل» 0-4, «بوتين» 5-10, «بترامب» 11-17, «.» 17-18; blank lines; «ثم» 20-22, «قال» 23-26,
# «:» 26-27, «نعم» 28-31, «!» 31-32.


def test_a_document_segments_its_text_once_into_sentences_of_words():
    doc = Document("d", TEXT)
    assert doc.sentences == [
        Sentence(0, 0, 18, ((0, 4), (5, 10), (11, 17), (17, 18))),
        Sentence(1, 20, 32, ((20, 22), (23, 26), (26, 27), (28, 31), (31, 32))),
    ]
    assert doc.sentences is doc.sentences  # computed once, not per reader
    assert [TEXT[a:b] for a, b in doc.sentences[1].words] == ["ثم", "قال", ":", "نعم", "!"]


def test_a_changed_text_is_segmented_again():
    doc = Document("d", TEXT)
    first = doc.sentences
    doc.text = "نعم."
    assert doc.sentences != first and doc.sentences == [Sentence(0, 0, 4, ((0, 3), (3, 4)))]


def test_an_empty_or_blank_text_has_no_sentences():
    assert Document("d", "").sentences == [] and Document("d", " \n\n ").sentences == []


def test_which_words_a_span_touches():
    words = ((0, 4), (5, 10), (11, 17), (17, 18))
    assert covered_words(words, 5, 10) == range(1, 2)  # exactly «بوتين»
    assert covered_words(words, 5, 17) == range(1, 3)  # «بوتين بترامب»
    assert covered_words(words, 13, 15) == range(2, 3)  # inside a word: the whole word
    assert covered_words(words, 4, 5) == range(0)  # the space between words: none
    assert covered_words(words, 10, 12) == range(2, 3)  # a space and one letter of «بترامب»


def test_the_loader_reads_the_documents_own_sentences(repo_root):
    schema = load_schema(repo_root / "data")
    doc = Document("d", TEXT, entities=[Span(5, 10, "PERS", "بوتين"), Span(11, 17, "PERS", "بترامب")])
    rows, args = sentence_records(doc, schema)
    assert [(r["sentence_id"], r["sentence_start"], r["words"]) for r in rows] == [
        (0, 0, ["اتصل", "بوتين", "بترامب", "."]), (1, 20, ["ثم", "قال", ":", "نعم", "!"])]
    assert rows[0]["entity_tags"] == ["O", "B-PERS", "B-PERS", "O"] and args == []


def test_a_document_and_its_json_form_round_trip():
    """predict() returns ``Document.to_dict()``; a renderer or a user's file reads it back with
    ``Document.from_dict``, every span checked against the text."""
    import pytest

    from arabic_news_tagger.data.document import Event

    call = Event(Span(0, 4, "CALL", "اتصل", 0.9), (Span(5, 10, "Participant", "بوتين"), Span(11, 17, "Participant", "بترامب")))
    doc = Document("d", TEXT, [Span(5, 10, "PERS", "بوتين", 0.875)], [call])
    back = Document.from_dict(TEXT, doc.to_dict())
    assert back == doc and back.id == "d"
    broken = doc.to_dict()
    broken["events"][0]["arguments"][1]["start"] = 12  # «ترامب», not the recorded «بترامب»
    with pytest.raises(ValueError, match=r"events\[0\]\.arguments\[1\]: recorded text 'بترامب' differs"):
        Document.from_dict(TEXT, broken)
