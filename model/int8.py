"""The opt-in int8 path: the tagger's two passes run by ONNX Runtime with dynamically quantised weights.

    >>> from arabic_news_tagger import predict
    >>> predict("...", model="runs/e5", int8=True)             # or Predictor("runs/e5", int8=True)

The first use exports both passes to ONNX (``tag``: input_ids, attention_mask -> entity logits,
trigger logits, hidden states; ``arguments``: the hidden states (shared and top_layers designs) or
input_ids (reencode design), attention_mask, trigger_mask, event_type_ids, and for the top_layers
design the positions to compute (``predict()`` reads each word's first piece: the graph's last layer
and head run there only, as ``EventTaggerModel.arguments`` with ``wanted`` does) -> role logits;
batch, sequence and position axes dynamic), quantises their weights to int8 with
``onnxruntime.quantization.quantize_dynamic`` (per output channel), and caches the result in the
model directory::

    int8/tag.onnx  int8/arguments.onnx  int8/int8.json

``int8.json`` records the sha256 of the files the graphs were made from (``config.json``,
``model.safetensors``): a cache whose sources changed, or that is
incomplete, is rebuilt. The directory is written whole or not at all (a temporary sibling, then
one rename). A model directory that cannot be written (a read-only hub snapshot) gets its cache
under ``$ARABIC_NEWS_TAGGER_CACHE`` (default ``~/.cache/arabic_news_tagger``) instead.

Needs ``pip install 'arabic-news-tagger[int8]'`` (onnxruntime, onnx). CPU only: ONNX Runtime's CPU
execution provider, with as many intra-op threads as ``os.cpu_count()``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .tagger import EventTaggerConfig, ModelDirectoryError, kept_positions, read_config, spread_positions

INT8_DIR = "int8"
MARKER_FILE = "int8.json"
TAG_FILE = "tag.onnx"
ARGUMENTS_FILE = "arguments.onnx"
#: Bumped whenever what this module writes changes; a cache written by another version is rebuilt.
CACHE_FORMAT = 4
OPSET = 17
INSTALL_HINT = "pip install 'arabic-news-tagger[int8]'"

TAG_INPUTS = ("input_ids", "attention_mask")
TAG_OUTPUTS = ("entity_logits", "trigger_logits", "hidden_states")


def argument_inputs(config) -> tuple[str, ...]:
    """The argument graph's inputs: the tagging pass's states (shared design) or the ids (reencode);
    the top_layers design also takes the positions it computes."""
    first = "input_ids" if config.argument_design == "reencode" else "hidden_states"
    positions = ("positions",) if config.argument_design == "top_layers" else ()
    return (first, "attention_mask", "trigger_mask", "event_type_ids", *positions)


ARGUMENT_OUTPUTS = ("role_logits",)


class Int8Unavailable(ImportError):
    """ONNX Runtime (or onnx, which its quantiser needs) is not installed."""


def require_onnxruntime(quantizer: bool = False):
    """The ``onnxruntime`` module, or an error that says what to install."""
    try:
        import onnxruntime

        if quantizer:
            import onnx  # noqa: F401  (onnxruntime.quantization reads and writes models with it)
            import onnxruntime.quantization  # noqa: F401
    except ImportError as e:
        raise Int8Unavailable(f"the int8 path needs ONNX Runtime and onnx ({e.name or e} is missing): {INSTALL_HINT}") from None
    return onnxruntime


# --- the cache ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def source_digests(model_dir: str | Path) -> dict[str, str]:
    """sha256 of each file the int8 graphs are made from, by path relative to ``model_dir``."""
    model_dir = Path(model_dir)
    files = [model_dir / "config.json", model_dir / "model.safetensors"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ModelDirectoryError(f"{model_dir}: not a complete tagger directory (missing {missing})")
    return {f.relative_to(model_dir).as_posix(): _sha256(f) for f in files}


def _marker(sources: dict[str, str]) -> dict:
    return {"format": CACHE_FORMAT, "sources": sources, "weight_type": "QInt8", "per_channel": True, "opset": OPSET,
            "files": [TAG_FILE, ARGUMENTS_FILE]}


def is_fresh(cache_dir: str | Path, sources: dict[str, str]) -> bool:
    """Whether ``cache_dir`` holds complete int8 graphs made from exactly ``sources``."""
    cache_dir = Path(cache_dir)
    try:
        marker = json.loads((cache_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or marker.get("format") != CACHE_FORMAT or marker.get("sources") != sources:
        return False
    return all((cache_dir / name).is_file() and (cache_dir / name).stat().st_size > 0 for name in (TAG_FILE, ARGUMENTS_FILE))


def fallback_cache_dir(sources: dict[str, str]) -> Path:
    """Where the cache goes when the model directory is read-only: keyed by the sources' digest."""
    key = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()[:20]
    from arabic_news_tagger.io import cache_root

    return cache_root() / "int8" / key


