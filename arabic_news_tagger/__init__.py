"""Arabic news tagger: entities and events with their arguments, as character-offset spans.

The stages are subpackages, one folder each: ``data`` (corpus, schema, loader), ``model``
(architecture, ``predict``), ``train`` and ``evaluate``.
"""

__version__ = "0.2.0"

__all__ = ["__version__", "EventTaggerConfig", "EventTaggerModel", "load_corpus", "predict"]

# Registers the tagger with transformers' AutoConfig / AutoModel, so that
# `AutoModel.from_pretrained(model_dir)` works once this package is imported.
from .model.tagger import EventTaggerConfig, EventTaggerModel  # noqa: E402


def __getattr__(name):
    # Lazy: predict() and the loader pull in their own dependencies only when used.
    if name == "predict":
        from .model.predict import predict

        return predict
    if name == "load_corpus":
        from .data.loader import load_corpus

        return load_corpus
    raise AttributeError(f"module 'arabic_news_tagger' has no attribute {name!r}")
