"""The entity layer as a standard ``AutoModelForTokenClassification`` directory.

    arabic-news-tagger export --token-classification runs/offline-e5-small runs/e5-entities

The export is the tagger's encoder with its entity head as the classifier, ``id2label`` the entity
BIO labels, and the tokenizer: ``pipeline("token-classification", model=OUT)``, optimum and ONNX
tools load it unchanged. It tags raw text: the tagger's word-by-word normalisation (recorded in the
export's README) is not part of a Hugging Face pipeline, so apply it first for the tagger's accuracy.
"""

from __future__ import annotations

from pathlib import Path

from arabic_news_tagger.io import atomic_directory, atomic_write_text


def token_classification_model(tagger):
    """A ``*ForTokenClassification`` holding ``tagger``'s encoder and entity head (weights copied)."""
    import torch
    from transformers import AutoModelForTokenClassification

    labels = list(tagger.config.entity_labels)
    config = tagger.config.encoder.__class__.from_dict(tagger.config.encoder.to_dict())
    config.num_labels = len(labels)
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    config.architectures = None
    model = AutoModelForTokenClassification.from_config(config)
    base = getattr(model, model.base_model_prefix)
    missing, unexpected = base.load_state_dict(tagger.encoder.state_dict(), strict=False)
    missing = [k for k in missing if not k.startswith("pooler.")]
    unexpected = [k for k in unexpected if not k.startswith("pooler.")]  # token classification has no pooler
    if missing or unexpected:
        raise ValueError(f"the encoder's weights do not fit {type(model).__name__} (missing {missing[:5]}, unexpected {unexpected[:5]})")
    with torch.no_grad():
        model.classifier.weight.copy_(tagger.entity_head.weight)
        model.classifier.bias.copy_(tagger.entity_head.bias)
    return model.eval()


def export_token_classification(model_dir: str | Path, out_dir: str | Path) -> Path:
    """Write the entity layer of the tagger in ``model_dir`` to ``out_dir`` (whole or not at all)."""
    from .backbones import quiet_transformers
    from .tagger import load_tagger

    quiet_transformers()
    tagger, tokenizer = load_tagger(model_dir, "cpu")
    model = token_classification_model(tagger)
    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        atomic_write_text(tmp / "README.md", "\n".join([
            f"# Entity layer of the Arabic news tagger `{Path(model_dir).name}`", "",
            "A standard token-classification model (`AutoModelForTokenClassification`), exported with",
            "`arabic-news-tagger export --token-classification`.", "",
            f"- labels: {', '.join(tagger.config.entity_labels)}",
            f"- trained on text normalised word by word with `{tagger.config.normalization}` (version "
            f"{tagger.config.normalization_version}) of `arabic_news_tagger.model.normalize`; raw text scores lower.",
        ]) + "\n")
    return out_dir
