"""The int8 path (ONNX Runtime, dynamically quantised weights): close to fp32, valid offsets, a cache
that is reused while it matches the weights and rebuilt when it does not. No timings here: speed is
measured by `arabic-news-tagger bench`."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import torch  # noqa: E402

from arabic_news_tagger.data.corpus import read_corpus  # noqa: E402
from arabic_news_tagger.model import int8  # noqa: E402
from arabic_news_tagger.model.int8 import INT8_DIR, MARKER_FILE, OnnxTagPasses  # noqa: E402
from arabic_news_tagger.model.batching import pad  # noqa: E402
from arabic_news_tagger.model.predict import Predictor  # noqa: E402

SENTENCE = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع الرئيس الأميركي دونالد ترامب"


@pytest.fixture(scope="module")
def model_copy(tiny_model, tmp_path_factory):
    """A private copy of the session's tiny model: the int8 cache is written inside the model directory."""
    out = tmp_path_factory.mktemp("int8") / "model"
    shutil.copytree(tiny_model, out, ignore=shutil.ignore_patterns("checkpoints"))
    return out


@pytest.fixture(scope="module")
def taggers(model_copy):
    fp32 = Predictor(model_copy, device="cpu")
    quantised = Predictor(model_copy, int8=True)
    return fp32, quantised


def _batch(tagger, texts):
    from arabic_news_tagger.data.segment import sentences, words

    sents = [[text[a:b] for a, b in words(text, s, e)] for text in texts for s, e in sentences(text)]
    wins = [per_sentence[0] for per_sentence in tagger.windows(sents[:24])]
    return pad([w.input_ids for w in wins], tagger.pad_id)


def test_int8_logits_are_close_to_fp32(taggers, repo_root):
    fp32, quantised = taggers
    assert isinstance(quantised.model, OnnxTagPasses)
    heads_config = lambda c: {k: v for k, v in c.to_dict().items() if k not in ("encoder", "dtype", "_name_or_path")}  # noqa: E731
    assert heads_config(quantised.model.config) == heads_config(fp32.config)
    docs, _ = read_corpus(repo_root / "data")
    ids, mask = _batch(fp32, [d.text for d in docs])
    real = mask.bool()
    with torch.inference_mode():
        want = fp32.model.tag(ids, mask)
    got = quantised.model.tag(ids, mask)
    assert got[2].shape == want[2].shape  # the hidden states the shared argument layers read
    for g, w in zip(got[:2], want[:2]):
        assert g.shape == w.shape and g.dtype == torch.float32
        assert torch.allclose(torch.softmax(g, -1)[real], torch.softmax(w, -1)[real], atol=0.15)
        agree = (g.argmax(-1) == w.argmax(-1))[real].float().mean().item()
        assert agree >= 0.97, f"int8 and fp32 agree on only {agree:.3f} of the tags"

    # The argument pass: a trigger marked in each row, a type per row.
    tmask = torch.zeros_like(ids)
    tmask[:, 2] = 1
    types = torch.arange(ids.shape[0]) % len(fp32.config.event_types)
    with torch.inference_mode():
        want = fp32.model.arguments(want[2], ids, mask, tmask, types)
    got = quantised.model.arguments(got[2], ids, mask, tmask, types)
    assert got.shape == want.shape
    agree = (got.argmax(-1) == want.argmax(-1))[real].float().mean().item()
    assert agree >= 0.95, f"int8 and fp32 agree on only {agree:.3f} of the roles"

    # As predict() asks: only some positions (the words' first pieces), computed there alone.
    wanted = real & (torch.arange(ids.shape[1]) % 2 == 1)
    kept = quantised.model.arguments(quantised.model.tag(ids, mask)[2], ids, mask, tmask, types, wanted=wanted)
    assert kept.shape == got.shape
    agree = (kept.argmax(-1) == want.argmax(-1))[wanted].float().mean().item()
    assert agree >= 0.95, f"int8 at the wanted positions and fp32 agree on only {agree:.3f} of the roles"


def test_predict_with_int8_gives_valid_offsets(taggers, repo_root):
    fp32, quantised = taggers
    docs, _ = read_corpus(repo_root / "data")
    texts = [SENTENCE, "", "Hello world", docs[0].text, "أَجْرَى الرَّئِيسُ محادثة هاتفية مع ترامـب 🇸🇦"]
    results = quantised.predict_documents(texts)
    assert len(results) == len(texts)
    assert not results[1].entities and not results[2].entities and not results[2].events
    for text, doc in zip(texts, results):
        spans = list(doc.entities) + [s for ev in doc.events for s in (ev.trigger, *ev.arguments)]
        for s in spans:
            assert 0 <= s.start < s.end <= len(text) and text[s.start:s.end] == s.text
            assert 0.0 <= s.score <= 1.0
    names = {e.text for e in results[0].entities if e.label == "PERS"}
    assert {"فلاديمير بوتين", "دونالد ترامب"} <= names
    # Entities of int8 and fp32 mostly coincide on a training document.
    ref = fp32.predict_documents([docs[0].text])[0]
    a = {(e.start, e.end, e.label) for e in ref.entities}
    b = {(e.start, e.end, e.label) for e in results[3].entities}
    assert len(a & b) >= 0.9 * max(len(a), len(b))


