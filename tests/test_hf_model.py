"""The tagger is a Hugging Face model: AutoModel loads it, forward gives a loss, the entity layer exports."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch

SENTENCE = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية مع الرئيس الأميركي دونالد ترامب في موسكو"


def test_automodel_loads_a_trained_directory(tiny_model):
    import arabic_news_tagger  # noqa: F401  (registers the classes)
    from transformers import AutoConfig, AutoModel

    from arabic_news_tagger import EventTaggerConfig, EventTaggerModel

    config = AutoConfig.from_pretrained(tiny_model)
    assert isinstance(config, EventTaggerConfig) and config.model_type == "arabic-news-tagger"
    model = AutoModel.from_pretrained(tiny_model)
    assert isinstance(model, EventTaggerModel)
    assert config.held_out_documents == ["004_d8de9215c69d2de7"] and config.argument_design == "top_layers"


def _batch(tokenizer):
    enc = tokenizer([SENTENCE, SENTENCE.split(" مع ")[0]], padding=True, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]


def test_forward_returns_the_loss_of_the_layers_given(tiny_model):
    from arabic_news_tagger.model.tagger import IGNORE, load_tagger

    model, tokenizer = load_tagger(tiny_model)
    ids, mask = _batch(tokenizer)
    out = model(input_ids=ids, attention_mask=mask)
    assert out.loss is None and out.entity_logits.shape[:2] == ids.shape and out.argument_logits is None

    entity = torch.zeros_like(ids)
    unannotated = torch.full_like(ids, IGNORE)  # a corpus without events: every trigger label ignored
    out = model(input_ids=ids, attention_mask=mask, entity_labels=entity, trigger_labels=unannotated)
    alone = model(input_ids=ids, attention_mask=mask, entity_labels=entity)
    assert math.isfinite(out.loss.item()) and torch.allclose(out.loss, alone.loss), "an unannotated layer adds nothing, not NaN"

    tmask = torch.zeros_like(ids)
    tmask[0, 6:8] = 1
    out = model(input_ids=ids, attention_mask=mask, entity_labels=entity, argument_rows=torch.tensor([0]),
                trigger_mask=tmask[:1], event_type_ids=torch.tensor([0]), argument_labels=torch.zeros_like(ids[:1]))
    assert out.argument_logits.shape == (1, ids.shape[1], len(model.config.argument_labels))
    assert out.loss > alone.loss

    # Every argument position labelled O: an outside weight of 0.3 scales the argument loss by 0.3.
    model.eval()
    args = dict(input_ids=ids, attention_mask=mask, argument_rows=torch.tensor([0]), trigger_mask=tmask[:1],
                event_type_ids=torch.tensor([0]), argument_labels=torch.zeros_like(ids[:1]))
    outside = model.config.argument_labels.index("O")
    args["argument_labels"][:] = outside
    full = model(**args).loss
    model.config.argument_outside_weight = 0.3
    try:
        assert model(**args).loss.item() == pytest.approx(0.3 * full.item(), rel=1e-5)
    finally:
        model.config.argument_outside_weight = 1.0


def test_both_argument_designs_tag_the_same_shapes(tiny_model):
    from arabic_news_tagger.model.tagger import EventTaggerConfig, EventTaggerModel, load_tagger

    trained, tokenizer = load_tagger(tiny_model)
    values = trained.config.to_dict()
    values["argument_design"] = "reencode"
    reencode = EventTaggerModel(EventTaggerConfig(**{k: v for k, v in values.items() if k not in ("model_type", "transformers_version")})).eval()
    ids, mask = _batch(tokenizer)
    tmask = torch.zeros_like(ids)
    tmask[:, 3] = 1
    types = torch.tensor([0, 1])
    with torch.no_grad():
        shared = trained.arguments(trained.tag(ids, mask)[2], ids, mask, tmask, types)
        again = reencode.arguments(None, ids, mask, tmask, types)
    assert shared.shape == again.shape == (2, ids.shape[1], len(values["argument_labels"]))
    with pytest.raises(ValueError, match="argument_design: 'other'"):
        EventTaggerConfig(argument_design="other")


def test_the_entity_layer_exports_as_a_token_classification_model(tiny_model, tmp_path):
    from transformers import AutoModelForTokenClassification, pipeline

    from arabic_news_tagger.cli import main
    from arabic_news_tagger.model.tagger import load_tagger

    out = tmp_path / "entities"
    assert main(["export", "--token-classification", str(tiny_model), str(out)]) == 0
    exported = AutoModelForTokenClassification.from_pretrained(out)
    assert exported.config.id2label[0] == "O" and "B-PERS" in exported.config.label2id
    tagger, tokenizer = load_tagger(tiny_model)
    ids, mask = _batch(tokenizer)
    with torch.no_grad():
        want = tagger.tag(ids, mask)[0]
        got = exported(input_ids=ids, attention_mask=mask).logits
    assert torch.allclose(want, got, atol=1e-5), "the export computes exactly the tagger's entity logits"
    spans = pipeline("token-classification", model=str(out), aggregation_strategy="first")(SENTENCE)
    assert isinstance(spans, list) and all(SENTENCE[s["start"]:s["end"]] == s["word"] or s["word"] for s in spans)
    assert not list(out.glob("*.bin")) and (out / "model.safetensors").is_file()


def test_a_model_of_another_normalisation_version_is_refused(tiny_model, tmp_path):
    from arabic_news_tagger.model.tagger import ModelDirectoryError, load_tagger

    model = tmp_path / "model"
    shutil.copytree(tiny_model, model, ignore=shutil.ignore_patterns("checkpoints"))
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config["normalization_version"] = 1
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelDirectoryError, match="normalisation version 1, this package applies version 2"):
        load_tagger(model)


def test_a_backbone_directory_is_not_taken_for_a_tagger(tiny_model, tmp_path):
    from arabic_news_tagger.model.export import export_token_classification
    from arabic_news_tagger.model.tagger import ModelDirectoryError, load_tagger

    plain = export_token_classification(tiny_model, tmp_path / "plain")
    with pytest.raises(ModelDirectoryError, match="model_type 'bert' is not 'arabic-news-tagger'"):
        load_tagger(plain)


def test_predict_without_a_model_names_the_command_that_makes_one(monkeypatch, tmp_path):
    from arabic_news_tagger import predict
    from arabic_news_tagger.model.tagger import ModelDirectoryError

    monkeypatch.setenv("ARABIC_NEWS_TAGGER_MODEL", str(tmp_path / "nothing-here"))
    with pytest.raises(ModelDirectoryError, match=r"arabic-news-tagger train --config configs/news-e5-small.toml --output-dir .*nothing-here"):
        predict("نص")


def test_predict_without_a_model_uses_the_default_location(monkeypatch, tiny_model):
    from arabic_news_tagger import predict

    monkeypatch.setenv("ARABIC_NEWS_TAGGER_MODEL", str(tiny_model))
    assert predict(SENTENCE) == predict(SENTENCE, model=tiny_model)


def test_mixed_precision_is_checked(tmp_path, repo_root):
    from arabic_news_tagger.train.config import ConfigError, load_config
    from arabic_news_tagger.train.trainer import _accelerator

    bad = tmp_path / "bad.toml"
    bad.write_text('[training]\nmixed_precision = "fp8"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="training.mixed_precision: 'fp8' is not one of"):
        load_config(bad)
    config = load_config(repo_root / "configs" / "tiny.toml")
    config.training.mixed_precision, config.training.device = "fp16", "cpu"
    with pytest.raises(ValueError, match="'fp16' needs a GPU"):
        _accelerator(config.training)


@pytest.mark.parametrize("argument_layers", [1, 2])
def test_arguments_read_at_first_pieces_only_equal_the_whole_pass(argument_layers):
    """predict() asks the top_layers design for the words' first pieces only: its last layer and the
    head then run there alone, and must give the very logits the whole pass gives at those places."""
    from transformers import BertConfig

    from arabic_news_tagger.model.tagger import EventTaggerConfig, EventTaggerModel

    torch.manual_seed(0)
    encoder = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=64)
    config = EventTaggerConfig(encoder=encoder, argument_labels=["O", "B-Time", "I-Time", "B-Place", "I-Place"],
                               event_types=["CALL", "MEET"], argument_layers=argument_layers)
    model = EventTaggerModel(config).eval()
    ids = torch.randint(5, 50, (3, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0  # a shorter window in the batch: padding must not leak into the kept positions
    tmask = torch.zeros_like(ids)
    tmask[0, 2:4], tmask[1, 1], tmask[2, 5] = 1, 1, 1
    types = torch.tensor([0, 1, 0])
    wanted = torch.zeros_like(ids, dtype=torch.bool)
    wanted[0, [1, 2, 5, 7]] = True   # the trigger's second piece (3) is not a first piece: still its vector
    wanted[1, [1, 3]] = True
    wanted[2, [1, 2, 3, 4, 5, 6, 7]] = True
    with torch.no_grad():
        hidden = model.tag(ids, mask)[2]
        whole = model.arguments(hidden, ids, mask, tmask, types)
        kept = model.arguments(hidden, ids, mask, tmask, types, wanted=wanted)
    assert kept.shape == whole.shape
    assert torch.allclose(kept[wanted], whole[wanted], atol=1e-5)
    assert not torch.allclose(whole[0, 1], whole[0, 5])  # the logits vary by position: the check can fail
