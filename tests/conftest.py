"""Shared fixtures: the repository's paths, and one tiny model trained once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tiny_config():
    from arabic_news_tagger.train.config import load_config

    config = load_config(ROOT / "configs" / "tiny.toml")
    config.data.corpus_dir = str(ROOT / "data")
    return config


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_config) -> Path:
    """configs/tiny.toml trained on the gold corpus (document 004 held out), once per session."""
    from arabic_news_tagger.train.trainer import train

    out = tmp_path_factory.mktemp("tiny") / "model"
    train(tiny_config, out, log=lambda *a: None)
    return out
