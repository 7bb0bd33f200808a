"""Arabic news tagger: entities and events with their arguments, as character-offset spans.

The stages are subpackages, one folder each: ``data`` (corpus, schema, loader), ``model``
(architecture, ``predict``), ``train`` and ``evaluate``.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "load_corpus", "predict"]


def __getattr__(name):
    # Lazy, so that `import arabic_news_tagger` (e.g. for the CLI's --help) does not import torch.
    if name == "predict":
        from .model.predict import predict

        return predict
    if name == "load_corpus":
        from .data.loader import load_corpus

        return load_corpus
    raise AttributeError(f"module 'arabic_news_tagger' has no attribute {name!r}")
