"""evaluate scores a model on the documents it never saw, and only on those."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from arabic_news_tagger.cli import main
from arabic_news_tagger.evaluate.runner import held_out_sequences
from arabic_news_tagger.model.predict import _LOADED


def test_evaluate_never_scores_a_training_document(tiny_model, repo_root, tmp_path):
    seqs = held_out_sequences(tiny_model, repo_root / "data")
    assert seqs.documents == ["004_d8de9215c69d2de7"]
    # A tampered model directory that claims a training document as held out: it is still skipped.
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model, ignore=shutil.ignore_patterns("checkpoints"))
    spec = json.loads((model / "config.json").read_text(encoding="utf-8"))
    spec["held_out_documents"].append(spec["train_documents"][0])
    (model / "config.json").write_text(json.dumps(spec), encoding="utf-8")
    _LOADED.clear()
    assert held_out_sequences(model, repo_root / "data").documents == ["004_d8de9215c69d2de7"]


def test_evaluate_prints_every_layer_and_writes_json_and_markdown(tiny_model, repo_root, tmp_path, capsys):
    report = tmp_path / "eval.json"
    assert main(["evaluate", "--model", str(tiny_model), "--corpus-dir", str(repo_root / "data"), "--no-public-corpora",
                 "--report-json", str(report)]) == 0
    out = capsys.readouterr().out
    order = [out.index(t) for t in ("=== Entities", "=== Event triggers (type", "=== Event triggers (identification",
                                   "=== Arguments given gold triggers (role", "=== Arguments end to end")]
    assert order == sorted(order)
    assert "strict IOB2" in out and "micro avg" in out
    scores = json.loads(report.read_text(encoding="utf-8"))
    for layer in ("entities", "triggers", "arguments_gold_triggers", "arguments_end_to_end"):
        assert set(scores[layer]["micro"]) >= {"precision", "recall", "f1"}
        assert "per_type" in scores[layer]
    assert scores["documents"] == ["004_d8de9215c69d2de7"]
    assert report.with_suffix(".md").read_text(encoding="utf-8").startswith("# Evaluation")


def test_a_model_with_nothing_held_out_cannot_be_evaluated(tiny_model, tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model, ignore=shutil.ignore_patterns("checkpoints"))
    spec = json.loads((model / "config.json").read_text(encoding="utf-8"))
    spec["held_out_documents"] = []
    (model / "config.json").write_text(json.dumps(spec), encoding="utf-8")
    assert main(["evaluate", "--model", str(model)]) == 2
    assert "held out no documents" in capsys.readouterr().err


@pytest.mark.slow
def test_held_out_documents_of_an_extra_corpus_are_reported_apart(tiny_config, repo_root, tmp_path, capsys):
    import copy

    from arabic_news_tagger.train.trainer import train

    config = copy.deepcopy(tiny_config)
    config.data.extra_corpus_dirs = [str(repo_root / "data" / "anercorp")]
    config.data.held_out_documents = ["004", "anercorp-020"]
    config.training.epochs = 1
    model = train(config, tmp_path / "model", log=lambda *a: None)
    assert main(["evaluate", "--model", str(model), "--report-json", str(tmp_path / "eval.json")]) == 0
    out = capsys.readouterr().out
    assert "held-out documents of " + str(model) + ": 004_d8de9215c69d2de7" in out
    assert f"##### held-out documents of {repo_root / 'data' / 'anercorp'}: anercorp-020" in out
    scores = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert scores["documents"] == ["004_d8de9215c69d2de7"]
    assert scores["other_sources"][str(repo_root / "data" / "anercorp")]["documents"] == ["anercorp-020"]


def test_a_corpus_named_elsewhere_carries_the_sources_recorded_inside_it(tiny_model, repo_root, tmp_path, monkeypatch):
    from arabic_news_tagger.evaluate.runner import held_out_sources

    # A model trained from a checkout records its sources as the configuration named them; scored
    # from elsewhere with --corpus-dir, the bundles recorded under data/ are found under that folder.
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config["training_config"]["data"].update(corpus_dir="data", extra_corpus_dirs=["data/anercorp", "elsewhere/more"])
    config["held_out_documents"] = ["004_d8de9215c69d2de7", "anercorp-019"]
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert held_out_sources(model, repo_root / "data") == [
        ("data/anercorp", repo_root / "data" / "anercorp"), ("elsewhere/more", Path("elsewhere/more"))]


def test_crossval_writes_its_json_report_once_with_the_folds_and_the_markdown_beside_it(tmp_path, monkeypatch):
    # A reader watching the file (or a crash between two writes) must never see a JSON of the pooled
    # scores alone: the report is written once, whole.
    import json

    from arabic_news_tagger.evaluate import runner
    from arabic_news_tagger.evaluate.scoring import TagSequences

    seqs = TagSequences()
    seqs.add("entities", ["B-PERS", "O"], ["B-PERS", "O"])
    seqs.documents.append("003")
    scores = runner.scores_with_absent(seqs)
    written = []
    real_write = runner.atomic_write_text
    monkeypatch.setattr(runner, "atomic_write_text", lambda path, text: (written.append(str(path)), real_write(path, text)))
    runner.write_crossval_reports({"folds": {"003": scores}, "pooled": scores}, tmp_path / "cv.json", "Cross-validation")
    assert written.count(str(tmp_path / "cv.json")) == 1
    assert set(json.loads((tmp_path / "cv.json").read_text(encoding="utf-8"))) == {"folds", "pooled"}
    assert (tmp_path / "cv.md").read_text(encoding="utf-8").startswith("# Cross-validation")
