"""Word probabilities become tags a reader can trust: never a span cut at a stray I- or changing type halfway."""

import itertools

import numpy as np
import pytest

from arabic_news_tagger.data.tags import tags_to_word_spans
from arabic_news_tagger.model.decode import check_decoding, decode, is_valid_bio

LABELS = ["O", "B-ORG", "I-ORG", "B-PERS", "I-PERS"]


def probs_of(*rows):
    p = np.array(rows, dtype=float)
    return p / p.sum(-1, keepdims=True)


def tags(p, decoding="viterbi"):
    return [LABELS[i] for i in decode(p, LABELS, decoding)]


def test_a_name_whose_first_word_the_model_doubts_is_kept_whole():
    # «الأمم المتحدة»: the first word leans to O, the second is surely inside an ORG.
    p = probs_of([0.5, 0.45, 0.05, 0, 0], [0.02, 0.03, 0.95, 0, 0])
    assert tags(p, "argmax") == ["O", "I-ORG"]
    assert tags(p) == ["B-ORG", "I-ORG"]


def test_a_span_does_not_change_type_halfway():
    p = probs_of([0.05, 0.1, 0, 0.85, 0], [0.05, 0, 0.6, 0, 0.35], [0.05, 0, 0.6, 0, 0.35])
    assert tags(p, "argmax") == ["B-PERS", "I-ORG", "I-ORG"]
    assert tags(p) == ["B-PERS", "I-PERS", "I-PERS"]
    assert tags_to_word_spans(tags(p)) == [(0, 3, "PERS")]


def test_valid_argmax_is_left_as_it_is():
    p = probs_of([0.9, 0.05, 0.05, 0, 0], [0.1, 0.8, 0.1, 0, 0], [0.1, 0.1, 0.8, 0, 0], [0.2, 0, 0, 0.7, 0.1])
    assert tags(p) == tags(p, "argmax") == ["O", "B-ORG", "I-ORG", "B-PERS"]


def _log_score(p, path):
    return float(np.log(p[np.arange(len(path)), path]).sum())


def test_viterbi_finds_the_most_probable_valid_sequence():
    rng = np.random.default_rng(0)
    valid_paths = [np.array(path) for path in itertools.product(range(len(LABELS)), repeat=4)
                   if is_valid_bio(np.array(path), LABELS)]
    for _ in range(200):
        p = rng.dirichlet(np.full(len(LABELS), 0.3), size=4) + 1e-9
        got = decode(p, LABELS)
        assert is_valid_bio(got, LABELS)
        assert _log_score(p, got) == pytest.approx(max(_log_score(p, path) for path in valid_paths))


def test_labels_a_role_mask_ruled_out_are_never_chosen_while_another_is_possible():
    p = probs_of([0.5, 0, 0.5, 0, 0], [0.4, 0, 0.6, 0, 0])
    p[0, 2] = p[1, 2] = 0.0  # I-ORG masked out entirely
    assert tags(p) == ["O", "O"]


def test_empty_and_single_word_sentences_decode():
    assert decode(np.zeros((0, len(LABELS))), LABELS).tolist() == []
    assert tags(probs_of([0.05, 0.15, 0.8, 0, 0])) == ["B-ORG"]  # a lone I- word: the better of O and B-


def test_an_unknown_decoding_is_refused_by_name():
    with pytest.raises(ValueError, match="decoding: expected one of 'viterbi', 'argmax', got 'beam'"):
        check_decoding("beam")


def test_predict_refuses_an_unknown_decoding_before_loading_anything(tmp_path):
    from arabic_news_tagger import predict

    with pytest.raises(ValueError, match="decoding"):
        predict("نص", model=tmp_path / "absent", decoding="beam")


def test_the_chosen_decoding_reaches_every_layer_and_every_path(tiny_model, repo_root, monkeypatch):
    from arabic_news_tagger.evaluate.runner import held_out_sequences
    from arabic_news_tagger.model import decode as decode_module
    from arabic_news_tagger.model import predict as predict_module

    seen = []
    real = decode_module.decode

    def spy(probs, labels, decoding="viterbi"):
        seen.append(decoding)
        return real(probs, labels, decoding)

    # predict() decodes in model/decode.py (spans, word_spans) and, for CoNLL words, in predict.py.
    monkeypatch.setattr(decode_module, "decode", spy)
    monkeypatch.setattr(predict_module, "decode", spy)
    text = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع دونالد ترامب في موسكو."
    predict_module.predict(text, model=tiny_model, decoding="argmax")
    list(predict_module.predict_stream([text], model=tiny_model, decoding="argmax"))
    predict_module.load_predictor(tiny_model).tag_words([text.split()], decoding="argmax")
    held_out_sequences(tiny_model, repo_root / "data", decoding="argmax")
    assert seen and set(seen) == {"argmax"}
    seen.clear()
    predict_module.predict(text, model=tiny_model)
    assert seen and set(seen) == {"viterbi"}