# --- export and quantisation -------------------------------------------------------------------


class _TagPass(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model.tag(input_ids, attention_mask)


class _ArgumentPass(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, first, attention_mask, trigger_mask, event_type_ids, positions=None):
        if self.model.config.argument_design == "top_layers":
            return self.model.arguments_at(first, attention_mask, trigger_mask, event_type_ids, positions)
        if self.model.config.argument_design != "reencode":
            return self.model.arguments(first, None, attention_mask, trigger_mask, event_type_ids)
        return self.model.arguments(None, first, attention_mask, trigger_mask, event_type_ids)


def _example(model, batch: int, length: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Inputs with padding (so the attention mask is never traced away) and a marked trigger."""
    g = torch.Generator().manual_seed(seed)
    vocab = int(model.encoder.config.vocab_size)
    ids = torch.randint(0, vocab, (batch, length), generator=g)
    mask = torch.ones(batch, length, dtype=torch.long)
    tmask = torch.zeros(batch, length, dtype=torch.long)
    for i in range(batch):
        n = max(2, length - 3 * i)
        mask[i, n:] = 0
        ids[i, n:] = 0
        tmask[i, 1 + i % (n - 1)] = 1
    types = torch.arange(batch) % max(1, len(model.config.event_types))
    if model.config.argument_design == "top_layers":
        # Fewer positions than the window, the trigger's among them, as predict() asks.
        hidden = torch.randn(batch, length, model.config.encoder.hidden_size, generator=g)
        wanted = torch.zeros(batch, length, dtype=torch.bool)
        for i in range(batch):
            wanted[i, torch.randperm(int(mask[i].sum()), generator=g)[:max(1, length // 3 - i)]] = True
        return (ids, mask), (hidden, mask, tmask, types, kept_positions(wanted | tmask.bool()))
    if model.config.argument_design != "reencode":
        hidden = torch.randn(batch, length, model.config.encoder.hidden_size, generator=g)
        return (ids, mask), (hidden, mask, tmask, types)
    return (ids, mask), (ids, mask, tmask, types)


@contextlib.contextmanager
def _eager_attention(encoder):
    """Export the attention as plain MatMul/Softmax: ONNX Runtime runs that graph, quantised, about
    20% faster on CPU than the one traced from SDPA (7,000 against 5,900 words/s for e5-small here)."""
    config = getattr(encoder, "config", None)
    before = getattr(config, "_attn_implementation", None)
    if config is None or before in (None, "eager") or not hasattr(encoder, "set_attn_implementation"):
        yield
        return
    encoder.set_attn_implementation("eager")
    try:
        yield
    finally:
        encoder.set_attn_implementation(before)


def _export(module: nn.Module, args: tuple, path: Path, inputs, outputs) -> None:
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs if name != "event_type_ids"}  # hidden: (batch, sequence, width)
    # With positions, the logits are computed there only: (batch, positions, roles).
    second = "positions" if "positions" in inputs else "sequence"
    axes.update({name: {0: "batch", 1: second} for name in outputs})
    if "positions" in inputs:
        axes["positions"] = {0: "batch", 1: "positions"}
    if "event_type_ids" in inputs:
        axes["event_type_ids"] = {0: "batch"}
    module.eval()  # the exporter restores the wrapper's mode on everything under it: eval, so dropout stays off
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        # The TorchScript exporter: no extra dependency, a second for e5-small, and the graph ONNX
        # Runtime runs fastest here; tracing is safe because the passes have no data-dependent branches
        # (the example has padding, so the attention mask stays in the graph; _check proves the axes).
        torch.onnx.export(module, args, str(path), input_names=list(inputs), output_names=list(outputs),
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True, dynamo=False)


def _session(path: Path, threads: int | None = None):
    ort = require_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _check(path: Path, reference: Callable, inputs, args: tuple, tolerance: float = 1e-3) -> None:
    """The fp32 graph reproduces PyTorch on shapes other than the traced ones, or the export failed."""
    session = _session(path)
    feed = {name: a.numpy() for name, a in zip(inputs, args)}
    got = session.run(None, feed)
    with torch.inference_mode():
        want = reference(*args)
    want = want if isinstance(want, tuple) else (want,)
    mask = args[1].bool().numpy()
    for g, w in zip(got, want):
        # Outputs over the window are compared at its real tokens; at given positions, everywhere.
        diff = float((np.abs(g - w.numpy())[mask] if g.shape[:2] == mask.shape else np.abs(g - w.numpy())).max())
        if not diff <= tolerance:
            raise RuntimeError(f"{path.name}: the exported graph differs from the PyTorch model by {diff:.3g} "
                               f"on a batch of shape {tuple(args[0].shape)}; the export is unusable")


@contextlib.contextmanager
def _quiet_root_logger():
    """The quantiser logs advice ("consider pre-processing") on the root logger at WARNING: not for users."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def build_int8(model, cache_dir: str | Path, sources: dict[str, str], log: Callable[[str], None] | None = None) -> Path:
    """Export ``model``'s passes, quantise them, and install them atomically as ``cache_dir``."""
    require_onnxruntime(quantizer=True)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from arabic_news_tagger.io import atomic_directory

    log = log or (lambda m: print(m, file=sys.stderr))
    cache_dir = Path(cache_dir)
    model = model.cpu().eval()
    log(f"int8: exporting the tagger to ONNX and quantising it into {cache_dir} (once per model)")
    traced = _example(model, 3, 17, seed=0)
    checked = _example(model, 4, 29, seed=1)
    arguments = _ArgumentPass(model)
    passes = [
        (_TagPass(model), TAG_INPUTS, TAG_OUTPUTS, traced[0], checked[0], model.tag, TAG_FILE),
        (arguments, argument_inputs(model.config), ARGUMENT_OUTPUTS, traced[1], checked[1], arguments.forward, ARGUMENTS_FILE),
    ]
    with atomic_directory(cache_dir) as tmp, _eager_attention(model.encoder):
        for module, inputs, outputs, example, check, reference, name in passes:
            fp32 = tmp / f"{name}.fp32"
            _export(module, example, fp32, inputs, outputs)
            _check(fp32, reference, inputs, check)
            with warnings.catch_warnings(), _quiet_root_logger():
                warnings.simplefilter("ignore")
                quantize_dynamic(str(fp32), str(tmp / name), weight_type=QuantType.QInt8, per_channel=True)
            fp32.unlink()
        (tmp / MARKER_FILE).write_text(json.dumps(_marker(sources), indent=2), encoding="utf-8")
    return cache_dir


def int8_cache(model_dir: str | Path, model=None, log: Callable[[str], None] | None = None) -> Path:
    """The directory of up-to-date int8 graphs for ``model_dir``, built first if missing or stale.

    ``model`` (the loaded ``EventTagger``) is needed only to build; without it, it is loaded.
    """
    model_dir = Path(model_dir)
    sources = source_digests(model_dir)
    candidates = [model_dir / INT8_DIR, fallback_cache_dir(sources)]
    for cache in candidates:
        if is_fresh(cache, sources):
            return cache
    if model is None:
        from .tagger import load_tagger

        model, _ = load_tagger(model_dir, "cpu")
    try:
        return build_int8(model, candidates[0], sources, log)
    except PermissionError:
        return build_int8(model, candidates[1], sources, log)
    except OSError as e:
        import errno

        if e.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        return build_int8(model, candidates[1], sources, log)


# --- the passes --------------------------------------------------------------------------------


def _numpy(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return np.ascontiguousarray(t.detach().cpu().numpy().astype(np.int64, copy=False))
    return np.ascontiguousarray(np.asarray(t, dtype=np.int64))


class OnnxTagPasses:
    """The int8 graphs behind ``EventTaggerModel``'s interface: ``.tag``, ``.arguments``, ``.config``.

    Inputs are torch tensors (or arrays) of ids; outputs are float32 torch tensors on the CPU, the
    same shapes as ``EventTagger``'s, so ``Predictor`` uses this in place of its model unchanged.
    """

    def __init__(self, cache_dir: str | Path, config: EventTaggerConfig, threads: int | None = None):
        self.directory = Path(cache_dir)
        self.config = config
        self._argument_inputs = argument_inputs(config)
        self.device = torch.device("cpu")
        self._tag = _session(self.directory / TAG_FILE, threads)
        self._arguments = _session(self.directory / ARGUMENTS_FILE, threads)

    @classmethod
    def from_model_dir(cls, model_dir: str | Path, model=None, config: EventTaggerConfig | None = None,
                       threads: int | None = None, log: Callable[[str], None] | None = None) -> "OnnxTagPasses":
        """The passes of a saved tagger, building its int8 cache first where needed."""
        require_onnxruntime()
        config = config or (model.config if model is not None else read_config(model_dir))
        return cls(int8_cache(model_dir, model, log), config, threads)

    def tag(self, input_ids, attention_mask):
        """Entity and trigger logits, ``(batch, length, labels)`` each, and the hidden states."""
        ent, trg, hidden = self._tag.run(None, {"input_ids": _numpy(input_ids), "attention_mask": _numpy(attention_mask)})
        return torch.from_numpy(ent), torch.from_numpy(trg), torch.from_numpy(hidden)

    def arguments(self, hidden, input_ids, attention_mask, trigger_mask, event_type_ids, wanted=None):
        """Role logits for each position, given the trigger's pieces and the event type; as
        ``EventTaggerModel.arguments``, the top_layers graph computes only the ``wanted`` positions
        (and the trigger's; the others are not to be read)."""
        first = (np.ascontiguousarray(hidden.detach().cpu().numpy().astype(np.float32, copy=False))
                 if self.config.argument_design != "reencode" else _numpy(input_ids))
        feed = {self._argument_inputs[0]: first, "attention_mask": _numpy(attention_mask),
                "trigger_mask": _numpy(trigger_mask), "event_type_ids": _numpy(event_type_ids)}
        if "positions" not in self._argument_inputs:
            return torch.from_numpy(self._arguments.run(None, feed)[0])
        trigger_mask = torch.as_tensor(trigger_mask)
        if wanted is None:
            index = torch.arange(trigger_mask.size(1)).expand(trigger_mask.size(0), -1)
        else:
            index = kept_positions(torch.as_tensor(wanted).bool() | trigger_mask.bool())
        (roles,) = self._arguments.run(None, {**feed, "positions": _numpy(index)})
        roles = torch.from_numpy(roles)
        return roles if wanted is None else spread_positions(roles, index, trigger_mask.size(1))


def load_int8(model_dir: str | Path, threads: int | None = None, log: Callable[[str], None] | None = None):
    """``(passes, tokenizer)`` for a saved tagger: its int8 graphs, built first where missing or stale.

    With a fresh cache the PyTorch weights are never loaded (less memory, faster start); otherwise
    ``int8_cache`` loads and checks the directory as for fp32, then exports it once.
    """
    from transformers import AutoTokenizer

    from .backbones import quiet_transformers

    passes = OnnxTagPasses.from_model_dir(model_dir, threads=threads, log=log)
    quiet_transformers()
    try:
        tokenizer = AutoTokenizer.from_pretrained(Path(model_dir))
    except (OSError, ValueError) as e:
        raise ModelDirectoryError(f"{Path(model_dir)}: cannot read the tokenizer ({e})") from None
    return passes, tokenizer