def test_the_cache_is_reused_and_rebuilt_when_stale(taggers, model_copy, monkeypatch):
    cache = model_copy / INT8_DIR
    marker = json.loads((cache / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["sources"] == int8.source_digests(model_copy)
    assert sorted(p.name for p in cache.iterdir()) == sorted([MARKER_FILE, int8.TAG_FILE, int8.ARGUMENTS_FILE])
    assert not [p for p in model_copy.iterdir() if p.name.startswith(".")], "no temporary directory is left behind"

    # Reused: a second load builds nothing.
    built = []
    real_build = int8.build_int8
    monkeypatch.setattr(int8, "build_int8", lambda *a, **k: built.append(1) or real_build(*a, **k))
    stamp = (cache / int8.TAG_FILE).stat().st_mtime_ns
    again = Predictor(model_copy, int8=True)
    assert built == [] and (cache / int8.TAG_FILE).stat().st_mtime_ns == stamp
    assert isinstance(again.model, OnnxTagPasses)

    # Stale: a marker that records other weights is rebuilt, and the new marker matches the weights.
    marker["sources"]["model.safetensors"] = "0" * 64
    (cache / MARKER_FILE).write_text(json.dumps(marker), encoding="utf-8")
    Predictor(model_copy, int8=True)
    assert built == [1]
    assert json.loads((cache / MARKER_FILE).read_text(encoding="utf-8"))["sources"] == int8.source_digests(model_copy)

    # Incomplete: a missing graph is rebuilt too.
    (cache / int8.ARGUMENTS_FILE).unlink()
    rebuilt = Predictor(model_copy, int8=True)
    assert built == [1, 1] and (cache / int8.ARGUMENTS_FILE).is_file()
    doc = rebuilt.predict_documents([SENTENCE])[0]
    assert all(SENTENCE[e.start:e.end] == e.text for e in doc.entities)


def test_changed_weights_make_the_cache_stale(taggers, model_copy, tmp_path):
    other = tmp_path / "model"
    shutil.copytree(model_copy, other)
    sources = int8.source_digests(other)
    assert int8.is_fresh(other / INT8_DIR, sources)
    from safetensors.torch import load_file, save_file

    heads = load_file(str(other / "model.safetensors"))
    key = sorted(heads)[0]
    heads[key] = heads[key] + 1.0
    save_file(heads, str(other / "model.safetensors"), metadata={"format": "pt"})
    assert not int8.is_fresh(other / INT8_DIR, int8.source_digests(other))


def test_a_missing_onnxruntime_names_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"pip install 'arabic-news-tagger\[int8\]'"):
        int8.require_onnxruntime()


def test_a_user_chooses_int8_when_loading(taggers, model_copy, monkeypatch):
    """`predict(..., int8=True)` and `Predictor(..., int8=True)`: with the cache built, the PyTorch
    weights are not even read."""
    from arabic_news_tagger import predict
    from arabic_news_tagger.model import predict as predict_module, tagger as tagger_module

    fp32, quantised = taggers
    monkeypatch.setattr(tagger_module, "load_tagger", lambda *a, **k: pytest.fail("int8 loaded the PyTorch weights"))
    monkeypatch.setattr(predict_module, "_LOADED", {})
    tagger = Predictor(model_copy, int8=True)
    assert tagger.int8 and isinstance(tagger.model, OnnxTagPasses) and tagger.device.type == "cpu"

    result = predict(SENTENCE, model=str(model_copy), int8=True)
    from arabic_news_tagger.model.values import add_values

    want = add_values({k: v for k, v in quantised.predict_documents([SENTENCE])[0].to_dict().items() if k != "id"}, text=SENTENCE)
    assert result == want
    assert {e["text"] for e in result["entities"] if e["type"] == "PERS"} >= {"فلاديمير بوتين", "دونالد ترامب"}
    assert len(predict_module._LOADED) == 1 and next(iter(predict_module._LOADED))[2] is True


def test_int8_options_that_cannot_work_are_refused(model_copy):
    with pytest.raises(ValueError, match="CPU"):
        Predictor(model_copy, device="cuda", int8=True)
    with pytest.raises(TypeError, match="int8"):
        Predictor(model_copy, int8="yes")


def test_the_predict_command_takes_int8(taggers, model_copy, tmp_path, monkeypatch):
    from arabic_news_tagger.cli import main

    _, quantised = taggers
    src = tmp_path / "in.txt"
    src.write_text(SENTENCE, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", "--model", str(model_copy), "--int8", "--output", str(out), str(src)]) == 0
    row = json.loads(out.read_text(encoding="utf-8"))
    from arabic_news_tagger.model.values import add_values

    want = add_values(quantised.predict_documents([SENTENCE])[0].to_dict(), text=SENTENCE)
    assert row["entities"] == want["entities"] and row["events"] == want["events"]


def test_evaluate_int8_scores_the_int8_path_close_to_fp32(taggers, model_copy, repo_root):
    from arabic_news_tagger.evaluate.runner import held_out_sequences
    from arabic_news_tagger.evaluate.scoring import score_all
    from arabic_news_tagger.model import predict as predict_module

    fp32 = score_all(held_out_sequences(model_copy, repo_root / "data"))
    quantised = score_all(held_out_sequences(model_copy, repo_root / "data", int8=True))
    assert any(key[2] and isinstance(t.model, OnnxTagPasses) for key, t in predict_module._LOADED.items())
    assert quantised["documents"] == fp32["documents"] == ["004_d8de9215c69d2de7"]
    assert abs(quantised["entities"]["micro"]["f1"] - fp32["entities"]["micro"]["f1"]) <= 0.05
