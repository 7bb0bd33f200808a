"""The paths a user relies on that had no test of their own: predict_stream, tag_words, crosscorpus's
projection onto shared labels, and crossval's folds."""

from __future__ import annotations

import copy
import itertools
import shutil

from arabic_news_tagger.evaluate.crosscorpus import COARSE, _project
from arabic_news_tagger.model.predict import load_predictor, predict, predict_stream

TEXTS = [
    "اتصل الرئيس الروسي فلاديمير بوتين بنظيره الأمريكي دونالد ترامب يوم الاثنين.",
    "",
    "Hello, world.",
    "وقال الكرملين إن المحادثة الهاتفية استمرت ساعتين. وبحث الرئيسان الحرب في أوكرانيا.",
]


def test_crosscorpus_projects_our_types_onto_pers_org_loc_by_hand():
    # GPE, LOC and FAC are all LOC to ANERcorp and AQMAR; DATE and OCC are nothing (O) to them.
    tags = ["B-GPE", "I-GPE", "B-FAC", "B-DATE", "I-DATE", "B-PERS", "B-OCC", "I-OCC", "B-ORG"]
    assert _project(tags, COARSE.get) == ["B-LOC", "I-LOC", "B-LOC", "O", "O", "B-PERS", "O", "O", "B-ORG"]
    # An I- whose B- was projected away stays I- (it opens a span in seqeval's default mode).
    assert _project(["B-DATE", "I-GPE"], COARSE.get) == ["O", "I-LOC"]


def test_predict_stream_gives_predicts_results_one_by_one_and_lazily(tiny_model):
    expected = predict(TEXTS, model=tiny_model)
    consumed = []

    def source():
        for t in TEXTS:
            consumed.append(t)
            yield t

    stream = predict_stream(source(), model=tiny_model, documents_per_chunk=2)
    first = next(stream)
    # The first result came after reading one chunk (2 texts), not the whole input.
    assert len(consumed) == 2 and first == expected[0]
    assert [first, *stream] == expected
    assert list(predict_stream(iter([]), model=tiny_model)) == []


def test_tag_words_gives_one_entity_tag_per_word_as_predict_would(tiny_model):
    tagger = load_predictor(tiny_model)
    sentences = [["اتصل", "الرئيس", "الروسي", "فلاديمير", "بوتين", "بنظيره", "الأمريكي", "دونالد", "ترامب", "."], [], ["نعم"]]
    tags = tagger.tag_words(sentences)
    assert [len(t) for t in tags] == [10, 0, 1]
    assert all(t == "O" or t[:2] in ("B-", "I-") and t[2:] in {lab[2:] for lab in tagger.entity_labels} for t in tags[0])
    # The same words as a text through predict(): read leniently (as seqeval's default mode and
    # predict() do), the word tags give predict()'s entity spans.
    from arabic_news_tagger.data.segment import words
    from arabic_news_tagger.data.tags import tags_to_spans

    text = " ".join(sentences[0])
    spans = [(e["start"], e["end"], e["type"]) for e in predict(text, model=tiny_model)["entities"]]
    assert tags_to_spans(words(text), tags[0]) == spans


def test_crossval_trains_one_model_per_document_and_scores_each_on_its_own(tiny_config, repo_root, tmp_path):
    from arabic_news_tagger.data.corpus import read_corpus
    from arabic_news_tagger.evaluate.runner import crossval
    from arabic_news_tagger.model.predict import _LOADED
    from arabic_news_tagger.model.tagger import read_config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(repo_root / "data" / "annotation.conf", corpus)
    for f in itertools.chain(sorted((repo_root / "data").glob("00[0-2]_*.txt")), sorted((repo_root / "data").glob("00[0-2]_*.ann"))):
        shutil.copy(f, corpus)
    config = copy.deepcopy(tiny_config)
    config.data.corpus_dir = str(corpus)
    config.data.held_out_documents = []
    config.training.epochs = 1
    result = crossval(config, tmp_path / "cv", log=lambda *a: None)
    assert not [key for key in _LOADED if str(tmp_path) in key[0]], "no fold's model stays loaded"
    ids = [d.id for d in read_corpus(corpus)[0]]
    assert list(result["folds"]) == ids
    for held in ids:
        spec = read_config(tmp_path / "cv" / f"fold-{held}")
        assert spec.held_out_documents == [held] and sorted(spec.train_documents) == sorted(set(ids) - {held})
        assert result["folds"][held]["documents"] == [held]
    assert result["pooled"]["documents"] == ids
    # Pooled support is the sum of the folds' supports.
    assert result["pooled"]["entities"]["micro"]["support"] == sum(f["entities"]["micro"]["support"] for f in result["folds"].values())


def test_crossval_scores_the_model_train_made_as_its_fold_instead_of_training_it_again(tiny_config, repo_root, tmp_path):
    """A configuration that holds out one article is that article's fold: the user who trained it
    hands the model to crossval (--trained-model) and saves one training."""
    from arabic_news_tagger.evaluate.runner import crossval
    from arabic_news_tagger.train.trainer import train

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(repo_root / "data" / "annotation.conf", corpus)
    for f in sorted((repo_root / "data").glob("00[01]_*")):
        shutil.copy(f, corpus)
    config = copy.deepcopy(tiny_config)
    config.data.corpus_dir = str(corpus)
    config.data.held_out_documents = ["001"]  # a prefix, as configs/news-e5-small.toml writes "004"
    config.training.epochs = 1
    train(config, tmp_path / "main", log=lambda *a: None)
    logged = []
    result = crossval(config, tmp_path / "cv", log=logged.append, trained_models=[tmp_path / "main"])
    first, second = sorted(result["folds"])
    assert first.startswith("000") and second.startswith("001")
    assert (tmp_path / "cv" / f"fold-{first}").is_dir() and not (tmp_path / "cv" / f"fold-{second}").exists()
    assert any(str(tmp_path / "main") in line and "not trained again" in line for line in logged)
    assert result["folds"][second]["documents"] == [second] and result["pooled"]["documents"] == [first, second]
