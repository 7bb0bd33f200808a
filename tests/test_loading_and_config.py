"""Configurations, model directories and backbones: every mistake gets an error that names it."""

from __future__ import annotations

import json
import shutil

import pytest

from arabic_news_tagger.model.backbones import BackboneError, load_pretrained
from arabic_news_tagger.model.predict import Predictor
from arabic_news_tagger.model.tagger import ModelDirectoryError, load_tagger
from arabic_news_tagger.train.config import ConfigError, load_config


def write(tmp_path, text: str):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_configurations_load(repo_root):
    shipped = sorted((repo_root / "configs").rglob("*.toml"))
    assert len(shipped) >= 10
    for path in shipped:
        # The model card's title and the training log name the run by it: a copied file that kept
        # the old name would present its model as the other configuration's.
        assert load_config(path).name == path.stem, path
    for name in ("tiny", "arabertv02", "experiments/offline-e5-small", "news-e5-small", "experiments/news-e5-small-naive-labels"):
        assert load_config(repo_root / "configs" / f"{name}.toml").data.held_out_documents


def test_an_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"c.toml:training: unknown key\(s\) 'learning_rat'"):
        load_config(write(tmp_path, "[training]\nlearning_rat = 0.1\n"))
    with pytest.raises(ConfigError, match=r"unknown key\(s\) 'modle'"):
        load_config(write(tmp_path, "[modle]\nbackbone = 'x'\n"))


def test_a_wrong_type_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"c.toml:training.epochs: expected int, got str '3'"):
        load_config(write(tmp_path, "[training]\nepochs = '3'\n"))
    with pytest.raises(ConfigError, match=r"data.held_out_documents: expected a list"):
        load_config(write(tmp_path, "[data]\nheld_out_documents = '004'\n"))
    with pytest.raises(ConfigError, match="model.normalization"):
        load_config(write(tmp_path, "[model]\nnormalization = 'farasa'\n"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[training\n"))
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")


def test_hub_and_local_directories_go_through_the_same_loader(tiny_model, tmp_path):
    from arabic_news_tagger.model.export import export_token_classification

    # A tagger's exported entity layer is a plain BERT directory: a backbone like any other.
    encoder, tokenizer = load_pretrained(str(export_token_classification(tiny_model, tmp_path / "export")))
    assert tokenizer.is_fast and encoder.config.hidden_size == 128


def test_an_unreachable_hub_names_the_offline_configurations(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(BackboneError, match=r"configs/tiny.toml .* configs/news-e5-small.toml"):
        load_pretrained("aubmindlab/bert-base-arabertv02")


def test_pickle_weights_are_refused(tmp_path, tiny_model):
    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_model, pickled, ignore=shutil.ignore_patterns("checkpoints"))
    (pickled / "model.safetensors").unlink()
    (pickled / "pytorch_model.bin").write_bytes(b"not even read")
    with pytest.raises(BackboneError, match="pickle-based weights .*pytorch_model.bin.* refused"):
        load_pretrained(str(pickled))
    model = pickled
    with pytest.raises(ModelDirectoryError, match="pickle"):
        load_tagger(model)


def test_label_maps_that_disagree_with_the_weights_are_refused(tmp_path, tiny_model):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model, ignore=shutil.ignore_patterns("checkpoints"))
    spec = json.loads((model / "config.json").read_text(encoding="utf-8"))
    spec["entity_labels"] += ["B-NEWTYPE", "I-NEWTYPE"]
    (model / "config.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ModelDirectoryError, match="weights do not fit config.json .*entity_head.weight"):
        Predictor(model)


@pytest.mark.parametrize("damage", ["model.safetensors", "config.json"])
def test_a_half_written_model_directory_is_named(tmp_path, tiny_model, damage):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model, ignore=shutil.ignore_patterns("checkpoints"))
    target = model / damage
    if damage == "config.json":
        target.write_text('{"entity_labels": [', encoding="utf-8")  # cut off mid-write
        match = "unreadable"
    else:
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        match = "no \\*.safetensors weights"
    with pytest.raises(ModelDirectoryError, match=match):
        load_tagger(model)


def test_a_checkpoint_is_a_loadable_model(tiny_model):
    checkpoints = sorted((tiny_model / "checkpoints").glob("epoch-*"))
    assert checkpoints, "checkpoints are kept beside the final model"
    model, _ = load_tagger(checkpoints[-1])
    assert model.config.held_out_documents == ["004_d8de9215c69d2de7"]


def test_the_output_directory_is_self_contained(tiny_model):
    names = {p.name for p in tiny_model.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "metrics.json", "README.md"} <= names
    spec = json.loads((tiny_model / "config.json").read_text(encoding="utf-8"))
    assert spec["model_type"] == "arabic-news-tagger" and spec["normalization_version"] >= 2
    assert spec["held_out_documents"] == ["004_d8de9215c69d2de7"]
    assert "004_d8de9215c69d2de7" not in spec["train_documents"]
    assert spec["normalization"] == "arabertv02" and spec["training_config"]["name"] == "tiny"
    assert not list(tiny_model.rglob("*.bin")) and not list(tiny_model.rglob("*.pt"))
    metrics = json.loads((tiny_model / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["train_tokens_per_second"] > 0
