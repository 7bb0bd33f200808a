"""predict(): what a user calling it from their own code relies on."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from arabic_news_tagger import predict
from arabic_news_tagger.data.corpus import read_corpus
from arabic_news_tagger.model.predict import _LOADED, Predictor
from arabic_news_tagger.model.tagger import ModelDirectoryError

SENTENCE = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع الرئيس الأميركي دونالد ترامب"


def assert_offsets(text: str, result: dict) -> None:
    spans = list(result["entities"])
    for ev in result["events"]:
        spans.append(ev["trigger"])
        spans.extend(ev["arguments"])
    for s in spans:
        assert 0 <= s["start"] < s["end"] <= len(text)
        assert text[s["start"]:s["end"]] == s["text"]
    ents = sorted(result["entities"], key=lambda e: e["start"])
    for a, b in zip(ents, ents[1:]):
        assert a["end"] <= b["start"], "entity spans never overlap"


def test_tiny_learns_its_training_documents(tiny_model, repo_root):
    from arabic_news_tagger.evaluate.scoring import TagSequences, add_document, score_layer

    docs, _ = read_corpus(repo_root / "data")
    tagger = Predictor(tiny_model)
    train_docs = [d for d in docs if d.id in tagger.config.train_documents]
    assert len(train_docs) == 4
    predicted = tagger.predict_documents([d.text for d in train_docs])
    seqs = TagSequences()
    for g, p in zip(train_docs, predicted):
        add_document(seqs, g, p, p)
    f1 = score_layer(seqs.gold["entities"], seqs.pred["entities"])["micro"]["f1"]
    assert f1 >= 0.9, f"tiny must memorise its training documents; entity micro-F1 {f1}"


def test_a_string_gives_one_result_and_a_list_gives_a_list_in_order(tiny_model):
    one = predict(SENTENCE, model=str(tiny_model))
    assert isinstance(one, dict) and set(one) == {"entities", "events", "document_date"}
    names = {e["text"] for e in one["entities"] if e["type"] == "PERS"}
    assert {"فلاديمير بوتين", "دونالد ترامب"} <= names
    many = predict(["", SENTENCE, "Hello world", "   \n "], model=tiny_model)
    nothing = {"entities": [], "events": [], "document_date": {"value": None, "source": "unknown"}}
    assert [r == nothing for r in many] == [True, False, True, True]
    assert many[1] == one


@pytest.mark.parametrize("text", [
    "أَجْرَى الرَّئِيسُ الرُّوسِيُّ فلاديمير بُوتِين محادثة هاتفية مع دونالد ترامب",  # diacritics
    "أجرى الرئيس الروسي فلاديمير بوتيـــن محادثـة هاتفيـة مع دونالد ترامـب",  # tatweel
    "وبوتين ولترامب وكييف: اتصال في ١٩ مارس ٢٠٢٥ استمر ساعتين",  # proclitics, Eastern digits
    "ﻻ يعتبر الكرملين 👍🏽 أن Trump و Putin 🇷🇺 تحدثا (NHL) هاتفياً.",  # presentation form, emoji, Latin
    "\u200fبوتين\u200d وترامب\u202b   اتفقا\t\tعلى وقف إطلاق النار",  # bidi and zero-width controls
])
def test_offsets_point_into_the_users_original_text(tiny_model, text):
    result = predict(text, model=tiny_model)
    assert_offsets(text, result)


def test_diacritics_and_tatweel_do_not_hide_names(tiny_model):
    text = "أجرى الرئيس الروسي فلاديمير بُوتِيـــن محادثة هاتفية مع دونالد ترامب"
    result = predict(text, model=tiny_model)
    assert any(e["text"] == "فلاديمير بُوتِيـــن" and e["type"] == "PERS" for e in result["entities"])


def test_input_over_512_subwords_is_covered_to_the_end(tiny_model):
    from arabic_news_tagger.model.encode import make_windows, word_pieces

    text = " و ".join([SENTENCE] * 40)  # one sentence, no full stop, about 600 words
    tagger = Predictor(tiny_model)
    pieces = word_pieces(tagger.tokenizer, [text.split()], "arabertv02")[0]
    assert sum(map(len, pieces)) > 512
    result = predict(text, model=tiny_model)
    assert_offsets(text, result)
    occurrences = text.count("دونالد ترامب")
    found = [e for e in result["entities"] if e["text"] == "دونالد ترامب"]
    assert len(found) >= 0.8 * occurrences
    assert max(e["end"] for e in found) > len(text) - 20, "the last words are tagged too"


def test_two_events_in_one_sentence_keep_their_own_arguments(tiny_model):
    # From document 001 (trained on): a call that followed a prisoner exchange in which Russia released Fogel.
    text = "وجاءت المكالمة عقب صفقة تبادل للسجناء أفرجت روسيا بموجبها عن المدرس الأميركي مارك فوجل، وهو من ولاية بنسلفانيا، بعد سجنه لأكثر من ثلاث سنوات."
    events = predict(text, model=tiny_model)["events"]
    by_type = {e["type"]: e for e in events}
    assert {"CALL", "EXCHANGE", "RELEASE"} <= set(by_type)
    release = {(a["role"], a["text"]) for a in by_type["RELEASE"]["arguments"]}
    assert ("Agent", "روسيا") in release
    args = [tuple(sorted((a["role"], a["text"]) for a in e["arguments"])) for e in events]
    assert len(set(args)) > 1, "each event has its own arguments"


def test_wrong_argument_types_fail_at_once_naming_the_argument(tiny_model):
    with pytest.raises(TypeError, match=r"texts: expected str or a list of str, got NoneType"):
        predict(None, model=tiny_model)
    with pytest.raises(TypeError, match=r"texts\[1\]: expected str, got int"):
        predict(["بوتين", 3], model=tiny_model)
    with pytest.raises(TypeError, match="bytes"):
        predict("بوتين".encode(), model=tiny_model)
    with pytest.raises(ValueError, match="batch_size"):
        predict("بوتين", model=tiny_model, batch_size=0)
    with pytest.raises(ValueError, match="max_characters"):
        predict("بوتين " * 100, model=tiny_model, max_characters=100)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelDirectoryError, match="no such model directory"):
        predict("بوتين", model=tmp_path / "nothing-here")
    with pytest.raises(ModelDirectoryError, match="train"):
        predict("بوتين", model=tmp_path)  # a directory, but no tagger in it


@pytest.mark.slow
def test_saved_reloaded_and_resumed_models_predict_the_same(tmp_path, tiny_config):
    from arabic_news_tagger.train.trainer import train

    config = copy.deepcopy(tiny_config)
    config.training.epochs = 4
    config.training.checkpoint_every_epochs = 1
    quiet = lambda *a: None  # noqa: E731
    straight = train(config, tmp_path / "straight", log=quiet)
    metrics = (straight / "metrics.json").read_text(encoding="utf-8")
    messages = []
    train(config, straight, log=messages.append)  # run again: a finished model is left as it is
    assert messages == [f"{straight}: already trained with this configuration (--restart trains it again)"]
    assert (straight / "metrics.json").read_text(encoding="utf-8") == metrics
    interrupted = tmp_path / "interrupted"
    train(config, interrupted, stop_after_epoch=2, log=quiet)
    assert not (interrupted / "config.json").exists() and (interrupted / "checkpoints" / "epoch-2").is_dir()
    messages = []
    train(config, interrupted, log=messages.append)
    assert any("resuming from" in m and "epoch-2" in m for m in messages)

    texts = [SENTENCE, "وأكد مسؤولان أميركيان، اليوم الأربعاء، أنه يجرى اتخاذ إجراءات للإفراج عن ألكسندر فينيك."]
    a = predict(texts, model=straight)
    b = predict(texts, model=interrupted)
    _LOADED.clear()  # a fresh load from disk
    assert predict(texts, model=straight) == a
    assert a == b


def test_cli_predict_writes_one_json_line_per_document(tiny_model, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text(SENTENCE + "\n" + SENTENCE, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "arabic_news_tagger.cli", "predict", "--model", str(tiny_model), str(doc)],
                         capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["document"] == str(doc)
    assert_offsets(doc.read_text(encoding="utf-8"), record)
    out = subprocess.run([sys.executable, "-m", "arabic_news_tagger.cli", "predict", "--model", str(tiny_model)],
                         input=SENTENCE + "\n\n" + "بوتين\n", capture_output=True, text=True, check=True)
    assert len(out.stdout.strip().splitlines()) == 2


def _arguments(result) -> list[dict]:
    return [a for ev in result["events"] for a in ev["arguments"]]


def test_a_score_threshold_keeps_the_surer_arguments_and_a_model_can_carry_its_own(tiny_model, tmp_path, repo_root):
    """An analyst who wants fewer, surer arguments sets argument_min_score; a model trained for
    recall ships the threshold it was measured with, and predict() uses it unless told otherwise."""
    import shutil

    # The held-out article (the tiny model is sure of everything in the articles it learnt) and one it learnt.
    texts = [(repo_root / "data" / name).read_text(encoding="utf-8")
             for name in ("004_d8de9215c69d2de7.txt", "000_782948d1bba6af0a.txt")]
    everything = predict(texts, model=str(tiny_model))
    scores = sorted(a["score"] for r in everything for a in _arguments(r))
    assert len(scores) >= 4, "the tiny model finds arguments in its training articles"
    # Halfway between two distinct scores (the output rounds scores to four places).
    gaps = [i for i in range(1, len(scores)) if scores[i] - scores[i - 1] > 2e-4]
    k = gaps[len(gaps) // 2]
    cut = (scores[k - 1] + scores[k]) / 2

    surer = predict(texts, model=str(tiny_model), argument_min_score=cut)
    kept = [(a["start"], a["end"], a["role"]) for r in surer for a in _arguments(r)]
    expected = [(a["start"], a["end"], a["role"]) for r in everything for a in _arguments(r) if a["score"] >= cut]
    assert kept == expected and 0 < len(kept) < len(scores)
    # Entities and triggers are not touched.
    assert [r["entities"] for r in surer] == [r["entities"] for r in everything]
    assert [[ev["trigger"] for ev in r["events"]] for r in surer] == [[ev["trigger"] for ev in r["events"]] for r in everything]
    assert predict(texts, model=str(tiny_model), argument_min_score=0) == everything

    # The same threshold, saved in the model's configuration, is its default; 0 overrides it.
    carrying = tmp_path / "carrying"
    shutil.copytree(tiny_model, carrying, ignore=shutil.ignore_patterns("checkpoints"))
    spec = json.loads((carrying / "config.json").read_text(encoding="utf-8"))
    spec["training_config"]["model"]["argument_min_score"] = cut
    (carrying / "config.json").write_text(json.dumps(spec), encoding="utf-8")
    by_default = predict(texts, model=str(carrying))
    assert [(a["start"], a["end"], a["role"]) for r in by_default for a in _arguments(r)] == expected
    assert len([a for r in predict(texts, model=str(carrying), argument_min_score=0.0) for a in _arguments(r)]) == len(scores)


@pytest.mark.parametrize("bad", [1.5, -0.1, "0.5", True])
def test_a_threshold_outside_zero_to_one_is_refused_naming_it(tiny_model, bad):
    with pytest.raises(ValueError, match="argument_min_score: expected a number from 0 to 1"):
        predict("قال بوتين", model=str(tiny_model), argument_min_score=bad)
